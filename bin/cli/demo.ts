/**
 * The registrar side of the `exosip2-register` demo: the embedded
 * {@link Registrar} on loopback with one user, one output line per event.
 * @module
 */
import { isIP } from 'node:net';
import { Registrar, type RegistrarBinding } from '../../lib/index';
import { type CliOptions, DEMO_FROM, PROGRAM } from './args';
import type { OutputEvent } from './output';

/**
 * Starts the demo's registrar for `username`/`password` on the loopback
 * address of `o.address`'s family, with `o.transport`. A TCP registrar needs a
 * libeXosip2 that accepts connections: with the usual build this rejects
 * with `ERR_TRANSPORT_NOT_SERVED`.
 */
export async function startDemoRegistrar(
  o: CliOptions,
  username: string,
  password: string,
  emit: (e: OutputEvent) => void,
  version: string,
): Promise<Registrar> {
  const registrar = new Registrar({ users: { [username]: password }, userAgent: `${PROGRAM}-demo-registrar/${version}` });
  const where = (b: RegistrarBinding): Record<string, unknown> => ({ aor: b.aor, contact: b.contact, expires: b.expires });
  registrar.on('challenge', (c) =>
    emit({
      event: 'registrar-challenge',
      text: `registrar: ${c.status} challenge to ${c.aor} (${c.cause}${c.stale ? ', stale' : ''})`,
      fields: { status: c.status, aor: c.aor, realm: c.realm, cause: c.cause, stale: c.stale },
    }),
  );
  registrar.on('registered', ({ binding, refreshed }) => {
    const event = refreshed ? 'refreshed' : 'registered';
    emit({ event: `registrar-${event}`, text: `registrar: ${event} ${binding.aor} contact=${binding.contact} expires=${binding.expires}`, fields: where(binding) });
  });
  registrar.on('unregistered', ({ binding, reason }) =>
    emit({ event: 'registrar-unregistered', text: `registrar: unregistered ${binding.aor} contact=${binding.contact} (${reason})`, fields: { ...where(binding), reason } }),
  );
  registrar.on('rejected', (r) =>
    emit({
      event: 'registrar-rejected',
      text: `registrar: ${r.status} to ${r.aor ?? r.method} (${r.cause}: ${r.detail})`,
      fields: { status: r.status, aor: r.aor, cause: r.cause, detail: r.detail },
    }),
  );
  try {
    const info = await registrar.listen({ transport: o.transport, address: isIP(o.address) === 6 ? '::1' : '127.0.0.1', port: 0 });
    const address = info.family === 6 ? `[${info.address}]` : info.address;
    emit({
      event: 'registrar-listening',
      text: `registrar listening ${info.transport} ${address}:${info.port} (demo: the embedded exosip2 Registrar, user ${DEMO_FROM.slice(4)})`,
      fields: { transport: info.transport, address: info.address, port: info.port, uri: registrar.uri, user: DEMO_FROM },
    });
  } catch (error) {
    await registrar.close();
    if ((error as { code?: unknown }).code === 'ERR_TRANSPORT_NOT_SERVED') {
      throw Object.assign(
        new Error(
          `the demo cannot run over ${o.transport.toUpperCase()}: its embedded registrar would have to accept ${o.transport.toUpperCase()} connections, ` +
            'and this libeXosip2 (built without ENABLE_MAIN_SOCKET, the usual way) only connects out. ' +
            `Run the demo over UDP (leave out --transport, or --transport udp); ${o.transport.toUpperCase()} works against a real registrar: ` +
            `--proxy <sip-uri> --from <sip-uri> --transport ${o.transport}`,
        ),
        { code: 'ERR_TRANSPORT_NOT_SERVED', cause: error },
      );
    }
    throw error;
  }
  return registrar;
}
