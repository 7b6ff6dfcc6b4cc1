/**
 * Reading a C constant from one of the addon's tables, failing loudly when the
 * addon lacks it (an addon built against other headers than its lib/).
 * @internal
 * @module
 */

/** A reader of `table` whose error names `what` (`'OSIP code'`, `'option'`...). */
export function lookup(table: Readonly<Record<string, number>>, what: string): (name: string) => number {
  return (name) => {
    const value = table[name];
    if (typeof value !== 'number') throw new Error(`exosip2/compat: the native addon has no ${what} ${name}`);
    return value;
  };
}
