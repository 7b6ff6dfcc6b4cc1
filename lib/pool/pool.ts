/**
 * A pool of eXosip contexts behind one `register()`: past the ~100
 * authenticated registrations one eXosip context handles well.
 * @module
 */
import { EventEmitter } from 'node:events';
import { Context } from '../context/context';
import { type AuthenticationInfo, type ContextOptions, type ListenInfo, type ListenOptions, TRANSPORTS } from '../context/types';
import { registrationError, stateError, typeError } from '../errors';
import { kInlineCommands, kOnStarted } from '../internal/handles';
import * as v from '../internal/validate';
import type { Registration } from '../register/registration';
import type { RegistrationInfo, UnregisterAllOptions } from '../register/types';
import { addMemberAuth, type Member } from './member';
import {
  type ContextPoolEventMap,
  type ContextPoolOptions,
  DEFAULT_MAX_CONTEXTS,
  DEFAULT_MAX_PER_CONTEXT,
  type PoolListenOptions,
  type PoolRegisterOptions,
} from './types';
import { registrationName } from '../register/answers';
import { POOL_LISTEN_OPTIONS, POOL_OPTIONS, POOL_REGISTER_OPTIONS, POOL_UNREGISTER_ALL_OPTIONS } from '../internal/option-keys';

/** `options` with the hook Context.register() calls with the new Registration (kOnStarted). */
function hooked<T extends object>(options: T, started: (registration: Registration) => void): T {
  return { ...options, [kOnStarted]: started };
}

/**
 * Several eXosip {@link Context}s, each with its own worker thread and its
 * own port, behind one {@link register}. An automatically sized pool (the
 * default) fills a context up to `maxPerContext` (90) registrations, to stay
 * within eXosip's 100 digest challenges per context, and opens the next when
 * all are full; a fixed-size pool (`size`) spreads registrations over its
 * contexts, least loaded first.
 *
 * ```ts
 * const pool = new ContextPool({ listen: { address: '127.0.0.1' }, userAgent: 'my-app/1.0' });
 * const regs = await Promise.all(users.map((u) =>
 *   pool.register({ from: `sip:${u.name}@example.com`, proxy: 'sip:10.0.0.1',
 *                   auth: { username: u.name, password: u.password, realm: 'example.com' } })));
 * await Promise.all(regs.map((r) => r.unregister()));
 * await pool.close();
 * ```
 *
 * Like a Context, an open pool keeps the process alive; see {@link unref}.
 */
export class ContextPool extends EventEmitter<ContextPoolEventMap> {
  readonly #members: Member[] = [];
  readonly #contextOptions: ContextOptions;
  readonly #listen: ListenOptions;
  readonly #fixedSize: number | null;
  readonly #maxPerContext: number;
  readonly #maxContexts: number;
  readonly #auths: AuthenticationInfo[] = [];
  #refed = true;
  #closing: Promise<void> | null = null;

  /** Validates the options; contexts are opened on first use (or by {@link open}). */
  constructor(options?: ContextPoolOptions) {
    super();
    const o = v.options<ContextPoolOptions>('options', options, POOL_OPTIONS);
    this.#fixedSize = o.size === undefined ? null : v.integer('options.size', o.size, 1, 65_535);
    this.#maxPerContext = o.maxPerContext === undefined ? DEFAULT_MAX_PER_CONTEXT : v.integer('options.maxPerContext', o.maxPerContext, 1, 1_000_000);
    this.#maxContexts = o.maxContexts === undefined ? DEFAULT_MAX_CONTEXTS : v.integer('options.maxContexts', o.maxContexts, 1, 65_535);
    const { port, ...given } = v.record<unknown>('options.listen', o.listen);
    if (port !== undefined && port !== 0) throw typeError('ERR_INVALID_ARG_VALUE', 'options.listen.port cannot be set: every context of a pool listens on its own free port');
    const l = v.options<PoolListenOptions>('options.listen', given, POOL_LISTEN_OPTIONS);
    const listen: ListenOptions = { port: 0 };
    if (l.transport !== undefined) listen.transport = v.oneOf('options.listen.transport', l.transport, TRANSPORTS);
    if (l.address !== undefined) {
      const family = v.ipAddress('options.listen.address', l.address);
      if (l.family !== undefined && l.family !== family) throw typeError('ERR_INVALID_ARG_VALUE', `options.listen.address ${l.address} is not an IPv${l.family} address`);
      listen.address = l.address;
    }
    if (l.family !== undefined) listen.family = v.oneOf('options.listen.family', String(l.family), ['4', '6']) === '6' ? 6 : 4;
    this.#listen = listen;
    // Each context sends its REGISTERs from the JS thread, one by one (native/context/commands.h).
    this.#contextOptions = { [kInlineCommands]: true } as ContextOptions;
    if (o.userAgent !== undefined) this.#contextOptions.userAgent = v.sipText('options.userAgent', o.userAgent);
    if (o.options !== undefined) this.#contextOptions.options = { ...v.record('options.options', o.options) };
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closing !== null;
  }

  /** The contexts opened so far (listening), in opening order. */
  get contexts(): readonly Context[] {
    return this.#members.flatMap((m) => (m.context === null ? [] : [m.context]));
  }

  /** Where each open context listens, in the order of {@link contexts}. */
  get addresses(): readonly ListenInfo[] {
    return this.contexts.map((c) => c.address!);
  }

  /** Every registration the pool's contexts hold, as a new array. */
  get registrations(): Registration[] {
    return this.contexts.flatMap((c) => [...c.registrations.values()]);
  }

  /** How many registrations the pool's contexts hold (registering ones included). */
  get size(): number {
    let n = 0;
    for (const m of this.#members) n += this.#load(m);
    return n;
  }

  /** The context that holds `registration`, or undefined. */
  contextOf(registration: Registration): Context | undefined {
    return this.contexts.find((c) => c.registrations.get(registration.rid) === registration);
  }

  /**
   * Opens the contexts of a fixed-size pool now (an automatically sized pool
   * opens its first one), instead of on the first `register()`. Resolves
   * with the open contexts.
   */
  async open(): Promise<readonly Context[]> {
    this.#assertOpen();
    const want = this.#fixedSize ?? 1;
    while (this.#members.length < want) this.#addMember();
    await Promise.all(this.#members.map((m) => m.ready));
    return this.contexts;
  }

  /**
   * Credentials for every context of the pool, present and future
   * (`eXosip_add_authentication_info` on each). For many users, give each
   * registration its own with {@link PoolRegisterOptions.auth} instead.
   */
  addAuthenticationInfo(info: AuthenticationInfo): void {
    const checked = v.authenticationInfo('info', info);
    this.#assertOpen();
    for (const c of this.contexts) c.addAuthenticationInfo(checked);
    this.#auths.push(checked);
  }

  /** Removes the credentials of `username` for `realm` (without `realm`: those added without one) from every context. */
  removeAuthenticationInfo(info: { username: string; realm?: string }): void {
    const { username, realm } = v.credentialKey('info', info);
    this.#assertOpen();
    for (const c of this.contexts) {
      try {
        c.removeAuthenticationInfo({ username, realm });
      } catch {
        // OSIP_NOTFOUND on a context that never had them.
      }
    }
    for (let i = this.#auths.length - 1; i >= 0; i--) {
      if (this.#auths[i].username === username && this.#auths[i].realm === realm) this.#auths.splice(i, 1);
    }
  }

  /** Forgets every credential of every context, per-registration ones included. */
  clearAuthenticationInfo(): void {
    this.#assertOpen();
    for (const c of this.contexts) c.clearAuthenticationInfo();
    for (const m of this.#members) m.auths.clear();
    this.#auths.length = 0;
  }

  /** Checks register/unregisterAll options, picks a context and waits until it listens. */
  async #prepare<T extends { from: string; proxy: string; auth?: AuthenticationInfo }>(
    options: T,
    known: ReadonlySet<string>,
  ): Promise<{ member: Member; context: Context; auth: AuthenticationInfo | undefined; rest: Omit<T, 'auth'> }> {
    const o = v.options<T>('options', options, known);
    if (options === undefined) throw typeError('ERR_INVALID_ARG_TYPE', 'options must be an object');
    v.sipUri('options.from', o.from);
    v.sipUri('options.proxy', o.proxy, 'sip:registrar.example.com');
    const auth = o.auth === undefined ? undefined : v.authenticationInfo('options.auth', o.auth);
    this.#assertOpen();
    const member = this.#pick();
    // Counted as this member's load until its Registration exists (#start).
    member.pending++;
    let context: Context;
    try {
      context = await member.ready;
      this.#assertOpen();
    } catch (error) {
      member.pending--;
      // Closed while this call waited for its context: it was pending, so it
      // rejects as a pending registration of a closed Context does.
      if (this.#closing === null) throw error;
      const what = registrationName(o.from!, known === POOL_UNREGISTER_ALL_OPTIONS ? '*' : null);
      throw registrationError('ERR_CONTEXT_CLOSED', `${what} failed: the context pool was closed`, { reason: 'the context pool was closed' });
    }
    const { auth: _auth, ...rest } = o as T;
    return { member, context, auth, rest };
  }

  /**
   * {@link Context.register} on a context of the pool: in an automatically
   * sized pool the fullest one with room (opening one when all are full), in
   * a fixed-size pool the least loaded one. Resolves and rejects as
   * Context.register does; `auth` gives credentials for this registration
   * only. Rejects with `ERR_POOL_FULL` when `maxContexts` contexts all hold
   * `maxPerContext` registrations.
   */
  async register(options: PoolRegisterOptions): Promise<Registration> {
    const { member, context, auth, rest } = await this.#prepare<PoolRegisterOptions>(options, POOL_REGISTER_OPTIONS);
    return this.#start(member, context, auth, (started) => context.register(hooked(rest, started)));
  }

  /**
   * {@link Context.unregisterAll} (`Contact: *`, expires 0) from a context
   * of the pool, chosen as for {@link register}; `auth` as in {@link register}.
   */
  async unregisterAll(options: UnregisterAllOptions & { auth?: AuthenticationInfo }): Promise<RegistrationInfo> {
    const { member, context, auth, rest } = await this.#prepare<UnregisterAllOptions & { auth?: AuthenticationInfo }>(options, POOL_UNREGISTER_ALL_OPTIONS);
    return this.#start(member, context, auth, (started) => context.unregisterAll(hooked(rest as UnregisterAllOptions, started)));
  }

  /**
   * Adds `auth` (if any) to `context` and runs `start` (its register() or
   * unregisterAll()), which calls `started` with the registration the moment
   * it exists (kOnStarted): from then on the registration counts in the
   * context's load and holds the credentials (#addAuth's sweep keeps them);
   * until then, this call does.
   */
  #start<R>(member: Member, context: Context, auth: AuthenticationInfo | undefined, start: (started: (registration: Registration) => void) => Promise<R>): Promise<R> {
    const entry = auth === undefined ? undefined : addMemberAuth(member, context, auth, this.#load(member), this.#auths);
    if (entry !== undefined) entry.starting++;
    let starting = true;
    const started = (registration?: Registration): void => {
      if (!starting) return;
      starting = false;
      member.pending--;
      if (entry === undefined) return;
      entry.starting--;
      if (registration !== undefined) entry.users.add(registration);
    };
    let wait: Promise<R>;
    try {
      wait = start(started);
    } catch (error) {
      started();
      throw error;
    }
    wait.then(
      () => started(),
      () => started(),
    );
    return wait;
  }

  /**
   * Closes every context ({@link Context.close}): pending registrations,
   * those still waiting for their context to open included, reject with a
   * `RegistrationError` `ERR_CONTEXT_CLOSED`; nothing more is sent.
   * Calls made after it throw `ERR_CONTEXT_CLOSED` (a plain Error, as on a
   * closed Context). Idempotent.
   */
  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    const members = [...this.#members];
    this.#closing = Promise.all(
      members.map(async (m) => {
        const context = await m.ready.catch(() => null);
        await context?.close();
      }),
    ).then(() => {
      this.emit('close');
    });
    return this.#closing;
  }

  /** Lets the process exit while the pool is open (every context, present and future). */
  unref(): this {
    this.#refed = false;
    for (const c of this.contexts) c.unref();
    return this;
  }

  /** Undoes {@link unref}. */
  ref(): this {
    this.#refed = true;
    for (const c of this.contexts) c.ref();
    return this;
  }

  /** `await using pool = new ContextPool()` closes it. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #assertOpen(): void {
    if (this.#closing !== null) throw stateError('ERR_CONTEXT_CLOSED', 'The context pool is closed');
  }

  #load(m: Member): number {
    return m.pending + (m.context === null ? 0 : m.context.registrations.size);
  }

  /**
   * Where the next registration goes. A fixed-size pool: the least loaded
   * context (opening them in turn first). An automatically sized pool: the
   * fullest context that still has room, a new one when none has: calls made
   * together then go to the same context, whose eXosip thread sends them in
   * one wake-up, instead of waking every context's thread in turn (measured:
   * twice the CPU for 10,000 registrations spread round-robin over 112
   * contexts).
   */
  #pick(): Member {
    if (this.#fixedSize !== null) {
      let best: Member | null = null;
      let bestLoad = Infinity;
      for (const m of this.#members) {
        const load = this.#load(m);
        if (load < bestLoad) {
          best = m;
          bestLoad = load;
        }
      }
      if (this.#members.length < this.#fixedSize && (best === null || bestLoad > 0)) return this.#addMember();
      return best!;
    }
    let fullest: Member | null = null;
    let fullestLoad = -1;
    for (const m of this.#members) {
      const load = this.#load(m);
      if (load < this.#maxPerContext && load > fullestLoad) {
        fullest = m;
        fullestLoad = load;
      }
    }
    if (fullest !== null) return fullest;
    if (this.#members.length >= this.#maxContexts) {
      throw stateError('ERR_POOL_FULL', `The context pool is full: ${this.#members.length} contexts hold ${this.#maxPerContext} registrations each`);
    }
    return this.#addMember();
  }

  #addMember(): Member {
    const member: Member = { ready: null as unknown as Promise<Context>, context: null, pending: 0, auths: new Map() };
    (member as { ready: Promise<Context> }).ready = this.#openContext(member);
    // A failed open must not be an unhandled rejection when nobody waits on it.
    member.ready.catch(() => undefined);
    this.#members.push(member);
    return member;
  }

  async #openContext(member: Member): Promise<Context> {
    const context = new Context(this.#contextOptions);
    try {
      await context.listen(this.#listen);
      for (const info of this.#auths) context.addAuthenticationInfo(info);
    } catch (error) {
      this.#members.splice(this.#members.indexOf(member), 1);
      await context.close();
      throw error;
    }
    if (this.#closing !== null) {
      await context.close();
      throw stateError('ERR_CONTEXT_CLOSED', 'The context pool is closed');
    }
    if (!this.#refed) context.unref();
    context.on('event', (event) => this.emit('event', event, context));
    context.on('registration', (registration) => this.emit('registration', registration, context));
    member.context = context;
    this.emit('context', context);
    return context;
  }
}
