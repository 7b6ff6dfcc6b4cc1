/**
 * Time bounds that stretch under valgrind: test/memcheck/run.sh sets
 * EXOSIP2_MEMCHECK=1 and every Node process (child processes too) runs
 * ~20x slower there. A test that bounds a child's or an operation's time
 * multiplies the bound by {@link SLOW}.
 */
export const SLOW: number = process.env.EXOSIP2_MEMCHECK === '1' ? 20 : 1;
