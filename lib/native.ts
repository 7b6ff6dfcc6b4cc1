/**
 * Loads the native addon. Order (scripts/binding-loader.js, shared with the
 * install script): a build from source in `build/Release` (then
 * `build/Debug`), then the matching prebuilt binary in
 * `prebuilds/<platform>-<arch>/`; `PREBUILDS_ONLY=1` skips `build/`. A
 * candidate that fails to load is skipped; when none loads, the error
 * (code `ERR_EXOSIP2_NATIVE_MISSING`) lists what was tried and the two fixes.
 * Only `lib/` imports this module.
 * @internal
 * @module
 */
import * as path from 'node:path';
import type * as Binding from '../binding';

interface Loaded {
  binding: unknown;
  file: string;
  kind: string;
  tried: string[];
}

/** The package root: `lib/` and `dist/lib/` both sit below it. */
function packageRoot(): string {
  const here = __dirname;
  return path.basename(path.dirname(here)) === 'dist' ? path.join(here, '..', '..') : path.join(here, '..');
}

const root = packageRoot();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { loadBinding } = require(path.join(root, 'scripts', 'binding-loader.js')) as { loadBinding(root: string): Loaded };
const loaded = loadBinding(root);

/** The addon's exports, typed by `binding.d.ts`. */
export const binding: typeof Binding = loaded.binding as typeof Binding;

/** Absolute path of the `.node` file that was loaded (`build/Release/…` or `prebuilds/…`). */
export const bindingPath: string = loaded.file;
