/**
 * Paths the tests hand to child processes and tools, in one place: a test
 * file's own depth under test/ does not matter.
 */
import * as path from 'node:path';

/** The repository's root directory. */
export const ROOT: string = path.resolve(__dirname, '..', '..');

/**
 * lib/index and lib/compat without an extension, for `require()` in a child
 * process through tsx (`require('tsx/cjs')`): resolves a `.ts` file or a
 * folder's `index.ts` alike.
 */
export const LIB_INDEX: string = path.join(ROOT, 'lib', 'index');
/** See {@link LIB_INDEX}. */
export const LIB_COMPAT: string = path.join(ROOT, 'lib', 'compat');

/** A file of test/fixtures/. */
export function fixture(name: string): string {
  return path.join(ROOT, 'test', 'fixtures', name);
}
