// Store factories shared by every suite, so one test body runs against NativeStore and
// the reference @mastra/libsql store alike (differential and contract tests).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MastraCompositeStore } from '@mastra/core/storage';

export type Target = 'native' | 'libsql';

/** Which stores the parametrised suites run against (TEST_TARGETS=libsql to check a suite on the anchor alone). */
export const targets: Target[] = (process.env.TEST_TARGETS ?? 'native,libsql')
  .split(',')
  .map(s => s.trim())
  .filter(Boolean) as Target[];

let counter = 0;
/** A fresh SQLite file URL in a new temp directory. */
export function tmpDbUrl(name = 'test'): string {
  const dir = mkdtempSync(join(tmpdir(), 'mns-'));
  return `file:${join(dir, `${name}-${process.pid}-${counter++}.db`)}`;
}

export type AnyStore = MastraCompositeStore & { close(): Promise<void> };

/** Build (and init) a store of the given kind on the given URL (default: a fresh temp file). */
export async function makeStore(target: Target, opts: { url?: string; id?: string; init?: boolean } = {}): Promise<AnyStore> {
  const url = opts.url ?? tmpDbUrl(target);
  const id = opts.id ?? `${target}-test`;
  let store: AnyStore;
  if (target === 'native') {
    const { NativeStore } = await import('../../index.js');
    store = new NativeStore({ id, url }) as unknown as AnyStore;
  } else {
    const { LibSQLStore } = await import('@mastra/libsql');
    store = new LibSQLStore({ id, url }) as unknown as AnyStore;
  }
  if (opts.init !== false) await store.init();
  return store;
}

/** The memory domain of a store. */
export async function memoryOf(store: AnyStore) {
  const memory = await store.getStore('memory');
  if (!memory) throw new Error('store has no memory domain');
  return memory;
}
