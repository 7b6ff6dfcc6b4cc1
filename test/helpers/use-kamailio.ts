/**
 * node:test fixture around the Kamailio harness (./kamailio.ts): one
 * registrar started before the tests of a file (or of a describe()) and
 * stopped after them, the test users of test/kamailio/users.txt, and a user
 * of its own for each test that needs one.
 */
import { after, before } from 'node:test';
import { type Kamailio, readUsers, type StartKamailioOptions, startKamailio, type TestUser } from './kamailio';

/** A {@link Kamailio} that exists from the fixture's `before` hook to its `after` hook. */
export interface KamailioFixture extends Kamailio {
  /**
   * A user no other call of this process gets: `load<N>@example.com`
   * (password `loadpw`, Kamailio's load rule), N from 9000 up. One per test
   * keeps tests from meeting in the location table.
   */
  freshUser(): TestUser;
  /** Removes every binding of every AoR from the location table (`ul.rm`), e.g. between tests. */
  clearBindings(): Promise<void>;
}

/**
 * Starts Kamailio in a `before` hook and stops it in an `after` hook of the
 * current scope: called at the top of a file, for the whole file; inside a
 * describe(), for that suite. The returned object forwards to the running
 * instance; using it outside a test or hook throws.
 */
export function useKamailio(options: StartKamailioOptions = {}): KamailioFixture {
  let kam: Kamailio | undefined;
  before(async () => {
    kam = await startKamailio(options);
  });
  after(async () => {
    await kam?.stop();
  });
  const live = (): Kamailio => {
    if (kam === undefined) throw new Error('useKamailio(): Kamailio runs from its before() hook on; use it inside a test or a later hook');
    return kam;
  };
  return {
    get host() {
      return live().host;
    },
    get port() {
      return live().port;
    },
    get proxy() {
      return live().proxy;
    },
    get proxyV6() {
      return live().proxyV6;
    },
    get tlsPort() {
      return live().tlsPort;
    },
    get dir() {
      return live().dir;
    },
    get running() {
      return live().running;
    },
    log: () => live().log(),
    ulDump: () => live().ulDump(),
    lookup: (aor) => live().lookup(aor),
    registerCount: () => live().registerCount(),
    jsonrpc: (method, ...params) => live().jsonrpc(method, ...params),
    rpc: (command, ...args) => live().rpc(command, ...args),
    stop: () => live().stop(),
    kill: () => live().kill(),
    restart: () => live().restart(),
    freshUser: () => loadUser(nextFresh++),
    async clearBindings() {
      for (const aor of new Set((await live().ulDump()).map((b) => b.aor))) {
        await live().rpc('ul.rm', 'location', aor).catch(() => undefined); // gone meanwhile
      }
    },
  };
}

let nextFresh = 9000;

/** `load<n>@example.com`, password `loadpw`: any such user registers (test/kamailio/kamailio.cfg). */
export function loadUser(n: number): TestUser {
  return { aor: `load${n}@example.com`, user: `load${n}`, domain: 'example.com', password: 'loadpw' };
}

/** A named user of test/kamailio/users.txt: `alice`, `bob`, `carol` (other.test), `dave`. */
export function testUser(name: string): TestUser {
  const found = readUsers().find((u) => u.user === name);
  if (found === undefined) throw new Error(`no user ${name} in test/kamailio/users.txt`);
  return found;
}
