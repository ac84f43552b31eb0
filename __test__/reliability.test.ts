// Lifecycle and concurrency: init (coalesced, idempotent, multi-process), disableInit,
// close, the shared in-memory database, backend failures surfacing as errors, and
// concurrent writers on one file from one and from several processes.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createClient } from '@libsql/client';
import { afterEach, describe, expect, it } from 'vitest';
import { NativeStore } from '../index.js';
import { tmpDbUrl } from './helpers/stores';

const run = promisify(execFile);
const worker = join(import.meta.dirname, 'fixtures', 'worker.mjs');

const open: NativeStore[] = [];
function store(url: string, extra: Record<string, unknown> = {}) {
  const s = new NativeStore({ id: 'rel', url, ...extra });
  open.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map(s => s.close()));
});

const at = (ms: number) => new Date(Date.UTC(2025, 0, 1) + ms);
const thread = (id: string, resourceId = 'r') => ({ id, resourceId, title: id, metadata: {}, createdAt: at(0), updatedAt: at(0) });
const message = (id: string, threadId: string, ms: number) => ({
  id,
  threadId,
  resourceId: 'r',
  role: 'user' as const,
  createdAt: at(ms),
  content: { format: 2 as const, parts: [{ type: 'text' as const, text: id }] },
});

async function sqlite(url: string, sql: string) {
  const c = createClient({ url });
  try {
    return (await c.execute(sql)).rows;
  } finally {
    c.close();
  }
}

describe('init', () => {
  it('is idempotent and coalesces concurrent calls', async () => {
    const url = tmpDbUrl();
    const s = store(url);
    await Promise.all([s.init(), s.init(), s.init(), s.init()]);
    await s.init();
    const second = store(url);
    await second.init();
    const rows = await sqlite(url, 'SELECT version, COUNT(*) AS n FROM mastra_native_migrations GROUP BY version');
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const r of rows) expect(Number(r.n)).toBe(1);
  });

  it('several processes initialising one new file at once apply each migration once', async () => {
    const url = tmpDbUrl('multi-init');
    await Promise.all(Array.from({ length: 4 }, () => run(process.execPath, [worker, url, 'init'])));
    const rows = await sqlite(url, 'SELECT version, COUNT(*) AS n FROM mastra_native_migrations GROUP BY version');
    expect(rows.map(r => Number(r.n))).toEqual(rows.map(() => 1));
    const tables = (await sqlite(url, "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")).map(r => r.name);
    expect(tables).toEqual(expect.arrayContaining(['mastra_messages', 'mastra_resources', 'mastra_threads']));
  });

  it('disableInit runs no DDL: init() is a no-op and calls fail on the missing tables', async () => {
    const url = tmpDbUrl('noinit');
    const s = store(url, { disableInit: true });
    await s.init();
    const memory = (await s.getStore('memory'))!;
    const err = await memory.listThreads({}).then(
      () => null,
      e => e,
    );
    expect(err?.id).toBe('MASTRA_STORAGE_NATIVE_LIST_THREADS_FAILED');
    expect(err?.category).toBe('THIRD_PARTY');
    expect(err?.message).toMatch(/no such table/);
    expect(err?.details?.code).toBe('SQLITE_ERROR');
    expect(await sqlite(url, "SELECT name FROM sqlite_master WHERE type='table'")).toEqual([]);
  });

  it('disableInit works against a schema another store created', async () => {
    const url = tmpDbUrl();
    const a = store(url);
    await a.init();
    await a.saveThread(thread('t1'));
    const b = store(url, { disableInit: true });
    expect((await b.getThreadById('t1'))?.title).toBe('t1');
  });
});

describe('close', () => {
  it('is idempotent, and later calls reject with code CLOSED', async () => {
    const s = store(':memory:');
    await s.init();
    await s.close();
    await s.close();
    const err = await s.getThreadById('x').then(
      () => null,
      e => e,
    );
    expect(err?.details?.code).toBe('CLOSED');
    expect(err?.id).toBe('MASTRA_STORAGE_NATIVE_GET_THREAD_BY_ID_FAILED');
  });

  it('a process whose store is closed exits by itself', async () => {
    const url = tmpDbUrl('exit');
    const started = Date.now();
    const { stderr } = await run(process.execPath, [worker, url, 'idle'], { timeout: 20_000 });
    expect(stderr).toBe('');
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});

describe(':memory:', () => {
  it('is one database for the whole store, and private to it', async () => {
    const a = store(':memory:');
    const b = store('file::memory:');
    await Promise.all([a.init(), b.init()]);
    await Promise.all(Array.from({ length: 20 }, (_, i) => a.saveThread(thread(`t${i}`))));
    expect((await a.listThreads({ perPage: false })).total).toBe(20);
    expect((await b.listThreads({ perPage: false })).total).toBe(0);
  });
});

describe('backend failures are errors, never empty results', () => {
  it('reads re-throw with the operation in the id and the cause kept', async () => {
    const url = tmpDbUrl('broken');
    const s = store(url);
    await s.init();
    await s.saveThread(thread('t1'));
    await sqlite(url, 'DROP TABLE mastra_messages');
    for (const [call, pattern] of [
      [() => s.listMessages({ threadId: 't1' }), /LIST_MESSAGES_FAILED/],
      [() => s.listMessagesByResourceId({ resourceId: 'r' }), /LIST_MESSAGES_BY_RESOURCE_ID_FAILED/],
    ] as const) {
      const err = await call().then(
        () => null,
        e => e,
      );
      expect(err?.id).toMatch(pattern);
      expect(err?.category).toBe('THIRD_PARTY');
      expect(err?.cause).toBeInstanceOf(Error);
    }
  });
});

describe('concurrent writers', () => {
  it('50 concurrent batches on one file store all land', async () => {
    const s = store(tmpDbUrl('conc'));
    await s.init();
    await s.saveThread(thread('t'));
    await Promise.all(
      Array.from({ length: 50 }, (_, b) => s.saveMessages(Array.from({ length: 10 }, (_, i) => message(`b${b}-${i}`, 't', b * 10 + i)))),
    );
    const { total, messages } = await s.listMessages({ threadId: 't', perPage: false });
    expect(total).toBe(500);
    expect(messages.map(m => m.id)).toEqual(Array.from({ length: 500 }, (_, k) => `b${Math.floor(k / 10)}-${k % 10}`));
  });

  it('two processes writing one file at once lose nothing', async () => {
    const url = tmpDbUrl('procs');
    const s = store(url);
    await s.init();
    await Promise.all(['p1', 'p2'].map(tag => run(process.execPath, [worker, url, 'write', '150', tag], { timeout: 60_000 })));
    for (const tag of ['p1', 'p2']) {
      const all = await s.listMessages({ threadId: `thread-${tag}`, perPage: false });
      expect(all.total).toBe(150);
    }
  });

  it('concurrent metadata updates of one thread keep every key', async () => {
    const s = store(tmpDbUrl());
    await s.init();
    await s.saveThread(thread('t'));
    const memory = (await s.getStore('memory'))!;
    await Promise.all(Array.from({ length: 10 }, (_, i) => memory.updateThread({ id: 't', metadata: { [`k${i}`]: i } })));
    const t = await s.getThreadById('t');
    expect(t?.metadata).toEqual(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, i])));
  });
});
