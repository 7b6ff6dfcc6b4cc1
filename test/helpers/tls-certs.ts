/**
 * Test PKI made at run time with the `openssl` command line, in a temp dir:
 * a CA, a server certificate for 127.0.0.1 signed by it, a client
 * certificate signed by it (its key encrypted with a password), a second CA
 * nobody trusts, and the CA as an OpenSSL hashed directory. Nothing is
 * committed: every run makes new keys.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Paths of the PEM files {@link makeTestPki} wrote. */
export interface TestPki {
  /** The temp dir holding everything; removed by `remove()`. */
  readonly dir: string;
  /** The test CA's certificate. */
  readonly caCert: string;
  /** A directory with the test CA under its OpenSSL subject hash (`openssl rehash`). */
  readonly caDir: string;
  /** A CA that signed nothing here: trusting only it, no certificate of this PKI verifies. */
  readonly otherCaCert: string;
  /** Server certificate, CN and SANs 127.0.0.1 (DNS and IP) and localhost, signed by the CA. */
  readonly serverCert: string;
  /** Its unencrypted key. */
  readonly serverKey: string;
  /** Client certificate, CN {@link TestPki.clientCn}, signed by the CA. */
  readonly clientCert: string;
  /** Its key, encrypted (AES-256) with {@link TestPki.clientKeyPassword}. */
  readonly clientKey: string;
  /** The client key's password. */
  readonly clientKeyPassword: string;
  /** The client certificate's subject CN. */
  readonly clientCn: string;
  /** Deletes the temp dir. */
  remove(): void;
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
}

function selfSignedCa(dir: string, name: string, cn: string): void {
  openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${cn}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
}

function signed(dir: string, name: string, cn: string, ext: string, keyArgs: string[]): void {
  openssl(dir, 'req', '-new', '-newkey', 'rsa:2048', ...keyArgs, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
  fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
  openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
}

/** Makes the test PKI (a few seconds of RSA key generation); `clientKeyPassword` defaults to a fresh one. */
export function makeTestPki(options: { clientKeyPassword?: string } = {}): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exosip2-pki-'));
  const password = options.clientKeyPassword ?? `pw-${process.pid}-${Date.now()}`;
  const clientCn = 'exosip2-test-client';
  try {
    selfSignedCa(dir, 'ca', 'exosip2 test CA');
    selfSignedCa(dir, 'other-ca', 'exosip2 unknown CA');
    signed(dir, 'server', '127.0.0.1',
      'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:127.0.0.1,IP:127.0.0.1,DNS:localhost\n', ['-nodes']);
    signed(dir, 'client', clientCn,
      'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n', ['-passout', `pass:${password}`]);
    const caDir = path.join(dir, 'ca-dir');
    fs.mkdirSync(caDir);
    fs.copyFileSync(path.join(dir, 'ca.pem'), path.join(caDir, 'ca.pem'));
    openssl(dir, 'rehash', caDir);
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const p = (f: string): string => path.join(dir, f);
  return {
    dir,
    caCert: p('ca.pem'),
    caDir: p('ca-dir'),
    otherCaCert: p('other-ca.pem'),
    serverCert: p('server.pem'),
    serverKey: p('server.key'),
    clientCert: p('client.pem'),
    clientKey: p('client.key'),
    clientKeyPassword: password,
    clientCn,
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
