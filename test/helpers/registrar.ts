/**
 * Test helpers around the embedded Registrar (test/registrar/): one on a free
 * loopback port with the test users, and a record of its events.
 */
import { Registrar, type RegistrarOptions } from '../../lib/index';

/** Starts a registrar (users alice/secret and bob/bobpass unless told) on a free loopback UDP port; closed by the caller. */
export async function startRegistrar(options: Partial<RegistrarOptions> = {}, listen: Parameters<Registrar['listen']>[0] = {}): Promise<Registrar> {
  const registrar = new Registrar({ users: { alice: 'secret', bob: 'bobpass' }, ...options });
  await registrar.listen(listen);
  return registrar;
}

/** Every event of a registrar, in order, as [name, payload]. */
export function recordRegistrar(registrar: Registrar): Array<[string, unknown]> {
  const seen: Array<[string, unknown]> = [];
  for (const name of ['registered', 'unregistered', 'challenge', 'rejected', 'warning'] as const) {
    registrar.on(name, (payload: unknown) => seen.push([name, payload]));
  }
  return seen;
}
