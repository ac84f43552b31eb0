// Store factories shared by every suite, so one test body runs against NativeStore and the
// reference stores alike, on both engines: NativeStore on SQLite ('native') and on
// PostgreSQL ('native-pg'), @mastra/libsql ('libsql') and @mastra/pg ('pg').
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MastraCompositeStore } from '@mastra/core/storage';
import { PG_URL, schemaFor } from './pg';

export type Target = 'native' | 'libsql' | 'native-pg' | 'pg';

/** Whether the PostgreSQL suites run (decided once by global-setup.ts). */
export const pgEnabled = process.env.MNS_PG !== 'off';

/** The PostgreSQL twin of a SQLite target. */
export const onPostgres: Record<Target, Target> = { native: 'native-pg', libsql: 'pg', 'native-pg': 'native-pg', pg: 'pg' };

/**
 * Which stores the parametrised suites run against: TEST_TARGETS (comma-separated) or
 * every target whose engine is available.
 */
export const targets: Target[] = (
  process.env.TEST_TARGETS ?? (pgEnabled ? 'native,libsql,native-pg,pg' : 'native,libsql')
)
  .split(',')
  .map(s => s.trim())
  .filter(Boolean)
  .filter(t => pgEnabled || !t.endsWith('pg')) as Target[];

/** NativeStore targets among `targets`: 'native' and, with PostgreSQL, 'native-pg'. */
export const nativeTargets = targets.filter(t => t === 'native' || t === 'native-pg');

/** NativeStore paired with its reference store on each available engine (differential tests). */
export const enginePairs: { native: Target; anchor: Target; engine: 'sqlite' | 'postgres' }[] = [
  { native: 'native' as Target, anchor: 'libsql' as Target, engine: 'sqlite' as const },
  ...(pgEnabled ? [{ native: 'native-pg' as Target, anchor: 'pg' as Target, engine: 'postgres' as const }] : []),
];

let counter = 0;
/**
 * A fresh database location: a SQLite file URL in a new temp directory. PostgreSQL targets
 * map the same location to a schema of their own, so "reopen the same database" works alike.
 */
export function tmpDbUrl(name = 'test'): string {
  const dir = mkdtempSync(join(tmpdir(), 'mns-'));
  return `file:${join(dir, `${name}-${process.pid}-${counter++}.db`)}`;
}

export type AnyStore = MastraCompositeStore & { close(): Promise<void> };

/** NativeStore options for a target and location (for tests that construct NativeStore themselves). */
export function nativeConfig(target: Target, location: string = tmpDbUrl(target)): { url: string; schemaName?: string } {
  return target === 'native-pg' ? { url: PG_URL, schemaName: schemaFor(location) } : { url: location };
}

/** Build (and init) a store of the given kind at the given location (default: a fresh one). */
export async function makeStore(target: Target, opts: { url?: string; id?: string; init?: boolean } = {}): Promise<AnyStore> {
  const url = opts.url ?? tmpDbUrl(target);
  const id = opts.id ?? `${target}-test`;
  let store: AnyStore;
  if (target === 'native' || target === 'native-pg') {
    const { NativeStore } = await import('../../index.js');
    store = new NativeStore({ id, ...nativeConfig(target, url) }) as unknown as AnyStore;
  } else if (target === 'pg') {
    const { PostgresStore } = await import('@mastra/pg');
    store = new PostgresStore({ id, connectionString: PG_URL, schemaName: schemaFor(url) }) as unknown as AnyStore;
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
