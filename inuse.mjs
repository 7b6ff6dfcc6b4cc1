import { Context } from '/tmp/tryout/exosip2/dist/esm/index.mjs';
process.on('beforeExit', () => console.log('beforeExit: loop drained'));
const ctx = new Context();
try { await ctx.listen({ transport: 'udp', address: '127.0.0.1', port: 5071 }); } catch (e) { console.log('listen err', e.code, e.message); }
console.log('closing');
await ctx.close();
console.log('closed');
