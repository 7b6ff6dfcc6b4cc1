/**
 * Loads the native addon with node-gyp-build (a local `build/Release` build,
 * else a matching `prebuilds/` binary). Only `lib/` imports this module.
 * @internal
 * @module
 */
import * as path from 'node:path';
import type * as Binding from '../binding';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const load = require('node-gyp-build') as (dir: string) => unknown;

/** The package root: `lib/` and `dist/lib/` both sit below it. */
function packageRoot(): string {
  const here = __dirname;
  return path.basename(path.dirname(here)) === 'dist' ? path.join(here, '..', '..') : path.join(here, '..');
}

function loadBinding(): typeof Binding {
  const root = packageRoot();
  try {
    return load(root) as typeof Binding;
  } catch (cause) {
    const error = new Error(
      `exosip2: could not load the native addon from ${root} (${(cause as Error).message}).\n` +
        'Install libeXosip2 and libosip2 (see README "Prerequisites"), then build it: npx cmake-js compile',
      { cause },
    );
    (error as NodeJS.ErrnoException).code = 'ERR_EXOSIP2_NATIVE_MISSING';
    throw error;
  }
}

/** The addon's exports, typed by `binding.d.ts`. */
export const binding: typeof Binding = loadBinding();
