// W6 child: one cold start, timed from process start to the first saveThread completed.
//   node bench/coldstart.mjs <provider> <location> <threadId>
// Imports only what an app on that provider imports; NativeStore's release addon is chosen
// by NAPI_RS_NATIVE_LIBRARY_PATH, set by the parent. Prints one JSON line.
import { performance } from 'node:perf_hooks';

const [provider, location, threadId] = process.argv.slice(2);
const PG_URL = process.env.DATABASE_URL ?? process.env.POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

let store;
if (provider.startsWith('native')) {
  const { NativeStore } = await import('../index.js');
  store =
    provider === 'native-pg'
      ? new NativeStore({ id: 'cold', url: PG_URL, schemaName: location })
      : new NativeStore({ id: 'cold', url: location === ':memory:' ? ':memory:' : `file:${location}` });
} else if (provider === 'pg') {
  const { PostgresStore } = await import('@mastra/pg');
  store = new PostgresStore({ id: 'cold', connectionString: PG_URL, schemaName: location });
} else {
  const { LibSQLStore } = await import('@mastra/libsql');
  store = new LibSQLStore({ id: 'cold', url: location === ':memory:' ? ':memory:' : `file:${location}` });
}
await store.init(); // what new Mastra({ storage }) does first
const memory = await store.getStore('memory');
const now = new Date();
await memory.saveThread({ thread: { id: threadId, resourceId: 'cold-user', title: 'cold start', metadata: { n: 1 }, createdAt: now, updatedAt: now } });
const ms = performance.now(); // ms since this process's time origin (its start)
// Untimed: prove the thread is there (and, for NativeStore, which addon served it).
const back = await memory.getThreadById({ threadId });
let addon = null;
if (provider.startsWith('native')) {
  const { createRequire } = await import('node:module');
  addon = Object.keys(createRequire(import.meta.url).cache).find(k => k.endsWith('.node') && k.includes('mastra-native-store')) ?? null;
}
process.stdout.write(JSON.stringify({ ms, ok: back?.id === threadId, addon }) + '\n');
await store.close();
process.exit(0);
