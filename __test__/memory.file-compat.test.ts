// File compatibility of the memory domain, both directions, on real SQLite files
// (DESIGN.md: "a database written by either side is read back identically by the other";
// CONTRACT.md §1.3, §2, §8).
//   (a) LibSQLStore writes a file and closes; NativeStore opens it (its migrations must accept
//       the existing tables) and every read deep-equals what LibSQLStore read before closing.
//       Native then writes more; LibSQLStore reopens and reads exactly what native read.
//   (b) the reverse: NativeStore writes, LibSQLStore opens (its init runs on our schema) and
//       reads back identically; LibSQLStore writes more, native reads it back.
//   (c) the SQLite level, through @libsql/client: thread/resource metadata is a JSONB blob
//       and message content is text whoever wrote it, the three tables have identical
//       columns, and identical writes store identical bytes.
// The same on PostgreSQL, one schema standing for the file:
//   (d) PostgresStore writes a schema and closes; NativeStore (native-pg, same schema) reads
//       back identically and writes more; PostgresStore reopens and reads exactly that.
//   (e) the reverse: NativeStore creates the schema, PostgresStore's init runs on it and
//       reads back identically; it writes more and NativeStore reads that back.
//   (f) the SQL level, through the `pg` package: information_schema.columns of the four
//       tables (mastra_threads, mastra_messages, mastra_resources, mastra_workflow_snapshot,
//       the "createdAtZ"/"updatedAtZ" twins included) are identical whichever store created
//       the schema, and identical writes store identical rows.
// Fixtures avoid the read-normalisation differences reported by memory.differential.test.ts
// (system-role messages, null parts, plain-string content, empty toolInvocations args) and
// @mastra/pg's plain-INSERT saveResource (no resource id is saved twice).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type Client } from '@libsql/client';
import type { MemoryStorage } from '@mastra/core/storage';
import { makeStore, memoryOf, pgEnabled, targets, tmpDbUrl, type AnyStore, type Target } from './helpers/stores';
import { columnsOf, endPgPool, pgQuery, schemaOf } from './helpers/memory-pg';
import { at } from './helpers/memory-fixtures';

// ---------------------------------------------------------------------------------------
// Fixtures (identical for both writers)

const T_NUM = '123456789012345678'; // an opaque numeric-looking id must round-trip exactly
const T_UNI = 'thréad-ü 🚀 2';
const T_NOMETA = 'thread-nometa';
const T_3 = 'thread-3';
const T_MORE = 'thread-more'; // created by the second writer
const THREAD_IDS = [T_NUM, T_UNI, T_NOMETA, T_3, T_MORE];
const RESOURCE_IDS = ['res-1', 'res-2', 'res-3', 'res-big', 'res-upd', 'res-other', 'res-more', 'res-none'];

const RICH_METADATA = {
  nested: { a: [1, 2, { b: null }], c: 'ü', d: { e: { f: [true, false, 0, -1.5, 1e21] } } },
  n: 1,
  s: 'x',
  nul: null,
  emoji: '🚀👩‍👩‍👧',
  quote: 'say "hi" \\ back',
  newline: 'a\nb\r\n',
  ctrl: '\u0001\t\u001f',
  clé: 'valeur',
  empty: '',
  emptyObj: {},
  emptyArr: [],
  jsonLooking: '{"not":"parsed"}',
};

const text = (t: string, extra: Record<string, unknown> = {}) => ({
  format: 2,
  parts: [{ type: 'text', text: t }],
  content: t,
  ...extra,
});

function msg(id: string, threadId: string, resourceId: string, i: number, content: any, over: any = {}) {
  return { id, threadId, resourceId, role: i % 2 ? 'assistant' : 'user', createdAt: at(i), content, ...over };
}

const toolCall = { toolCallId: 'call-1', toolName: 'weather', args: { city: 'Zürich', days: [1, 2] } };

/** The first writer's data: threads, messages, resources, plus the update paths. */
async function writeFixtures(mem: MemoryStorage) {
  await mem.saveThread({
    thread: { id: T_NUM, resourceId: 'res-1', title: 'Numeric id', metadata: RICH_METADATA, createdAt: at(0), updatedAt: at(1) },
  });
  await mem.saveThread({
    thread: { id: T_UNI, resourceId: 'res-1', title: 'Ünïcødé 🚀 "title"', metadata: {}, createdAt: at(2), updatedAt: at(3) },
  });
  await mem.saveThread({
    thread: { id: T_NOMETA, resourceId: 'res-2', title: 'no metadata', createdAt: at(4), updatedAt: at(5) } as any,
  });
  await mem.saveThread({
    thread: { id: T_3, resourceId: 'res-2', title: '', metadata: { kind: 'b', n: 2.5, arr: [] }, createdAt: at(6), updatedAt: at(7) },
  });

  await mem.saveMessages({
    messages: [
      msg('m-01', T_NUM, 'res-1', 10, text('Hello 👋 "quoted" \\ and\nnewline', { metadata: { kind: 'greeting', n: 1, nul: null } })),
      msg('m-02', T_NUM, 'res-1', 11, {
        format: 2,
        parts: [
          { type: 'step-start' },
          { type: 'reasoning', reasoning: '', details: [{ type: 'text', text: 'Let me check the weather…' }] },
          { type: 'tool-invocation', toolInvocation: { state: 'call', ...toolCall } },
        ],
        toolInvocations: [{ state: 'call', ...toolCall }],
      }),
      msg('m-03', T_NUM, 'res-1', 13, {
        format: 2,
        parts: [
          { type: 'tool-invocation', toolInvocation: { state: 'result', ...toolCall, result: { temp: [21.5, null], unit: '°C' } } },
          { type: 'text', text: 'It is 21.5 °C.', providerMetadata: { mastra: { tokenEstimate: 42 } } },
        ],
        toolInvocations: [{ state: 'result', ...toolCall, result: { temp: [21.5, null], unit: '°C' } }],
        metadata: { mastra: { sealed: true }, other: 'x' },
      }),
      msg('m-04', T_NUM, 'res-1', 14, text(JSON.stringify({ stringified: 'json', n: [1, 2] }))),
      msg('m-05', T_NUM, 'res-1', 15, text('v3-tagged message'), { type: 'v3' }),
      msg('m-06', T_NUM, 'res-other', 16, text('another resource, same thread')),
      msg('m-07', T_NUM, 'res-1', 17, text('big '.repeat(12_500))),
    ],
  });
  await mem.saveMessages({
    messages: [
      msg('m-10', T_UNI, 'res-1', 20, text('ünï 1')),
      msg('m-11', T_UNI, 'res-1', 21, text('ünï 2', { metadata: { kind: 'a', flag: true } })),
      msg('m-12', T_UNI, 'res-1', 22, text('ünï 3'), { type: 'v2' }),
    ],
  });
  await mem.saveMessages({
    messages: [msg('m-20', T_3, 'res-2', 30, text('three-0')), msg('m-21', T_3, 'res-2', 31, text('three-1')), msg('m-22', T_3, 'res-2', 32, text('three-2'))],
  });

  // Update paths write through different SQL than the inserts.
  await mem.updateThread({ id: T_3, title: 'Thread 3 (renamed)', metadata: { added: { deep: [null] }, n: 3 } });
  await mem.updateMessages({
    messages: [
      { id: 'm-11', content: { metadata: { edited: 'ü' } } } as any,
      { id: 'm-21', role: 'assistant', content: { content: 'three-1 edited', parts: [{ type: 'text', text: 'three-1 edited' }] } } as any,
    ],
  });

  await mem.saveResource({
    resource: { id: 'res-1', workingMemory: '# Profile\n- Name: Ada 🚀\n- Quote: "hi"', metadata: { nested: { a: null, b: [1, 'x'] } }, createdAt: at(40), updatedAt: at(41) },
  });
  await mem.saveResource({ resource: { id: 'res-2', workingMemory: '', metadata: {}, createdAt: at(42), updatedAt: at(43) } });
  await mem.saveResource({ resource: { id: 'res-3', createdAt: at(44), updatedAt: at(45) } as any });
  await mem.saveResource({ resource: { id: 'res-big', workingMemory: 'wm '.repeat(4000), metadata: { size: 'big' }, createdAt: at(46), updatedAt: at(47) } });
  await mem.updateResource({ resourceId: 'res-upd', workingMemory: 'created by updateResource', metadata: { k: 1 } });
  await mem.updateResource({ resourceId: 'res-2', metadata: { merged: true } });
}

/** The second writer's additions on top of the first writer's file. */
async function writeMore(mem: MemoryStorage) {
  await mem.saveThread({
    thread: { id: T_MORE, resourceId: 'res-more', title: 'added by the second writer', metadata: { by: 'second', n: 7 }, createdAt: at(50), updatedAt: at(51) },
  });
  await mem.saveMessages({
    messages: [
      msg('m-30', T_MORE, 'res-more', 60, text('second writer 1', { metadata: { kind: 'a' } })),
      msg('m-31', T_MORE, 'res-more', 61, text('second writer 2')),
      // Appends to a thread the first writer created.
      msg('m-13', T_UNI, 'res-1', 23, text('ünï 4 (second writer)')),
    ],
  });
  // Re-save an existing id: moves it to another thread; the original createdAt is kept.
  await mem.saveMessages({ messages: [msg('m-22', T_MORE, 'res-more', 62, text('three-2 moved'))] });
  await mem.updateThread({ id: T_NUM, title: 'Numeric id (renamed)', metadata: { n: 2, addedBySecond: ['ü', null] } });
  await mem.updateThread({ id: T_NOMETA, metadata: { nowHas: 'metadata' } });
  await mem.updateMessages({ messages: [{ id: 'm-01', content: { metadata: { second: true } } } as any, { id: 'm-10', threadId: T_3 } as any] });
  await mem.deleteMessages(['m-20']);
  await mem.updateResource({ resourceId: 'res-1', metadata: { second: 'writer' } });
  await mem.updateResource({ resourceId: 'res-3', workingMemory: 'now set' });
  await mem.saveResource({ resource: { id: 'res-more', workingMemory: 'more', metadata: { a: [1] }, createdAt: at(70), updatedAt: at(71) } });
}

/** Every read of the memory domain that the file's content determines. */
async function snapshot(mem: MemoryStorage) {
  const allMsgIds = [
    ...['01', '02', '03', '04', '05', '06', '07'].map(s => `m-${s}`),
    'm-10', 'm-11', 'm-12', 'm-13', 'm-20', 'm-21', 'm-22', 'm-30', 'm-31', 'm-missing',
  ];
  const snap: Record<string, unknown> = {};
  for (const id of THREAD_IDS) {
    snap[`getThreadById ${id}`] = await mem.getThreadById({ threadId: id });
    snap[`getThreadById ${id} res-1`] = await mem.getThreadById({ threadId: id, resourceId: 'res-1' });
    snap[`listMessages ${id}`] = await mem.listMessages({ threadId: id, perPage: false });
    snap[`listMessages ${id} DESC p1`] = await mem.listMessages({ threadId: id, perPage: 2, page: 1, orderBy: { field: 'createdAt', direction: 'DESC' } });
  }
  snap.listThreadsAll = await mem.listThreads({ perPage: false });
  snap.listThreadsPaged = await mem.listThreads({ perPage: 2, page: 1, orderBy: { field: 'createdAt', direction: 'ASC' } });
  snap.listThreadsRes1 = await mem.listThreads({ filter: { resourceId: 'res-1' } });
  snap.listThreadsMetaN1 = await mem.listThreads({ filter: { metadata: { n: 1 } } });
  snap.listThreadsMetaS = await mem.listThreads({ filter: { metadata: { s: 'x', nul: null } } });
  snap.listThreadsMetaKind = await mem.listThreads({ filter: { resourceId: 'res-2', metadata: { kind: 'b' } } });
  snap.listMessagesMulti = await mem.listMessages({ threadId: [T_NUM, T_UNI, T_3], perPage: 4, page: 1 });
  snap.listMessagesResource = await mem.listMessages({ threadId: T_NUM, resourceId: 'res-1', perPage: false });
  snap.listMessagesInclude = await mem.listMessages({
    threadId: T_3,
    perPage: 1,
    include: [{ id: 'm-03', withPreviousMessages: 1, withNextMessages: 2 }, { id: 'm-11', withNextMessages: 5 }],
  });
  snap.listMessagesIncludeOnly = await mem.listMessages({ threadId: T_UNI, perPage: 0, include: [{ id: 'm-02', withPreviousMessages: 5 }], orderBy: { field: 'createdAt', direction: 'DESC' } });
  snap.listMessagesRange = await mem.listMessages({ threadId: T_NUM, filter: { dateRange: { start: at(11), end: at(15).toISOString(), endExclusive: true } } });
  snap.listMessagesMeta = await mem.listMessages({ threadId: [T_NUM, T_UNI, T_MORE], filter: { metadata: { kind: 'a' } } });
  snap.listMessagesById = await mem.listMessagesById({ messageIds: allMsgIds });
  for (const r of RESOURCE_IDS) {
    snap[`getResourceById ${r}`] = await mem.getResourceById({ resourceId: r });
    snap[`listMessagesByResourceId ${r}`] = await mem.listMessagesByResourceId({ resourceId: r, perPage: false });
  }
  snap.listMessagesByResourceIdPaged = await mem.listMessagesByResourceId({ resourceId: 'res-1', perPage: 3, page: 1, orderBy: { field: 'createdAt', direction: 'DESC' } });
  return snap;
}

/**
 * Store opening for one suite, closing after each test anything a failed test left open
 * (close() is idempotent). One per suite, so suites running at the same time never close
 * each other's stores.
 */
function opener() {
  const opened: AnyStore[] = [];
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close().catch(() => {});
  });
  return async (target: Target, url: string) => {
    const store = await makeStore(target, { url });
    opened.push(store);
    return { store, mem: (await memoryOf(store)) as MemoryStorage };
  };
}

/** Deep equality of two snapshots, read by read: a failure lists every read that differs. */
function expectSameSnapshot(actual: Record<string, unknown>, expected: Record<string, unknown>) {
  expect(Object.keys(actual)).toEqual(Object.keys(expected));
  const failures: { key: string; error: Error }[] = [];
  for (const key of Object.keys(expected)) {
    try {
      expect(actual[key], key).toEqual(expected[key]);
    } catch (error) {
      failures.push({ key, error: error as Error });
    }
  }
  if (failures.length) {
    const first = failures[0].error;
    first.message = `${failures.length} read(s) differ: ${failures.map(f => f.key).join(', ')}\n${first.message}`;
    throw first;
  }
}

/** Guards against a vacuous comparison: the snapshot must actually hold data. */
function expectPopulated(snap: any, more: boolean) {
  expect(snap[`getThreadById ${T_NUM}`]?.metadata?.nested?.c).toBe('ü');
  expect((snap.listThreadsAll as any).total).toBe(more ? 5 : 4);
  expect((snap.listMessagesById as any).messages.length).toBe(more ? 15 : 13);
  expect(snap['getResourceById res-1']?.workingMemory).toContain('Ada');
  expect(snap[`getThreadById ${T_NUM}`]?.createdAt).toBeInstanceOf(Date);
}

// ---------------------------------------------------------------------------------------

afterAll(async () => {
  await endPgPool();
});

/** The PostgreSQL parts run when PostgreSQL is available and TEST_TARGETS lists a PostgreSQL target. */
const onPg = pgEnabled && (targets.includes('native-pg') || targets.includes('pg'));

const directions: [string, Target, Target][] = [
  ['(a)', 'libsql', 'native'],
  ['(b)', 'native', 'libsql'],
  ...(onPg
    ? ([
        ['(d)', 'pg', 'native-pg'],
        ['(e)', 'native-pg', 'pg'],
      ] as [string, Target, Target][])
    : []),
];

// Every suite below runs concurrently with the others (each on databases of its own); the
// tests inside a suite run in order (`it.sequential`).
for (const [part, first, second] of directions) {
  const what = first.endsWith('pg') ? 'schema' : 'file';
  describe.concurrent(`${part} a ${what} written by ${first}, read and extended by ${second}`, () => {
    const open = opener();
    let url: string;
    let firstSnap: any;

    beforeAll(async () => {
      url = tmpDbUrl(`compat-${first}`);
      const { store, mem } = await open(first, url);
      await writeFixtures(mem);
      firstSnap = await snapshot(mem);
      await store.close();
      expectPopulated(firstSnap, false);
    });

    it.sequential(`${second} opens the ${first} ${what} (init on the existing tables) and every read deep-equals ${first}'s`, async () => {
      const { store, mem } = await open(second, url);
      const snap = await snapshot(mem);
      await store.close();
      expectSameSnapshot(snap, firstSnap);
    });

    it.sequential(`${second} writes more to the ${what}; ${first} reopens it and reads exactly what ${second} read`, async () => {
      const w = await open(second, url);
      await writeMore(w.mem);
      const secondSnap = await snapshot(w.mem);
      await w.store.close();
      expectPopulated(secondSnap, true);
      // The additions really are there.
      expect((secondSnap[`getThreadById ${T_NUM}`] as any).title).toBe('Numeric id (renamed)');
      expect((secondSnap[`getThreadById ${T_NUM}`] as any).metadata).toEqual({ ...RICH_METADATA, n: 2, addedBySecond: ['ü', null] });
      expect((secondSnap[`listMessages ${T_MORE}`] as any).messages.map((m: any) => m.id)).toEqual(['m-22', 'm-30', 'm-31']);
      // updateResource merged into the first writer's metadata (nothing of it lost).
      expect((secondSnap['getResourceById res-1'] as any).metadata).toEqual({ nested: { a: null, b: [1, 'x'] }, second: 'writer' });
      expect((secondSnap['getResourceById res-3'] as any).workingMemory).toBe('now set');

      const r = await open(first, url);
      const snap = await snapshot(r.mem);
      await r.store.close();
      expectSameSnapshot(snap, secondSnap);
    });

    it.sequential(`${second} reopens the ${what} after ${first}'s second init and still reads the same`, async () => {
      const a = await open(first, url);
      const snapA = await snapshot(a.mem);
      await a.store.close();
      const b = await open(second, url);
      const snapB = await snapshot(b.mem);
      await b.store.close();
      expectSameSnapshot(snapB, snapA);
    });
  });
}

// ---------------------------------------------------------------------------------------

describe.concurrent('(c) the SQLite level, read through @libsql/client', () => {
  const open = opener();
  const clients: Client[] = [];
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  function sql(url: string) {
    const c = createClient({ url });
    clients.push(c);
    return c;
  }
  const rowsOf = async (c: Client, q: string) => (await c.execute(q)).rows.map(r => ({ ...r }));

  /** A file with the fixtures written by `target` (closed before it is returned). */
  async function written(target: Target) {
    const url = tmpDbUrl(`sql-${target}`);
    const { store, mem } = await open(target, url);
    await writeFixtures(mem);
    await store.close();
    return url;
  }

  /** A file on which only `init()` ran. */
  async function initialised(target: Target) {
    const url = tmpDbUrl(`init-${target}`);
    const { store } = await open(target, url);
    await store.close();
    return url;
  }

  it.sequential.each(['native', 'libsql'] as const)(
    'written by %s: thread/resource metadata is a JSONB blob, message content is JSON text',
    async target => {
      const c = sql(await written(target));
      const threads = await rowsOf(c, `SELECT id, typeof(metadata) AS t, metadata FROM mastra_threads ORDER BY id`);
      expect(threads.map(r => [r.id, r.t])).toEqual([
        [T_NUM, 'blob'],
        [T_3, 'blob'],
        [T_NOMETA, 'null'],
        [T_UNI, 'blob'],
      ]);
      for (const r of threads) if (r.t === 'blob') expect(r.metadata).toBeInstanceOf(ArrayBuffer);
      // The blob is binary JSONB, not JSON text stored as a blob.
      const [{ ok, first }] = await rowsOf(c, `SELECT json_valid(metadata, 8) AS ok, hex(substr(metadata, 1, 1)) AS first FROM mastra_threads WHERE id = '${T_NUM}'`);
      expect(ok).toBe(1);
      expect(first).not.toBe('7B'); // '{'

      const resources = await rowsOf(c, `SELECT id, typeof(metadata) AS t, typeof("workingMemory") AS w FROM mastra_resources ORDER BY id`);
      expect(resources.map(r => [r.id, r.t, r.w])).toEqual([
        ['res-1', 'blob', 'text'],
        ['res-2', 'blob', 'text'],
        ['res-3', 'null', 'null'],
        ['res-big', 'blob', 'text'],
        ['res-upd', 'blob', 'text'],
      ]);

      const messages = await rowsOf(c, `SELECT id, typeof(content) AS t, json_valid(content) AS v, type FROM mastra_messages ORDER BY id`);
      expect(messages.length).toBe(13);
      for (const m of messages) {
        expect(m.t).toBe('text');
        expect(m.v).toBe(1);
      }
      expect(messages.find(m => m.id === 'm-05')?.type).toBe('v3');
      expect(messages.find(m => m.id === 'm-01')?.type).toBe('v2');
    },
  );

  it.sequential('mastra_threads / mastra_messages / mastra_resources have identical columns (PRAGMA table_info)', async () => {
    const dbs = {
      libsql: await initialised('libsql'),
      native: await initialised('native'),
      // Each store's init run on a file the other created.
      nativeOnLibsql: await initialised('libsql'),
      libsqlOnNative: await initialised('native'),
    };
    await (await open('native', dbs.nativeOnLibsql)).store.close();
    await (await open('libsql', dbs.libsqlOnNative)).store.close();
    const info: Record<string, Record<string, unknown>> = {};
    for (const [name, url] of Object.entries(dbs)) {
      const c = sql(url);
      info[name] = {};
      for (const table of ['mastra_threads', 'mastra_messages', 'mastra_resources']) {
        info[name][table] = await rowsOf(c, `PRAGMA table_info(${table})`);
      }
    }
    expect((info.libsql.mastra_messages as any[]).map(r => r.name)).toEqual(['id', 'thread_id', 'content', 'role', 'type', 'createdAt', 'resourceId']);
    expect(info.native).toEqual(info.libsql);
    expect(info.nativeOnLibsql).toEqual(info.libsql);
    expect(info.libsqlOnNative).toEqual(info.libsql);
  });

  it.sequential("message indexes: libsql's thread index is shared; its thread+resource index only libsql keeps", async () => {
    // Every index of mastra_messages but the primary key's.
    const indexes = async (url: string) =>
      (await rowsOf(sql(url), `PRAGMA index_list(mastra_messages)`))
        .map(r => String(r.name))
        .filter(n => !n.startsWith('sqlite_autoindex'))
        .sort();
    const libsqlOwn = ['idx_messages_thread_created_at', 'idx_messages_thread_resource_created_at'];
    const nativeOwn = ['idx_messages_thread_created_at'];
    // The shared thread index's columns: native's init widens libsql's with id (a page in
    // (createdAt, id) order then reads only its own entries), keeping libsql's name.
    const threadIndex = async (url: string) =>
      (await rowsOf(sql(url), `PRAGMA index_info(idx_messages_thread_created_at)`)).map(r => String(r.name));
    const libsqlCols = ['thread_id', 'createdAt'];
    const nativeCols = ['thread_id', 'createdAt', 'id'];
    const libsqlFile = await initialised('libsql');
    expect(await indexes(libsqlFile)).toEqual(libsqlOwn);
    expect(await threadIndex(libsqlFile)).toEqual(libsqlCols);
    // Native keeps only the thread index (the others cost every message save a page): not
    // in a file it creates, and its init drops the rest from a libsql file…
    const nativeFile = await initialised('native');
    expect(await indexes(nativeFile)).toEqual(nativeOwn);
    expect(await threadIndex(nativeFile)).toEqual(nativeCols);
    await (await open('native', libsqlFile)).store.close();
    expect(await indexes(libsqlFile)).toEqual(nativeOwn);
    expect(await threadIndex(libsqlFile)).toEqual(nativeCols);
    // …from a file of an earlier native version too (which had made ours and libsql's, and
    // libsql's thread index without id).
    const older = await initialised('native');
    const c = sql(older);
    await c.executeMultiple(`
      CREATE INDEX idx_messages_thread_resource_created_at ON mastra_messages (thread_id, "resourceId", "createdAt");
      CREATE INDEX mns_messages_resource_created_id ON mastra_messages ("resourceId", "createdAt", id);
      DROP INDEX idx_messages_thread_created_at;
      CREATE INDEX idx_messages_thread_created_at ON mastra_messages (thread_id, "createdAt");
      DELETE FROM mastra_native_migrations WHERE version >= 5;`);
    await (await open('native', older)).store.close();
    expect(await indexes(older)).toEqual(nativeOwn);
    expect(await threadIndex(older)).toEqual(nativeCols);
    // libsql's own init puts its index back, on a file native created and after native's
    // init alike; native's init then leaves it (its migration ran once, already), and both
    // stores read the same, a resource's messages within a thread included.
    const { store, mem } = await open('libsql', nativeFile);
    await writeFixtures(mem);
    const reads = (m: MemoryStorage) =>
      Promise.all([
        m.listMessages({ threadId: T_NUM, perPage: false }),
        m.listMessages({ threadId: T_NUM, resourceId: 'res-other', perPage: false }),
      ]);
    const read = await reads(mem);
    expect(read[1].messages.map(m => m.id)).toEqual(['m-06']);
    await store.close();
    expect(await indexes(nativeFile)).toEqual(libsqlOwn);
    // libsql's IF NOT EXISTS keeps the widened index: no second thread index to write.
    expect(await threadIndex(nativeFile)).toEqual(nativeCols);
    await (await open('libsql', libsqlFile)).store.close();
    expect(await indexes(libsqlFile)).toEqual(libsqlOwn);
    expect(await threadIndex(libsqlFile)).toEqual(nativeCols);
    const native = await open('native', nativeFile);
    expect(await reads(native.mem)).toEqual(read);
    await native.store.close();
    expect(await indexes(nativeFile)).toEqual(libsqlOwn);
  });

  it.sequential('identical writes store identical rows (content text, JSONB bytes, timestamps)', async () => {
    const dump = async (url: string) => {
      const c = sql(url);
      return {
        // updatedAt of threads and resources is "now" after saveMessages/updateThread/updateResource.
        threads: await rowsOf(c, `SELECT id, "resourceId", title, hex(metadata) AS metadata, "createdAt" FROM mastra_threads ORDER BY id`),
        messages: await rowsOf(c, `SELECT id, thread_id, content, role, type, "createdAt", "resourceId" FROM mastra_messages ORDER BY id`),
        resources: await rowsOf(
          c,
          `SELECT id, "workingMemory", hex(metadata) AS metadata, CASE WHEN id = 'res-upd' THEN 'now' ELSE "createdAt" END AS "createdAt" FROM mastra_resources ORDER BY id`,
        ),
      };
    };
    const fromLibsql = await dump(await written('libsql'));
    const fromNative = await dump(await written('native'));
    expect(fromLibsql.messages.length).toBe(13);
    expect(fromNative).toEqual(fromLibsql);
  });
});

// ---------------------------------------------------------------------------------------

(onPg ? describe.concurrent : describe.skip)('(f) the PostgreSQL level, read through pg', () => {
  const open = opener();
  const TABLES = ['mastra_threads', 'mastra_messages', 'mastra_resources', 'mastra_workflow_snapshot'];

  /** A schema with the fixtures written by `target` (store closed before it is returned). */
  async function written(target: Target) {
    const url = tmpDbUrl(`pgsql-${target}`);
    const { store, mem } = await open(target, url);
    await writeFixtures(mem);
    await store.close();
    return schemaOf(target, url)!;
  }

  /** Run `target`'s init on the schema of `url` (a new one by default); the url. */
  async function initialised(target: Target, url = tmpDbUrl(`pginit-${target}`)) {
    const { store } = await open(target, url);
    await store.close();
    return url;
  }

  /** Constraints of the four tables, the schema name replaced so two schemas compare. */
  async function constraintsOf(schema: string) {
    const rows = await pgQuery(
      `SELECT table_name, constraint_name, constraint_type FROM information_schema.table_constraints
        WHERE table_schema = $1 AND table_name = ANY($2) AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')
        ORDER BY table_name, constraint_name`,
      [schema, TABLES],
    );
    return rows.map(r => ({ ...r, constraint_name: String(r.constraint_name).replace(schema, '<schema>') }));
  }

  it.sequential('the four tables have identical columns and types (information_schema.columns), the Z twins included', async () => {
    const [pg, native, nativeOnPg, pgOnNative] = await Promise.all([
      initialised('pg'),
      initialised('native-pg'),
      // Each store's init run on a schema the other created.
      initialised('pg').then(url => initialised('native-pg', url)),
      initialised('native-pg').then(url => initialised('pg', url)),
    ]);
    const urls = { pg, native, nativeOnPg, pgOnNative };
    const cols: Record<string, Awaited<ReturnType<typeof columnsOf>>> = {};
    const cons: Record<string, unknown> = {};
    for (const [name, url] of Object.entries(urls)) {
      const schema = schemaOf('pg', url)!;
      cols[name] = await columnsOf(schema, TABLES);
      cons[name] = await constraintsOf(schema);
    }
    const typeOf = (table: string, column: string) => cols.pg[table].find(c => c.column_name === column)?.data_type;
    for (const table of TABLES) {
      expect(cols.pg[table].length, table).toBeGreaterThan(0);
      expect(typeOf(table, 'createdAt'), table).toBe('timestamp without time zone');
      expect(typeOf(table, 'createdAtZ'), table).toBe('timestamp with time zone');
    }
    for (const table of ['mastra_threads', 'mastra_resources', 'mastra_workflow_snapshot']) {
      expect(typeOf(table, 'updatedAt'), table).toBe('timestamp without time zone');
      expect(typeOf(table, 'updatedAtZ'), table).toBe('timestamp with time zone');
    }
    expect(cols.pg.mastra_messages.map(c => c.column_name)).toEqual(
      expect.arrayContaining(['id', 'thread_id', 'content', 'role', 'type', 'createdAt', 'createdAtZ', 'resourceId']),
    );
    expect(typeOf('mastra_threads', 'metadata')).toBe('jsonb');
    expect(typeOf('mastra_messages', 'content')).toBe('text');
    expect(cols.native).toEqual(cols.pg);
    expect(cols.nativeOnPg).toEqual(cols.pg);
    expect(cols.pgOnNative).toEqual(cols.pg);
    // The keys too: @mastra/pg's init recognises its (schema-prefixed) unique constraint.
    expect(cons.native).toEqual(cons.pg);
    expect(cons.nativeOnPg).toEqual(cons.pg);
    expect(cons.pgOnNative).toEqual(cons.pg);
  });

  it.sequential('message indexes: no messages-of-a-resource index, in a new schema or after an earlier version', async () => {
    const indexes = async (url: string) =>
      (await pgQuery(`SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'mastra_messages' ORDER BY indexname`, [schemaOf('native-pg', url)]))
        .map(r => String(r.indexname))
        .filter(n => !n.endsWith('_pkey'));
    const url = await initialised('native-pg');
    expect(await indexes(url)).toEqual(['mns_messages_thread_created_id']);
    // A schema an earlier version created still had it: the next init drops it.
    const schema = schemaOf('native-pg', url)!;
    await pgQuery(`CREATE INDEX mns_messages_resource_created_id ON "${schema}".mastra_messages ("resourceId", "createdAtZ", id)`);
    await pgQuery(`DELETE FROM "${schema}".mastra_native_migrations WHERE version = 4`);
    await initialised('native-pg', url);
    expect(await indexes(url)).toEqual(['mns_messages_thread_created_id']);
  });

  it.sequential.each(['native-pg', 'pg'] as const)(
    'written by %s: metadata is jsonb, message content is JSON text, each timestamp twin holds the same instant',
    async target => {
      const schema = await written(target);
      const t = (name: string) => `"${schema}".${name}`;
      const threads = await pgQuery(`SELECT id, jsonb_typeof(metadata) AS t FROM ${t('mastra_threads')} ORDER BY id COLLATE "C"`);
      expect(threads.map(r => [r.id, r.t])).toEqual([
        [T_NUM, 'object'],
        [T_3, 'object'],
        [T_NOMETA, null],
        [T_UNI, 'object'],
      ]);
      const messages = await pgQuery(
        `SELECT id, type, jsonb_typeof(content::jsonb) AS t FROM ${t('mastra_messages')} ORDER BY id COLLATE "C"`,
      );
      expect(messages.length).toBe(13);
      for (const m of messages) expect(m.t, m.id).toBe('object');
      expect(messages.find(m => m.id === 'm-05')?.type).toBe('v3');
      expect(messages.find(m => m.id === 'm-01')?.type).toBe('v2');
      const resources = await pgQuery(
        `SELECT id, jsonb_typeof(metadata) AS t, "workingMemory" IS NULL AS wm_null FROM ${t('mastra_resources')} ORDER BY id COLLATE "C"`,
      );
      // @mastra/pg's saveResource stores metadata double-encoded: a jsonb *string* holding
      // the JSON text (its reads JSON.parse it back); its updateResource stores an object.
      // NativeStore always stores an object and must read both forms.
      const savedBySaveResource = target === 'pg' ? 'string' : 'object';
      expect(resources.map(r => [r.id, r.t, r.wm_null])).toEqual([
        ['res-1', savedBySaveResource, false],
        ['res-2', 'object', false], // saveResource, then updateResource merged into it
        ['res-3', null, true],
        ['res-big', savedBySaveResource, false],
        ['res-upd', savedBySaveResource, false], // updateResource on a missing id saves it
      ]);
      // The plain column holds the UTC wall time of the instant in the Z twin.
      for (const [table, cols] of [
        ['mastra_threads', ['createdAt', 'updatedAt']],
        ['mastra_messages', ['createdAt']],
        ['mastra_resources', ['createdAt', 'updatedAt']],
      ] as const) {
        for (const col of cols) {
          const [{ bad, n }] = await pgQuery(
            `SELECT COUNT(*) FILTER (WHERE "${col}Z" IS DISTINCT FROM ("${col}" AT TIME ZONE 'UTC')) AS bad, COUNT(*) AS n FROM ${t(table)}`,
          );
          expect(Number(n), `${table}.${col}`).toBeGreaterThan(0);
          expect(Number(bad), `${table}.${col} vs ${col}Z`).toBe(0);
        }
      }
    },
  );

  it.sequential('identical writes store identical rows (content text, jsonb, both timestamp columns)', async () => {
    const dump = async (schema: string) => {
      const t = (name: string) => `"${schema}".${name}`;
      const iso = (c: string) => `to_char("${c}", 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS "${c}", to_char("${c}Z" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS "${c}Z"`;
      return {
        // updatedAt of threads and resources is "now" after saveMessages/updateThread/updateResource.
        threads: await pgQuery(`SELECT id, "resourceId", title, metadata::text AS metadata, ${iso('createdAt')} FROM ${t('mastra_threads')} ORDER BY id COLLATE "C"`),
        messages: await pgQuery(
          `SELECT id, thread_id, content::jsonb::text AS content, role, type, ${iso('createdAt')}, "resourceId" FROM ${t('mastra_messages')} ORDER BY id COLLATE "C"`,
        ),
        // Metadata compared by value: @mastra/pg's saveResource double-encodes it (see above).
        resources: await pgQuery(
          `SELECT id, "workingMemory", (CASE WHEN jsonb_typeof(metadata) = 'string' THEN (metadata #>> '{}')::jsonb ELSE metadata END)::text AS metadata, CASE WHEN id = 'res-upd' THEN 'now' ELSE to_char("createdAtZ" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS') END AS "createdAt"
             FROM ${t('mastra_resources')} ORDER BY id COLLATE "C"`,
        ),
      };
    };
    const [fromPg, fromNative] = await Promise.all([written('pg').then(dump), written('native-pg').then(dump)]);
    expect(fromPg.messages.length).toBe(13);
    expect(fromNative).toEqual(fromPg);
  });
});
