import { PluginHost } from '@witkit/host';
import { pino } from 'pino';
for (const isolation of ['in-thread', 'worker']) {
  const store = new Map();
  const disposed = [];
  class Journal { constructor(name) { this.name = name; this.lines = []; } append(line) { this.lines.push(line); return this.lines.length; } [Symbol.dispose]() { disposed.push(this.name); } }
  const host = new PluginHost({ cacheDir: '/tmp/exp/cache', dataDir: '/tmp/exp/data', logger: pino({ level: 'silent' }),
    imports: { 'acme:notes/host-store@0.1.0': { get: async (k) => { await new Promise(r => setTimeout(r, 5)); return store.get(k); }, set: (k, v) => { store.set(k, v); }, Journal } } });
  try {
    const p = await host.load({ path: '/tmp/exp/notes-rs/dist/notes-rs.wasm', isolation });
    console.log(isolation, await p.exports.version());
    console.log(await p.exports.notes.save({ title: 'a', body: 'hello' }));
    try { console.log('load', await p.exports.notes.load('a')); } catch (e) { console.log('load err', e.code, e.message); }
    const nb = await new p.exports.notes.Notebook('ann');
    console.log('add', await nb.add({ title: 't', body: 'b' }), await nb.add({ title: 't2', body: 'b' }), await nb.count());
    try { console.log('find', await p.exports.notes.Notebook.find('a')); } catch (e) { console.log('find err', e.code, e.message); }
    await nb.drop();
    try { await nb.count(); } catch (e) { console.log(e.code); }
    console.log('disposed', disposed);
  } catch (e) { console.log('ERR', e.code, e.message); }
  await host.shutdown();
}
