// Compile-only check of the public types (run by `npm run typecheck`).
import { NativeMemoryStorage, NativeStore } from '../index.js';
import type { MastraCompositeStore } from '@mastra/core/storage';

async function check() {
  const store: MastraCompositeStore = new NativeStore({ id: 'a', url: ':memory:' });
  const s = new NativeStore({ id: 'b' });
  const memory = await s.getStore('memory');
  const m: NativeMemoryStorage = s.stores.memory;
  const thread = await s.getThreadById('x');
  const total: number = (await s.listThreads({ perPage: false })).total;
  const saved = await s.saveMessages([]);
  await s.deleteMessage({ id: 'm', threadId: 't' });
  await m.deleteMessages(['m']);
  return [store, memory, thread, total, saved];
}
void check;
