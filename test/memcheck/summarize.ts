/**
 * Reads the valgrind memcheck logs of one `npm run test:memcheck` run and
 * prints the figures docs/reliability.md records: per process, the memory
 * errors (invalid reads/writes and the rest) and the leaks, each split into
 * what is attributable to us and what is not.
 *
 * Attributable: a stack with a frame in exosip2.node (the addon), or in
 * libeXosip2/libosip2 (eXosip calls the addon makes, and eXosip's own
 * thread). Exit code 1 when any attributable invalid read/write or
 * definitely-lost byte is found, except the leaks inside libeXosip2 listed
 * in KNOWN, which are printed with their size.
 *
 *   node --import tsx test/memcheck/summarize.ts <dir with vg.*.log>
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

interface Record {
  kind: string;
  stack: string[];
  bytes: number;
}

interface ProcessSummary {
  command: string;
  errors: Record[];
  leaks: Record[];
  errorSummary: string;
  suppressed: string;
}

const OURS = /exosip2\.node|libeXosip2|libosip2|libosipparser2|\bexosip::|\b_?eXosip_|\bosip_/;

/**
 * Leaks inside libeXosip2 itself, on its own thread, that the binding cannot
 * free: reported (with their bytes) as known, not counted as failures. Each
 * is described in docs/reliability.md.
 */
const KNOWN: ReadonlyArray<{ what: string; frames: readonly string[] }> = [
  {
    what: 'libeXosip2 5.3.0: udp_tl_send_message returns without freeaddrinfo() when the destination has no address of the socket\'s family (eXtl_udp.c:1176; docs/reliability.md)',
    frames: ['getaddrinfo', '_eXosip_get_addrinfo', 'udp_tl_send_message'],
  },
];

function known(r: Record): string | null {
  for (const k of KNOWN) {
    let at = 0;
    for (const frame of r.stack) if (at < k.frames.length && frame.startsWith(k.frames[at])) at++;
    if (at === k.frames.length && r.stack.some((f) => f.startsWith('_eXosip_thread')) && !r.stack.some((f) => f.includes('exosip2.node'))) return k.what;
  }
  return null;
}

function parse(file: string): ProcessSummary | null {
  const lines = fs.readFileSync(file, 'utf8').split('\n').map((l) => l.replace(/^==\d+==\s?/, ''));
  const command = lines.find((l) => l.startsWith('Command: '))?.slice(9) ?? '?';
  const summary = lines.find((l) => l.startsWith('ERROR SUMMARY:'));
  if (summary === undefined) return null; // a fork before exec, or a process that did not finish
  const out: ProcessSummary = { command, errors: [], leaks: [], errorSummary: summary, suppressed: '' };
  let current: Record | null = null;
  for (const line of lines) {
    const frame = /^\s+(?:at|by) 0x[0-9A-F]+: (.*)$/.exec(line);
    if (frame && current) {
      current.stack.push(frame[1]);
      continue;
    }
    if (line.trim() === '' || line.startsWith('Thread ') || line.startsWith(' Address ') || line.startsWith(' Block ')) {
      if (line.trim() === '') current = null;
      continue;
    }
    const leak = /^([\d,]+)(?: \(([\d,]+) direct, [\d,]+ indirect\))? bytes in [\d,]+ blocks are (definitely|indirectly|possibly) lost/.exec(line);
    if (leak) {
      const direct = Number((leak[2] ?? leak[1]).replace(/,/g, ''));
      current = { kind: `${leak[3]} lost`, stack: [], bytes: direct };
      out.leaks.push(current);
      continue;
    }
    if (/^(Invalid (read|write|free)|Mismatched free|Conditional jump|Use of uninitialised|Syscall param|Source and destination overlap|Argument .* of function|Invalid (alignment|size))/.test(line)) {
      current = { kind: line.trim(), stack: [], bytes: 0 };
      out.errors.push(current);
      continue;
    }
    const sup = /^\s*suppressed: ([\d,]+) bytes in ([\d,]+) blocks/.exec(line);
    if (sup) out.suppressed = `${sup[1]} bytes in ${sup[2]} blocks`;
  }
  return out;
}

const ours = (r: Record): boolean => r.stack.some((f) => OURS.test(f));
const kb = (n: number): string => `${n.toLocaleString('en-US')} B`;

function main(): void {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: summarize.ts <dir>');
  const summaries = fs
    .readdirSync(dir)
    .filter((f) => /^vg\..*\.log$/.test(f))
    .map((f) => parse(path.join(dir, f)))
    .filter((s): s is ProcessSummary => s !== null);
  let badRW = 0;
  let badLeak = 0;
  /** What fails the run, repeated after the totals: CI shows the tail of the output. */
  const failing: string[] = [];
  const totals = { processes: summaries.length, errors: 0, rw: 0, definite: 0, possible: 0, ourErrors: 0, ourDefinite: 0, ourPossible: 0, knownDefinite: 0 };
  for (const s of summaries) {
    const rw = s.errors.filter((e) => /^Invalid (read|write)/.test(e.kind));
    const definite = s.leaks.filter((l) => l.kind === 'definitely lost');
    const possible = s.leaks.filter((l) => l.kind === 'possibly lost');
    const sum = (rs: Record[]): number => rs.reduce((a, r) => a + r.bytes, 0);
    const ourRw = rw.filter(ours);
    const knownDefinite = definite.filter((l) => ours(l) && known(l) !== null);
    const ourDefinite = definite.filter((l) => ours(l) && known(l) === null);
    totals.errors += s.errors.length;
    totals.rw += rw.length;
    totals.definite += sum(definite);
    totals.possible += sum(possible);
    totals.ourErrors += s.errors.filter(ours).length;
    totals.ourDefinite += sum(ourDefinite);
    totals.knownDefinite += sum(knownDefinite);
    totals.ourPossible += sum(possible.filter(ours));
    badRW += ourRw.length;
    badLeak += sum(ourDefinite);
    for (const r of [...ourRw, ...ourDefinite]) {
      failing.push(`${s.command.length > 300 ? `${s.command.slice(0, 300)}…` : s.command}\n  ${r.kind}${r.bytes ? ` (${kb(r.bytes)})` : ''}:\n    ${r.stack.slice(0, 30).join('\n    ')}`);
    }
    console.log(`${s.command}`);
    console.log(`  ${s.errorSummary}`);
    console.log(
      `  memory errors: ${s.errors.length} (invalid reads/writes ${rw.length}, ours ${ourRw.length}); ` +
        `definitely lost ${kb(sum(definite))} (ours ${kb(sum(ourDefinite))}); possibly lost ${kb(sum(possible))} (ours ${kb(sum(possible.filter(ours)))}); suppressed ${s.suppressed || '0'}`,
    );
    for (const r of [...s.errors, ...definite, ...possible].filter(ours)) {
      const k = r.kind === 'definitely lost' ? known(r) : null;
      console.log(`    ${k ? 'KNOWN ' : ''}${r.kind}${r.bytes ? ` (${kb(r.bytes)})` : ''}${k ? `: ${k}` : ''}:\n      ${r.stack.slice(0, 8).join('\n      ')}`);
    }
  }
  console.log(
    `\nmemcheck: ${totals.processes} processes; ${totals.errors} memory errors (${totals.rw} invalid reads/writes), ${totals.ourErrors} in our code; ` +
      `definitely lost ${kb(totals.definite)}: ${kb(totals.ourDefinite)} ours, ${kb(totals.knownDefinite)} known inside libeXosip2; possibly lost ${kb(totals.possible)}, ${kb(totals.ourPossible)} ours`,
  );
  if (totals.processes === 0) {
    console.log('memcheck: FAIL, no complete valgrind log');
    process.exitCode = 1;
  } else if (badRW > 0 || badLeak > 0) {
    console.log(`\nWhat fails (the first ${Math.min(failing.length, 4)} of ${failing.length}; the access's stack, then where the block was allocated or freed):`);
    for (const f of failing.slice(0, 4)) console.log(f);
    console.log(`memcheck: FAIL, ${badRW} invalid reads/writes and ${kb(badLeak)} definitely lost in the addon, libeXosip2 or libosip2`);
    process.exitCode = 1;
  } else {
    console.log(
      `memcheck: PASS, 0 invalid reads/writes, 0 bytes definitely lost in the addon or the eXosip calls it makes` +
        (totals.knownDefinite > 0 ? `; known leaks inside libeXosip2's own thread: ${kb(totals.knownDefinite)} (listed above)` : ''),
    );
  }
}

main();
