#!/usr/bin/env bash
# npm run test:memcheck: the addon under valgrind memcheck.
#
# 1. test/memcheck/workload.ts: one process through the addon's paths, ending
#    with contexts still open so that the environment teardown runs too.
# 2. The integration tests that do not depend on tight timing, each test file
#    in its own node process (node --test), every node process under valgrind;
#    Kamailio, kamcmd, SIPp, openssl (the TLS tests' certificates) and esbuild
#    run natively (--trace-children-skip).
#
# Suppressions: test/memcheck/node.supp (Node/V8's own allocations, glibc
# per-thread state; see the file). The logs go to $MEMCHECK_DIR (default: a
# new temp dir), then test/memcheck/summarize.ts prints the figures and fails
# on any invalid read/write or definitely-lost block in the addon, libeXosip2
# or libosip2. Takes ~10 minutes on 2 CPUs.
set -uo pipefail
cd "$(dirname "$0")/../.."

if ! command -v valgrind >/dev/null; then
  echo "valgrind not found: apt-get install valgrind" >&2
  exit 1
fi

# Left out: files whose assertions are about wall-clock timing (refresh,
# faults, restart, hostile's refresh deadline, CLI/example timings, message's
# GC child bounded to 60 s) or that build and install packages (prebuild);
# the workload covers messages. Tests that bound times read EXOSIP2_MEMCHECK.
tests=(
  test/register/register.test.ts test/register/commands.test.ts test/compat/*.test.ts
  test/reliability/torture.test.ts test/context/trace.test.ts test/context/log.test.ts test/context/events.test.ts test/message/answer.test.ts
  test/reliability/parse.test.ts test/reliability/fuzz.test.ts test/reliability/secrets.test.ts
  test/reliability/lifetime.test.ts test/reliability/hostile-calls.test.ts test/call/ended.test.ts test/reliability/non-sip-targets.test.ts
  test/subscribe/subscribe.test.ts test/subscribe/notifier.test.ts
)
# A file moved or renamed must fail the run, not drop out of it.
for t in "${tests[@]}"; do
  [ -f "$t" ] || { echo "memcheck: $t not found (update the list in test/memcheck/run.sh)" >&2; exit 1; }
done
dir="${MEMCHECK_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/exosip2-memcheck.XXXXXX")}"
mkdir -p "$dir"
rm -f "$dir"/vg.*.log
echo "memcheck: logs in $dir"

vg=(valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,possible
  --errors-for-leak-kinds=definite --num-callers=40
  --suppressions="$PWD/test/memcheck/node.supp"
  --trace-children=yes --trace-children-skip='*/kamailio,*/kamcmd,*/sipp,*/openssl,*esbuild*,/bin/*,/usr/bin/env'
  --child-silent-after-fork=yes --log-file="$dir/vg.%p.log")

status=0
echo "== memcheck: workload"
"${vg[@]}" node --import tsx test/memcheck/workload.ts || status=1

export EXOSIP2_MEMCHECK=1
echo "== memcheck: ${#tests[@]} test files"
FUZZ_CALLS="${FUZZ_CALLS:-10000}" "${vg[@]}" node --import tsx --test --test-concurrency=1 --test-timeout=900000 "${tests[@]}" || status=1

echo "== memcheck: summary"
node --import tsx test/memcheck/summarize.ts "$dir" || status=1
exit $status
