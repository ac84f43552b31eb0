// Contract suite for the memory domain (CONTRACT.md §1–§2). Every `it` runs against each
// target in TEST_TARGETS: NativeStore on SQLite ('native') and on PostgreSQL ('native-pg'),
// and the reference stores @mastra/libsql ('libsql') and @mastra/pg ('pg'). @mastra/libsql's
// behaviour is the contract; NativeStore keeps that one behaviour on both engines, except for
// the documented, intended differences (marked `nativeOnly`, run on both native targets).
// Where @mastra/pg departs from @mastra/libsql the test is skipped for 'pg' only
// (`notOnPg`, with the reason next to it); native-pg still runs it.
//
// Isolation: SQLite targets get a fresh file per test. A PostgreSQL target shares one schema
// for the whole describe block and has its memory tables truncated (plain SQL, not through
// the store under test) before each test: @mastra/pg's init on a fresh schema costs seconds.
// The four targets run concurrently, each one's tests in order (see below).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MemoryStorage } from '@mastra/core/storage';
import type { MastraDBMessage } from '@mastra/core/memory';
import { makeStore, memoryOf, nativeTargets, onPostgres, targets, tmpDbUrl, type AnyStore, type Target } from './helpers/stores';
import { schemaOf, truncateMemory } from './helpers/memory-pg';
import {
  at,
  BASE_MS,
  expectNativeError,
  expectSameDate,
  idsOf,
  makeMessage,
  makeThread,
  rejectionOf,
  sleep,
  textContent,
} from './helpers/memory-fixtures';

// The targets run concurrently (independent databases; the PostgreSQL ones mostly wait on the
// server), each target's tests one after another inside its `describe.sequential` block.
describe.concurrent.each(targets)('memory contract [%s]', target => {
  describe.sequential(onPostgres[target] === target ? 'PostgreSQL' : 'SQLite', () => {
    const nativeOnly = it.runIf((nativeTargets as Target[]).includes(target));
    /** Contract points where @mastra/pg 1.27 behaves differently from @mastra/libsql (see each use). */
    const notOnPg = it.skipIf(target === 'pg');
    let store: AnyStore;
    let mem: MemoryStorage;

    const location = tmpDbUrl(`contract-${target}`);
    const schema = schemaOf(target, location);

    if (schema) {
      beforeAll(async () => {
        store = await makeStore(target, { url: location });
        mem = (await memoryOf(store)) as MemoryStorage;
      });
      beforeEach(async () => {
        await truncateMemory(schema);
      });
      afterAll(async () => {
        await store?.close();
      });
    } else {
      beforeEach(async () => {
        store = await makeStore(target);
        mem = (await memoryOf(store)) as MemoryStorage;
      });
      afterEach(async () => {
        await store?.close();
      });
    }

    /** Saves a thread plus `n` messages at fixture times start..start+n-1; returns the messages. */
    async function seedThread(
      threadId: string,
      resourceId: string,
      n: number,
      opts: { start?: number; prefix?: string; thread?: Record<string, unknown> } = {},
    ): Promise<MastraDBMessage[]> {
      const start = opts.start ?? 0;
      const prefix = opts.prefix ?? threadId;
      await mem.saveThread({ thread: makeThread(threadId, resourceId, opts.thread as any) });
      const messages = Array.from({ length: n }, (_, k) => makeMessage(`${prefix}-m${k}`, threadId, resourceId, start + k));
      if (n > 0) await mem.saveMessages({ messages });
      return messages;
    }

    async function threadCount(filter?: Record<string, unknown>) {
      return (await mem.listThreads({ filter: filter as any, perPage: false })).total;
    }

    // ---------------------------------------------------------------------------------------
    describe('getThreadById', () => {
      it('returns null for a missing thread', async () => {
        expect(await mem.getThreadById({ threadId: 'no-such-thread' })).toBeNull();
      });

      it('returns the saved thread with Date timestamps equal to the ms', async () => {
        const created = new Date(BASE_MS + 123);
        const updated = new Date(BASE_MS + 456);
        await mem.saveThread({
          thread: makeThread('t1', 'r1', { title: 'Hello', metadata: { a: 1 }, createdAt: created, updatedAt: updated }),
        });
        const got = await mem.getThreadById({ threadId: 't1' });
        expect(got).not.toBeNull();
        expect(got!.id).toBe('t1');
        expect(got!.resourceId).toBe('r1');
        expect(got!.title).toBe('Hello');
        expect(got!.metadata).toEqual({ a: 1 });
        expectSameDate(got!.createdAt, created);
        expectSameDate(got!.updatedAt, updated);
      });

      it('matches when resourceId is the owner', async () => {
        await mem.saveThread({ thread: makeThread('t1', 'r1') });
        const got = await mem.getThreadById({ threadId: 't1', resourceId: 'r1' });
        expect(got?.id).toBe('t1');
      });

      it('returns null when resourceId belongs to another tenant', async () => {
        await mem.saveThread({ thread: makeThread('t1', 'r1') });
        expect(await mem.getThreadById({ threadId: 't1', resourceId: 'r2' })).toBeNull();
      });

      it('round-trips an 18-digit numeric string id exactly', async () => {
        const id = '123456789012345678';
        await mem.saveThread({ thread: makeThread(id, 'r1') });
        const got = await mem.getThreadById({ threadId: id });
        expect(got?.id).toBe(id);
        expect(typeof got?.id).toBe('string');
        expect(await mem.getThreadById({ threadId: '123456789012345679' })).toBeNull();
      });

      it('round-trips nested metadata with unicode, quotes and nulls', async () => {
        const metadata = { s: 'héllo 👋 "q" \'x\'', n: null, nested: { arr: [1, 'two', { three: 3 }], none: null } };
        await mem.saveThread({ thread: makeThread('t1', 'r1', { metadata }) });
        expect((await mem.getThreadById({ threadId: 't1' }))!.metadata).toEqual(metadata);
      });
    });

    // ---------------------------------------------------------------------------------------
    describe('saveThread', () => {
      it('returns the input object unchanged', async () => {
        const thread = makeThread('t1', 'r1', { metadata: { k: 'v' } });
        const returned = await mem.saveThread({ thread });
        expect(returned).toEqual(thread);
      });

      it('is an upsert: a second save replaces title, metadata and timestamps', async () => {
        await mem.saveThread({ thread: makeThread('t1', 'r1', { title: 'one', metadata: { a: 1, b: 2 } }) });
        await mem.saveThread({
          thread: makeThread('t1', 'r1', { title: 'two', metadata: { c: 3 }, createdAt: at(10), updatedAt: at(11) }),
        });
        const got = await mem.getThreadById({ threadId: 't1' });
        expect(got!.title).toBe('two');
        expect(got!.metadata).toEqual({ c: 3 });
        expectSameDate(got!.createdAt, at(10));
        expectSameDate(got!.updatedAt, at(11));
        expect(await threadCount()).toBe(1);
      });

      it('keeps different threads apart', async () => {
        await mem.saveThread({ thread: makeThread('t1', 'r1', { title: 'A' }) });
        await mem.saveThread({ thread: makeThread('t2', 'r2', { title: 'B' }) });
        expect((await mem.getThreadById({ threadId: 't1' }))!.title).toBe('A');
        expect((await mem.getThreadById({ threadId: 't2' }))!.title).toBe('B');
        expect(await threadCount()).toBe(2);
      });
    });

    // ---------------------------------------------------------------------------------------
    describe('updateThread', () => {
      it('updates title and shallow-merges metadata', async () => {
        await mem.saveThread({ thread: makeThread('t1', 'r1', { title: 'old', metadata: { a: 1, b: { x: 1 } } }) });
        const updated = await mem.updateThread({ id: 't1', title: 'new', metadata: { b: { y: 2 }, c: 3 } });
        expect(updated.title).toBe('new');
        expect(updated.metadata).toEqual({ a: 1, b: { y: 2 }, c: 3 });
        const got = await mem.getThreadById({ threadId: 't1' });
        expect(got!.title).toBe('new');
        expect(got!.metadata).toEqual({ a: 1, b: { y: 2 }, c: 3 });
      });

      it('keeps the title when it is omitted (partial update)', async () => {
        await mem.saveThread({ thread: makeThread('t1', 'r1', { title: 'keep me', metadata: { a: 1 } }) });
        const updated = await mem.updateThread({ id: 't1', metadata: { b: 2 } } as any);
        expect(updated.title).toBe('keep me');
        expect((await mem.getThreadById({ threadId: 't1' }))!.title).toBe('keep me');
        expect(updated.metadata).toEqual({ a: 1, b: 2 });
      });

      it('keeps metadata when only the title changes', async () => {
        await mem.saveThread({ thread: makeThread('t1', 'r1', { metadata: { a: 1 } }) });
        await mem.updateThread({ id: 't1', title: 'T' } as any);
        expect((await mem.getThreadById({ threadId: 't1' }))!.metadata).toEqual({ a: 1 });
      });

      it('bumps updatedAt, keeps createdAt and resourceId', async () => {
        await mem.saveThread({ thread: makeThread('t1', 'r1') });
        const before = Date.now();
        const updated = await mem.updateThread({ id: 't1', title: 'x', metadata: {} });
        expect(updated.updatedAt).toBeInstanceOf(Date);
        expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(before - 5);
        expectSameDate(updated.createdAt, at(0));
        expect(updated.resourceId).toBe('r1');
        const got = await mem.getThreadById({ threadId: 't1' });
        expect(got!.updatedAt.getTime()).toBe(updated.updatedAt.getTime());
      });

      it('returns a value deep-equal to a fresh getThreadById', async () => {
        await mem.saveThread({ thread: makeThread('t1', 'r1', { metadata: { a: 1 } }) });
        const updated = await mem.updateThread({ id: 't1', title: 'T2', metadata: { b: 2 } });
        expect(await mem.getThreadById({ threadId: 't1' })).toEqual(updated);
      });

      it('rejects for a missing thread with "Thread <id> not found"', async () => {
        const err = await rejectionOf(mem.updateThread({ id: 'ghost', title: 'x', metadata: {} }));
        expect(String(err.message)).toContain('Thread ghost not found');
        expect(await threadCount()).toBe(0);
      });

      it('resolves five concurrent updates of one thread', async () => {
        await mem.saveThread({ thread: makeThread('t1', 'r1') });
        const results = await Promise.all(
          Array.from({ length: 5 }, (_, i) => mem.updateThread({ id: 't1', title: `t${i}`, metadata: { [`k${i}`]: i } })),
        );
        expect(results).toHaveLength(5);
        const got = await mem.getThreadById({ threadId: 't1' });
        expect(['t0', 't1', 't2', 't3', 't4']).toContain(got!.title);
      });

      nativeOnly('missing thread: USER MastraError with code NOT_FOUND', async () => {
        const err = await rejectionOf(mem.updateThread({ id: 'ghost', title: 'x', metadata: {} }));
        expectNativeError(err, { category: 'USER', code: 'NOT_FOUND' });
      });
    });

    // ---------------------------------------------------------------------------------------
    describe('deleteThread', () => {
      it('deletes the thread and its messages', async () => {
        await seedThread('t1', 'r1', 3);
        await mem.deleteThread({ threadId: 't1' });
        expect(await mem.getThreadById({ threadId: 't1' })).toBeNull();
        const { messages, total } = await mem.listMessages({ threadId: 't1' });
        expect(messages).toEqual([]);
        expect(total).toBe(0);
        expect((await mem.listMessagesById({ messageIds: ['t1-m0', 't1-m1', 't1-m2'] })).messages).toEqual([]);
      });

      it('leaves other threads, their messages and resources alone', async () => {
        await seedThread('t1', 'r1', 2);
        await seedThread('t2', 'r1', 2);
        await mem.saveResource({ resource: { id: 'r1', workingMemory: 'wm', metadata: {}, createdAt: at(0), updatedAt: at(0) } });
        await mem.deleteThread({ threadId: 't1' });
        expect(await mem.getThreadById({ threadId: 't2' })).not.toBeNull();
        expect((await mem.listMessages({ threadId: 't2' })).total).toBe(2);
        expect((await mem.getResourceById({ resourceId: 'r1' }))?.workingMemory).toBe('wm');
      });

      it('does not throw for a missing thread', async () => {
        await seedThread('t1', 'r1', 1);
        await expect(mem.deleteThread({ threadId: 'ghost' })).resolves.toBeUndefined();
        expect(await threadCount()).toBe(1);
      });
    });

    // ---------------------------------------------------------------------------------------
    describe('listThreads', () => {
      // createdAt ASC: L0..L4. updatedAt ASC: L2, L4, L0, L3, L1.
      const updatedRank = [2, 4, 0, 3, 1];
      const meta: Record<string, unknown>[] = [
        { kind: 'a', flag: true, n: 1, nothing: null },
        { kind: 'a', flag: false, n: 2 },
        { kind: 'b', flag: true, n: 1 },
        { kind: 'b' },
        { kind: 'a', flag: true, n: 1 },
      ];
      async function seedList() {
        for (let i = 0; i < 5; i++) {
          await mem.saveThread({
            thread: makeThread(`L${i}`, i < 4 ? 'r-list' : 'r-other', {
              metadata: meta[i],
              createdAt: at(i),
              updatedAt: at(100 + updatedRank[i]!),
            }),
          });
        }
      }
      const list = (args: Record<string, unknown> = {}) => mem.listThreads(args as any);

      it('returns the empty shape when nothing matches', async () => {
        const res = await list();
        expect(res).toEqual({ threads: [], total: 0, page: 0, perPage: 100, hasMore: false });
        await seedList();
        const res2 = await list({ filter: { resourceId: 'nobody' } });
        expect(res2).toEqual({ threads: [], total: 0, page: 0, perPage: 100, hasMore: false });
      });

      it('lists every thread without a filter, default order createdAt DESC, default perPage 100', async () => {
        await seedList();
        const res = await list();
        expect(idsOf(res.threads)).toEqual(['L4', 'L3', 'L2', 'L1', 'L0']);
        expect(res.total).toBe(5);
        expect(res.page).toBe(0);
        expect(res.perPage).toBe(100);
        expect(res.hasMore).toBe(false);
      });

      it('filters by resourceId exactly', async () => {
        await seedList();
        const res = await list({ filter: { resourceId: 'r-list' } });
        expect(idsOf(res.threads).sort()).toEqual(['L0', 'L1', 'L2', 'L3']);
        expect(res.total).toBe(4);
        expect((await list({ filter: { resourceId: 'r-lis' } })).total).toBe(0);
      });

      it('orders by createdAt ASC', async () => {
        await seedList();
        const res = await list({ orderBy: { field: 'createdAt', direction: 'ASC' } });
        expect(idsOf(res.threads)).toEqual(['L0', 'L1', 'L2', 'L3', 'L4']);
      });

      it('orders by createdAt DESC', async () => {
        await seedList();
        const res = await list({ orderBy: { field: 'createdAt', direction: 'DESC' } });
        expect(idsOf(res.threads)).toEqual(['L4', 'L3', 'L2', 'L1', 'L0']);
      });

      it('orders by updatedAt ASC', async () => {
        await seedList();
        const res = await list({ orderBy: { field: 'updatedAt', direction: 'ASC' } });
        expect(idsOf(res.threads)).toEqual(['L2', 'L4', 'L0', 'L3', 'L1']);
      });

      it('orders by updatedAt DESC', async () => {
        await seedList();
        const res = await list({ orderBy: { field: 'updatedAt', direction: 'DESC' } });
        expect(idsOf(res.threads)).toEqual(['L1', 'L3', 'L0', 'L4', 'L2']);
      });

      it('defaults direction to DESC when only the field is given', async () => {
        await seedList();
        const res = await list({ orderBy: { field: 'updatedAt' } });
        expect(idsOf(res.threads)).toEqual(['L1', 'L3', 'L0', 'L4', 'L2']);
      });

      it('defaults field to createdAt when only the direction is given', async () => {
        await seedList();
        const res = await list({ orderBy: { direction: 'ASC' } });
        expect(idsOf(res.threads)).toEqual(['L0', 'L1', 'L2', 'L3', 'L4']);
      });

      it('paginates with page/perPage and hasMore = offset + perPage < total', async () => {
        await seedList();
        const p0 = await list({ page: 0, perPage: 2 });
        const p1 = await list({ page: 1, perPage: 2 });
        const p2 = await list({ page: 2, perPage: 2 });
        expect(idsOf(p0.threads)).toEqual(['L4', 'L3']);
        expect(idsOf(p1.threads)).toEqual(['L2', 'L1']);
        expect(idsOf(p2.threads)).toEqual(['L0']);
        expect([p0.hasMore, p1.hasMore, p2.hasMore]).toEqual([true, true, false]);
        expect([p0.total, p1.total, p2.total]).toEqual([5, 5, 5]);
        expect([p0.page, p1.page, p2.page]).toEqual([0, 1, 2]);
        expect(p1.perPage).toBe(2);
      });

      it('hasMore is false when the page ends exactly at total', async () => {
        await seedList();
        const res = await list({ page: 0, perPage: 5 });
        expect(res.threads).toHaveLength(5);
        expect(res.hasMore).toBe(false);
        const res4 = await list({ page: 0, perPage: 4 });
        expect(res4.hasMore).toBe(true);
      });

      it('keeps a consistent order across pages of updatedAt ASC', async () => {
        await seedList();
        const pages = await Promise.all([0, 1, 2].map(page => list({ page, perPage: 2, orderBy: { field: 'updatedAt', direction: 'ASC' } })));
        expect(pages.flatMap(p => idsOf(p.threads))).toEqual(['L2', 'L4', 'L0', 'L3', 'L1']);
      });

      it('returns an empty page past the end, with the real total', async () => {
        await seedList();
        const res = await list({ page: 10, perPage: 2 });
        expect(res.threads).toEqual([]);
        expect(res.total).toBe(5);
        expect(res.hasMore).toBe(false);
      });

      it('perPage:false returns everything and echoes perPage:false', async () => {
        await seedList();
        const res = await list({ perPage: false });
        expect(res.threads).toHaveLength(5);
        expect(res.perPage).toBe(false);
        expect(res.hasMore).toBe(false);
        expect(res.total).toBe(5);
      });

      it('perPage:false with page 1 rejects', async () => {
        await seedList();
        const err = await rejectionOf(list({ perPage: false, page: 1 }));
        expect(String(err.message)).toMatch(/page must be 0 when perPage is false/);
      });

      it('metadata filter: a single string key', async () => {
        await seedList();
        const res = await list({ filter: { metadata: { kind: 'a' } } });
        expect(idsOf(res.threads).sort()).toEqual(['L0', 'L1', 'L4']);
        expect(res.total).toBe(3);
      });

      it('metadata filter: AND of several keys, combined with resourceId', async () => {
        await seedList();
        expect(idsOf((await list({ filter: { metadata: { kind: 'a', flag: true } } })).threads).sort()).toEqual(['L0', 'L4']);
        expect(
          idsOf((await list({ filter: { resourceId: 'r-list', metadata: { kind: 'a', flag: true } } })).threads),
        ).toEqual(['L0']);
      });

      it('metadata filter: booleans true and false', async () => {
        await seedList();
        expect(idsOf((await list({ filter: { metadata: { flag: true } } })).threads).sort()).toEqual(['L0', 'L2', 'L4']);
        expect(idsOf((await list({ filter: { metadata: { flag: false } } })).threads)).toEqual(['L1']);
      });

      it('metadata filter: numbers', async () => {
        await seedList();
        expect(idsOf((await list({ filter: { metadata: { n: 1 } } })).threads).sort()).toEqual(['L0', 'L2', 'L4']);
        expect(idsOf((await list({ filter: { metadata: { n: 2 } } })).threads)).toEqual(['L1']);
        expect((await list({ filter: { metadata: { n: 3 } } })).total).toBe(0);
      });

      it('metadata filter: a thread lacking the key does not match a non-null value', async () => {
        await seedList();
        // L3 has no flag / n key
        expect(idsOf((await list({ filter: { metadata: { kind: 'b', flag: true } } })).threads)).toEqual(['L2']);
        expect(idsOf((await list({ filter: { metadata: { kind: 'b', n: 1 } } })).threads)).toEqual(['L2']);
      });

      // @mastra/pg filters thread metadata by JSONB containment (`metadata @> '{"k": null}'`),
      // so a null value matches only a key that is present and null, never a missing key.
      notOnPg('metadata filter: null matches JSON null or a missing key', async () => {
        await seedList();
        expect((await list({ filter: { metadata: { nothing: null } } })).total).toBe(5);
        expect(idsOf((await list({ filter: { metadata: { kind: 'b', nothing: null } } })).threads).sort()).toEqual(['L2', 'L3']);
        expect(idsOf((await list({ filter: { metadata: { kind: null } } })).threads)).toEqual([]);
      });

      it('metadata filter: a string value does not match a numeric metadata value', async () => {
        await seedList();
        expect((await list({ filter: { metadata: { n: '1' } } })).total).toBe(0);
      });

      it('metadata filter paginates with the filtered total', async () => {
        await seedList();
        const res = await list({ filter: { metadata: { kind: 'a' } }, perPage: 2, page: 0 });
        expect(res.total).toBe(3);
        expect(idsOf(res.threads)).toEqual(['L4', 'L1']);
        expect(res.hasMore).toBe(true);
        const res1 = await list({ filter: { metadata: { kind: 'a' } }, perPage: 2, page: 1 });
        expect(idsOf(res1.threads)).toEqual(['L0']);
        expect(res1.hasMore).toBe(false);
      });

      it('returns Date timestamps equal to getThreadById', async () => {
        await seedList();
        const res = await list();
        for (const t of res.threads) {
          const single = await mem.getThreadById({ threadId: t.id });
          expectSameDate(t.createdAt, single!.createdAt);
          expectSameDate(t.updatedAt, single!.updatedAt);
          expect(t.metadata).toEqual(single!.metadata);
          expect(t.resourceId).toBe(single!.resourceId);
          expect(t.title).toBe(single!.title);
        }
      });

      it('reflects updateThread in the listing (same object as getThreadById)', async () => {
        await seedList();
        const updated = await mem.updateThread({ id: 'L0', title: 'changed', metadata: { extra: 1 } });
        const listed = (await list({ filter: { resourceId: 'r-list' } })).threads.find(t => t.id === 'L0')!;
        expect(listed.title).toBe('changed');
        expect(listed.metadata).toEqual(updated.metadata);
        expect(listed.updatedAt.getTime()).toBe(updated.updatedAt.getTime());
      });

      nativeOnly('metadata filter is type-exact: {flag: true} does not match flag: 1', async () => {
        await mem.saveThread({ thread: makeThread('num', 'r', { metadata: { flag: 1 } }) });
        await mem.saveThread({ thread: makeThread('bool', 'r', { metadata: { flag: true } }) });
        expect(idsOf((await list({ filter: { metadata: { flag: true } } })).threads)).toEqual(['bool']);
        expect(idsOf((await list({ filter: { metadata: { flag: 1 } } })).threads)).toEqual(['num']);
      });

      nativeOnly('perPage:false with page 1 is a USER error', async () => {
        const err = await rejectionOf(list({ perPage: false, page: 1 }));
        expectNativeError(err, { category: 'USER', code: 'INVALID_ARGUMENT' });
      });
    });

    // ---------------------------------------------------------------------------------------
    describe('saveMessages', () => {
      it('returns {messages: []} for an empty batch', async () => {
        expect(await mem.saveMessages({ messages: [] })).toEqual({ messages: [] });
      });

      it('returns the input when already ordered, and the rows read back equal it', async () => {
        await mem.saveThread({ thread: makeThread('t1', 'r1') });
        const messages = [0, 1, 2].map(i => makeMessage(`m${i}`, 't1', 'r1', i));
        const res = await mem.saveMessages({ messages });
        expect(res.messages).toEqual(messages);
        const read = await mem.listMessages({ threadId: 't1' });
        expect(read.messages).toEqual(messages);
      });

      it('a 450-message batch lands whole: new rows, rows moved from another thread, a repeated id', async () => {
        await mem.saveThread({ thread: makeThread('t1', 'r1', { updatedAt: at(0) }) });
        await mem.saveThread({ thread: makeThread('t2', 'r1', { updatedAt: at(0) }) });
        await mem.saveMessages({ messages: [0, 1, 2].map(i => makeMessage(`old${i}`, 't2', 'r1', i)) });
        await mem.updateThread({ id: 't2', title: 't2', metadata: {} });
        const t2Before = (await mem.getThreadById({ threadId: 't2' }))!.updatedAt.getTime();
        const fresh = Array.from({ length: 446 }, (_, k) => makeMessage(`n${String(k).padStart(3, '0')}`, 't1', 'r1', 10 + k));
        // old0..old2 move to t1 (keeping their createdAt); n000 appears twice: the last copy wins.
        const moved = [0, 1, 2].map(i => makeMessage(`old${i}`, 't1', 'r1', 500 + i));
        const again = { ...makeMessage('n000', 't1', 'r1', 999), content: { format: 2 as const, parts: [{ type: 'text' as const, text: 'again' }] } };
        await new Promise(r => setTimeout(r, 5));
        await mem.saveMessages({ messages: [...fresh, ...moved, again] });
        const t1 = await mem.listMessages({ threadId: 't1', perPage: false });
        expect(t1.messages).toHaveLength(449);
        expect(idsOf(t1.messages).slice(0, 4)).toEqual(['old0', 'old1', 'old2', 'n000']);
        expect(t1.messages[3]!.content.parts[0]).toEqual({ type: 'text', text: 'again' });
        expectSameDate(t1.messages[3]!.createdAt, at(10));
        expect((await mem.listMessages({ threadId: 't2', perPage: false })).messages).toEqual([]);
        // NativeStore also touches the thread the moved messages left (the anchors do not;
        // see the README's differences).
        if ((nativeTargets as Target[]).includes(target)) {
          expect((await mem.getThreadById({ threadId: 't2' }))!.updatedAt.getTime()).toBeGreaterThan(t2Before);
        }
      });

      it('returns the saved messages sorted by createdAt ASC', async () => {
        await mem.saveThread({ thread: makeThread('t1', 'r1') });
        const messages = [2, 0, 1].map(i => makeMessage(`m${i}`, 't1', 'r1', i));
        const res = await mem.saveMessages({ messages });
        expect(idsOf(res.messages)).toEqual(['m0', 'm1', 'm2']);
      });

      it('reads back createdAt as Date and omits type when it is v2', async () => {
        await seedThread('t1', 'r1', 2);
        const { messages } = await mem.listMessages({ threadId: 't1' });
        for (const [k, m] of messages.entries()) {
          expectSameDate(m.createdAt, at(k));
          expect(m.type).toBeUndefined();
          expect(m.threadId).toBe('t1');
          expect(m.resourceId).toBe('r1');
          expect(m.content.format).toBe(2);
        }
      });

      it('round-trips complex content losslessly', async () => {
        await mem.saveThread({ thread: makeThread('t1', 'r1') });
        const content = {
          format: 2,
          parts: [
            { type: 'text', text: 'héllo 🌍 "quoted" \\ back\nslash', providerMetadata: { mastra: { tokenEstimate: 42 } } },
            { type: 'text', text: 'second' },
          ],
          content: JSON.stringify({ inner: 'json', arr: [1, 2] }),
          metadata: { nested: { deep: [1, { x: null }] }, empty: {}, nil: null },
        };
        await mem.saveMessages({ messages: [makeMessage('m0', 't1', 'r1', 0, { content: content as any })] });
        const { messages } = await mem.listMessages({ threadId: 't1' });
        expect(messages[0]!.content).toEqual(content);
        expect(typeof messages[0]!.content.content).toBe('string');
      });

      it('upserts by id: the latest content wins and there is one row', async () => {
        await mem.saveThread({ thread: makeThread('t1', 'r1') });
        await mem.saveMessages({ messages: [makeMessage('m0', 't1', 'r1', 0)] });
        await mem.saveMessages({
          messages: [makeMessage('m0', 't1', 'r1', 0, { role: 'assistant', content: textContent('v2 text') })],
        });
        const { messages, total } = await mem.listMessages({ threadId: 't1' });
        expect(total).toBe(1);
        expect(messages[0]!.role).toBe('assistant');
        expect(messages[0]!.content.parts).toEqual([{ type: 'text', text: 'v2 text' }]);
      });

      it('upsert can move a message to another thread (and resource)', async () => {
        await mem.saveThread({ thread: makeThread('t1', 'r1') });
        await mem.saveThread({ thread: makeThread('t2', 'r2') });
        await mem.saveMessages({ messages: [makeMessage('m0', 't1', 'r1', 0)] });
        await mem.saveMessages({ messages: [makeMessage('m0', 't2', 'r2', 0)] });
        expect((await mem.listMessages({ threadId: 't1' })).total).toBe(0);
        const moved = await mem.listMessages({ threadId: 't2' });
        expect(idsOf(moved.messages)).toEqual(['m0']);
        expect(moved.messages[0]!.resourceId).toBe('r2');
      });

      it('keeps the original createdAt on upsert', async () => {
        await mem.saveThread({ thread: makeThread('t1', 'r1') });
        await mem.saveMessages({ messages: [makeMessage('m0', 't1', 'r1', 0)] });
        await mem.saveMessages({ messages: [makeMessage('m0', 't1', 'r1', 50, { content: textContent('again') })] });
        const { messages } = await mem.listMessagesById({ messageIds: ['m0'] });
        expectSameDate(messages[0]!.createdAt, at(0));
        expect(messages[0]!.content.parts[0]).toEqual({ type: 'text', text: 'again' });
      });

      it("bumps the thread's updatedAt strictly after a 10ms wait", async () => {
        const now = new Date();
        await mem.saveThread({ thread: makeThread('t1', 'r1', { createdAt: now, updatedAt: now }) });
        const before = (await mem.getThreadById({ threadId: 't1' }))!.updatedAt;
        await sleep(10);
        await mem.saveMessages({ messages: [makeMessage('m0', 't1', 'r1', 0)] });
        const after = (await mem.getThreadById({ threadId: 't1' }))!.updatedAt;
        expect(after).toBeInstanceOf(Date);
        expect(after.getTime()).toBeGreaterThan(before.getTime());
      });

      it("bumps the first message's thread in a mixed batch", async () => {
        await mem.saveThread({ thread: makeThread('t1', 'r1') });
        await mem.saveThread({ thread: makeThread('t2', 'r1') });
        await mem.saveMessages({ messages: [makeMessage('a', 't1', 'r1', 0), makeMessage('b', 't2', 'r1', 1)] });
        expect((await mem.getThreadById({ threadId: 't1' }))!.updatedAt.getTime()).toBeGreaterThan(at(0).getTime());
        expect((await mem.listMessages({ threadId: 't2' })).total).toBe(1);
      });

      nativeOnly('bumps the updatedAt of every thread in the batch', async () => {
        await mem.saveThread({ thread: makeThread('t1', 'r1') });
        await mem.saveThread({ thread: makeThread('t2', 'r1') });
        await mem.saveThread({ thread: makeThread('t3', 'r1') });
        await mem.saveMessages({ messages: [makeMessage('a', 't1', 'r1', 0), makeMessage('b', 't2', 'r1', 1)] });
        expect((await mem.getThreadById({ threadId: 't1' }))!.updatedAt.getTime()).toBeGreaterThan(at(0).getTime());
        expect((await mem.getThreadById({ threadId: 't2' }))!.updatedAt.getTime()).toBeGreaterThan(at(0).getTime());
        expectSameDate((await mem.getThreadById({ threadId: 't3' }))!.updatedAt, at(0));
      });

      it('rolls back: a batch with one message lacking resourceId stores nothing', async () => {
        await mem.saveThread({ thread: makeThread('t1', 'r1') });
        const batch = [
          makeMessage('ok-1', 't1', 'r1', 0),
          makeMessage('ok-2', 't1', 'r1', 1),
          { ...makeMessage('bad', 't1', 'r1', 2), resourceId: undefined } as any,
        ];
        await expect(mem.saveMessages({ messages: batch })).rejects.toThrow();
        expect((await mem.listMessages({ threadId: 't1' })).total).toBe(0);
        expect((await mem.listMessagesById({ messageIds: ['ok-1', 'ok-2', 'bad'] })).messages).toEqual([]);
      });

      it('rejects a message with a null resourceId, even first in the batch', async () => {
        await mem.saveThread({ thread: makeThread('t1', 'r1') });
        const batch = [{ ...makeMessage('bad', 't1', 'r1', 0), resourceId: null } as any, makeMessage('ok', 't1', 'r1', 1)];
        await expect(mem.saveMessages({ messages: batch })).rejects.toThrow();
        expect((await mem.listMessages({ threadId: 't1' })).total).toBe(0);
      });

      it('keeps creation order for messages saved one at a time', async () => {
        await mem.saveThread({ thread: makeThread('t1', 'r1') });
        for (let i = 0; i < 5; i++) await mem.saveMessages({ messages: [makeMessage(`m${i}`, 't1', 'r1', i)] });
        expect(idsOf((await mem.listMessages({ threadId: 't1' })).messages)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
      });
    });

    // ---------------------------------------------------------------------------------------
    describe('listMessages', () => {
      it('accepts a threadId string and returns ASC by default with perPage 40', async () => {
        await seedThread('t1', 'r1', 45);
        const res = await mem.listMessages({ threadId: 't1' });
        expect(res.messages).toHaveLength(40);
        expect(res.messages[0]!.id).toBe('t1-m0');
        expect(res.messages[39]!.id).toBe('t1-m39');
        expect(res.total).toBe(45);
        expect(res.page).toBe(0);
        expect(res.perPage).toBe(40);
        expect(res.hasMore).toBe(true);
      });

      it('returns the empty shape for a thread without messages', async () => {
        const res = await mem.listMessages({ threadId: 'nobody' });
        expect(res).toEqual({ messages: [], total: 0, page: 0, perPage: 40, hasMore: false });
      });

      it('accepts an array of threadIds and merges them by createdAt', async () => {
        await seedThread('t1', 'r1', 3, { start: 0 });
        await mem.saveThread({ thread: makeThread('t2', 'r1') });
        await mem.saveMessages({ messages: [makeMessage('x', 't2', 'r1', 0, { createdAt: new Date(at(1).getTime() + 500) })] });
        await seedThread('t3', 'r1', 2, { start: 10 });
        const res = await mem.listMessages({ threadId: ['t1', 't2'] });
        expect(idsOf(res.messages)).toEqual(['t1-m0', 't1-m1', 'x', 't1-m2']);
        expect(res.total).toBe(4);
      });

      it.each([
        ['empty string', ''],
        ['whitespace', '   '],
        ['empty array', []],
        ['array with an empty element', ['t1', '']],
      ])('rejects threadId = %s', async (_label, threadId) => {
        await expect(mem.listMessages({ threadId: threadId as any })).rejects.toThrow(
          'threadId must be a non-empty string or array of non-empty strings',
        );
      });

      // @mastra/pg rejects page < 0 too, but with the text 'Page number must be non-negative'.
      notOnPg('rejects page < 0', async () => {
        await seedThread('t1', 'r1', 1);
        await expect(mem.listMessages({ threadId: 't1', page: -1 })).rejects.toThrow('page must be >= 0');
      });

      it('rejects perPage < 0', async () => {
        await seedThread('t1', 'r1', 1);
        await expect(mem.listMessages({ threadId: 't1', perPage: -1 })).rejects.toThrow('perPage must be >= 0');
      });

      it('orders DESC when asked', async () => {
        await seedThread('t1', 'r1', 5);
        const res = await mem.listMessages({ threadId: 't1', orderBy: { field: 'createdAt', direction: 'DESC' } });
        expect(idsOf(res.messages)).toEqual(['t1-m4', 't1-m3', 't1-m2', 't1-m1', 't1-m0']);
      });

      it('paginates: page/perPage with total and hasMore = offset + perPage < total', async () => {
        await seedThread('t1', 'r1', 10);
        const p0 = await mem.listMessages({ threadId: 't1', perPage: 3, page: 0 });
        const p2 = await mem.listMessages({ threadId: 't1', perPage: 3, page: 2 });
        const p3 = await mem.listMessages({ threadId: 't1', perPage: 3, page: 3 });
        expect(idsOf(p0.messages)).toEqual(['t1-m0', 't1-m1', 't1-m2']);
        expect(idsOf(p2.messages)).toEqual(['t1-m6', 't1-m7', 't1-m8']);
        expect(idsOf(p3.messages)).toEqual(['t1-m9']);
        expect([p0.hasMore, p2.hasMore, p3.hasMore]).toEqual([true, true, false]);
        expect([p0.total, p2.total, p3.total]).toEqual([10, 10, 10]);
        expect(p2.page).toBe(2);
        expect(p2.perPage).toBe(3);
      });

      it('DESC pagination walks from newest to oldest', async () => {
        await seedThread('t1', 'r1', 5);
        const p1 = await mem.listMessages({ threadId: 't1', perPage: 2, page: 1, orderBy: { field: 'createdAt', direction: 'DESC' } });
        expect(idsOf(p1.messages)).toEqual(['t1-m2', 't1-m1']);
        expect(p1.hasMore).toBe(true);
      });

      it('perPage:false returns everything with perPage:false and hasMore:false', async () => {
        await seedThread('t1', 'r1', 45);
        const res = await mem.listMessages({ threadId: 't1', perPage: false });
        expect(res.messages).toHaveLength(45);
        expect(res.perPage).toBe(false);
        expect(res.hasMore).toBe(false);
        expect(res.total).toBe(45);
      });

      it('perPage 0 without include returns {messages: [], total: 0, hasMore: false}', async () => {
        await seedThread('t1', 'r1', 5);
        const res = await mem.listMessages({ threadId: 't1', perPage: 0 });
        expect(res.messages).toEqual([]);
        expect(res.total).toBe(0);
        expect(res.hasMore).toBe(false);
        expect(res.perPage).toBe(0);
        const res2 = await mem.listMessages({ threadId: 't1', perPage: 0, include: [] });
        expect(res2.messages).toEqual([]);
        expect(res2.total).toBe(0);
      });

      it('filters by resourceId inside the thread; total counts only matches', async () => {
        await mem.saveThread({ thread: makeThread('t1', 'r1') });
        await mem.saveMessages({
          messages: [
            makeMessage('a', 't1', 'r1', 0),
            makeMessage('b', 't1', 'r2', 1),
            makeMessage('c', 't1', 'r1', 2),
          ],
        });
        const res = await mem.listMessages({ threadId: 't1', resourceId: 'r1' });
        expect(idsOf(res.messages)).toEqual(['a', 'c']);
        expect(res.total).toBe(2);
        expect((await mem.listMessages({ threadId: 't1', resourceId: 'r3' })).total).toBe(0);
      });

      describe('include', () => {
        it('adds a window around a target to the page, deduplicated, sorted ASC', async () => {
          await seedThread('t1', 'r1', 10);
          const res = await mem.listMessages({
            threadId: 't1',
            perPage: 2,
            include: [{ id: 't1-m5', withPreviousMessages: 1, withNextMessages: 1 }],
          });
          expect(idsOf(res.messages)).toEqual(['t1-m0', 't1-m1', 't1-m4', 't1-m5', 't1-m6']);
          expect(res.total).toBe(10);
          expect(res.hasMore).toBe(true);
        });

        it('perPage 0 with include returns only the window, total 0, hasMore false', async () => {
          await seedThread('t1', 'r1', 10);
          const res = await mem.listMessages({
            threadId: 't1',
            perPage: 0,
            include: [{ id: 't1-m5', withPreviousMessages: 2, withNextMessages: 1 }],
          });
          expect(idsOf(res.messages)).toEqual(['t1-m3', 't1-m4', 't1-m5', 't1-m6']);
          expect(res.total).toBe(0);
          expect(res.hasMore).toBe(false);
        });

        // @mastra/libsql puts every window in one compound SELECT, which SQLite refuses past
        // 500 terms ("too many terms in compound SELECT").
        it.skipIf(target === 'libsql')('300 includes (more windows than one statement holds) return every window once', async () => {
          await seedThread('t1', 'r1', 1000);
          // Targets every third message from m10: windows m(k-1)..m(k+1) overlap nowhere.
          const targets = Array.from({ length: 300 }, (_, j) => 10 + 3 * j);
          const res = await mem.listMessages({
            threadId: 't1',
            perPage: 0,
            include: targets.map(k => ({ id: `t1-m${k}`, withPreviousMessages: 1, withNextMessages: 1 })),
          });
          expect(idsOf(res.messages)).toEqual(Array.from({ length: 900 }, (_, i) => `t1-m${9 + i}`));
        });

        it('target alone when no window is requested', async () => {
          await seedThread('t1', 'r1', 5);
          const res = await mem.listMessages({ threadId: 't1', perPage: 0, include: [{ id: 't1-m2' }] });
          expect(idsOf(res.messages)).toEqual(['t1-m2']);
        });

        it('clamps withPreviousMessages at the start of the thread', async () => {
          await seedThread('t1', 'r1', 5);
          const res = await mem.listMessages({
            threadId: 't1',
            perPage: 0,
            include: [{ id: 't1-m1', withPreviousMessages: 10, withNextMessages: 1 }],
          });
          expect(idsOf(res.messages)).toEqual(['t1-m0', 't1-m1', 't1-m2']);
        });

        it('clamps withNextMessages at the end of the thread', async () => {
          await seedThread('t1', 'r1', 5);
          const res = await mem.listMessages({
            threadId: 't1',
            perPage: 0,
            include: [{ id: 't1-m3', withPreviousMessages: 1, withNextMessages: 10 }],
          });
          expect(idsOf(res.messages)).toEqual(['t1-m2', 't1-m3', 't1-m4']);
        });

        it('the window never leaves the target thread', async () => {
          await seedThread('t1', 'r1', 3, { start: 0 });
          await seedThread('t2', 'r1', 3, { start: 3 });
          const res = await mem.listMessages({
            threadId: 't2',
            perPage: 0,
            include: [{ id: 't1-m2', withPreviousMessages: 0, withNextMessages: 5 }],
          });
          expect(idsOf(res.messages)).toEqual(['t1-m2']);
        });

        it('perPage 0 with include honours DESC', async () => {
          await seedThread('t1', 'r1', 6);
          const res = await mem.listMessages({
            threadId: 't1',
            perPage: 0,
            orderBy: { field: 'createdAt', direction: 'DESC' },
            include: [{ id: 't1-m3', withPreviousMessages: 1, withNextMessages: 1 }],
          });
          expect(idsOf(res.messages)).toEqual(['t1-m4', 't1-m3', 't1-m2']);
        });

        it('includes a message from another thread by id and interleaves by createdAt', async () => {
          await seedThread('t1', 'r1', 4, { start: 0 }); // t=0,1,2,3 s
          await mem.saveThread({ thread: makeThread('t2', 'r1') });
          const others = [0, 1, 2, 3].map(k => makeMessage(`n${k}`, 't2', 'r1', 0, { createdAt: new Date(at(k).getTime() + 500) }));
          await mem.saveMessages({ messages: others });
          const res = await mem.listMessages({
            threadId: 't1',
            perPage: 4,
            include: [{ id: 'n1', withPreviousMessages: 0, withNextMessages: 1 }],
          });
          expect(idsOf(res.messages)).toEqual(['t1-m0', 't1-m1', 'n1', 't1-m2', 'n2', 't1-m3']);
          expect(res.messages.find(m => m.id === 'n1')!.threadId).toBe('t2');
          expect(res.total).toBe(4);
          expect(res.hasMore).toBe(false);
        });

        it('ignores include.threadId and uses the target\'s own thread', async () => {
          await seedThread('t1', 'r1', 4);
          await seedThread('t2', 'r1', 2, { start: 10 });
          const res = await mem.listMessages({
            threadId: 't2',
            perPage: 0,
            include: [{ id: 't1-m2', threadId: 't2', withPreviousMessages: 1 } as any],
          });
          expect(idsOf(res.messages)).toEqual(['t1-m1', 't1-m2']);
        });

        it('ignores an include id that does not exist', async () => {
          await seedThread('t1', 'r1', 3);
          const res = await mem.listMessages({
            threadId: 't1',
            perPage: 1,
            include: [{ id: 'ghost', withPreviousMessages: 2, withNextMessages: 2 }],
          });
          expect(idsOf(res.messages)).toEqual(['t1-m0']);
          const res0 = await mem.listMessages({ threadId: 't1', perPage: 0, include: [{ id: 'ghost' }] });
          expect(res0.messages).toEqual([]);
        });

        it('deduplicates overlapping windows and page rows', async () => {
          await seedThread('t1', 'r1', 8);
          const res = await mem.listMessages({
            threadId: 't1',
            perPage: 3,
            include: [
              { id: 't1-m3', withPreviousMessages: 2, withNextMessages: 1 },
              { id: 't1-m4', withPreviousMessages: 1, withNextMessages: 1 },
            ],
          });
          expect(idsOf(res.messages)).toEqual(['t1-m0', 't1-m1', 't1-m2', 't1-m3', 't1-m4', 't1-m5']);
          expect(new Set(idsOf(res.messages)).size).toBe(res.messages.length);
        });

        it('scattered targets in a long thread return exactly the union of windows', async () => {
          await seedThread('t1', 'r1', 60);
          const targetsIdx = [0, 10, 11, 30, 59];
          const res = await mem.listMessages({
            threadId: 't1',
            perPage: 0,
            include: targetsIdx.map(i => ({ id: `t1-m${i}`, withPreviousMessages: 2, withNextMessages: 2 })),
          });
          const expected = new Set<number>();
          for (const t of targetsIdx) for (let k = t - 2; k <= t + 2; k++) if (k >= 0 && k < 60) expected.add(k);
          expect(idsOf(res.messages)).toEqual([...expected].sort((a, b) => a - b).map(k => `t1-m${k}`));
        });

        it('with resourceId: a target owned by another resource contributes nothing', async () => {
          await seedThread('t1', 'r1', 3);
          await seedThread('t2', 'r2', 3, { start: 10 });
          const res = await mem.listMessages({
            threadId: 't1',
            resourceId: 'r1',
            perPage: 0,
            include: [{ id: 't2-m1', withPreviousMessages: 1, withNextMessages: 1 }],
          });
          expect(res.messages).toEqual([]);
          const withPage = await mem.listMessages({
            threadId: 't1',
            resourceId: 'r1',
            include: [{ id: 't2-m1', withPreviousMessages: 1, withNextMessages: 1 }],
          });
          expect(idsOf(withPage.messages)).toEqual(['t1-m0', 't1-m1', 't1-m2']);
        });

        it('with resourceId: other-resource messages inside the window are skipped before counting', async () => {
          await mem.saveThread({ thread: makeThread('t1', 'r1') });
          await mem.saveMessages({
            messages: [
              makeMessage('a0', 't1', 'r1', 0),
              makeMessage('a1', 't1', 'r2', 1),
              makeMessage('a2', 't1', 'r1', 2),
              makeMessage('a3', 't1', 'r1', 3),
              makeMessage('a4', 't1', 'r2', 4),
              makeMessage('a5', 't1', 'r1', 5),
            ],
          });
          const scoped = await mem.listMessages({
            threadId: 't1',
            resourceId: 'r1',
            perPage: 0,
            include: [{ id: 'a3', withPreviousMessages: 2, withNextMessages: 1 }],
          });
          expect(idsOf(scoped.messages)).toEqual(['a0', 'a2', 'a3', 'a5']);
          const unscoped = await mem.listMessages({
            threadId: 't1',
            perPage: 0,
            include: [{ id: 'a3', withPreviousMessages: 2, withNextMessages: 1 }],
          });
          expect(idsOf(unscoped.messages)).toEqual(['a1', 'a2', 'a3', 'a4']);
        });

        it('without resourceId, includes may cross resources', async () => {
          await seedThread('t1', 'r1', 2);
          await seedThread('t2', 'r2', 2, { start: 10 });
          const res = await mem.listMessages({ threadId: 't1', include: [{ id: 't2-m0' }] });
          expect(idsOf(res.messages)).toEqual(['t1-m0', 't1-m1', 't2-m0']);
        });

        it('hasMore is false when page + include cover every thread message', async () => {
          await seedThread('t1', 'r1', 5);
          const res = await mem.listMessages({
            threadId: 't1',
            perPage: 3,
            include: [{ id: 't1-m4', withPreviousMessages: 1 }],
          });
          expect(idsOf(res.messages)).toEqual(['t1-m0', 't1-m1', 't1-m2', 't1-m3', 't1-m4']);
          expect(res.total).toBe(5);
          expect(res.hasMore).toBe(false);
          const noInclude = await mem.listMessages({ threadId: 't1', perPage: 3 });
          expect(noInclude.hasMore).toBe(true);
        });

        it('hasMore stays true when the include only covers part of the rest', async () => {
          await seedThread('t1', 'r1', 6);
          const res = await mem.listMessages({ threadId: 't1', perPage: 3, include: [{ id: 't1-m4' }] });
          expect(idsOf(res.messages)).toEqual(['t1-m0', 't1-m1', 't1-m2', 't1-m4']);
          expect(res.hasMore).toBe(true);
        });
      });

      describe('dateRange', () => {
        const range = (dateRange: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
          mem.listMessages({ threadId: 't1', filter: { dateRange } as any, ...extra });

        it('is inclusive at both ends by default', async () => {
          await seedThread('t1', 'r1', 10);
          const res = await range({ start: at(2), end: at(5) });
          expect(idsOf(res.messages)).toEqual(['t1-m2', 't1-m3', 't1-m4', 't1-m5']);
          expect(res.total).toBe(4);
        });

        it('startExclusive excludes the start instant', async () => {
          await seedThread('t1', 'r1', 10);
          const res = await range({ start: at(2), end: at(5), startExclusive: true });
          expect(idsOf(res.messages)).toEqual(['t1-m3', 't1-m4', 't1-m5']);
        });

        it('endExclusive excludes the end instant', async () => {
          await seedThread('t1', 'r1', 10);
          const res = await range({ start: at(2), end: at(5), endExclusive: true });
          expect(idsOf(res.messages)).toEqual(['t1-m2', 't1-m3', 't1-m4']);
        });

        it('start-only and end-only bounds', async () => {
          await seedThread('t1', 'r1', 6);
          expect(idsOf((await range({ start: at(4) })).messages)).toEqual(['t1-m4', 't1-m5']);
          expect(idsOf((await range({ end: at(1) })).messages)).toEqual(['t1-m0', 't1-m1']);
        });

        it('accepts ISO string bounds', async () => {
          await seedThread('t1', 'r1', 6);
          const res = await range({ start: at(1).toISOString(), end: at(3).toISOString() });
          expect(idsOf(res.messages)).toEqual(['t1-m1', 't1-m2', 't1-m3']);
        });

        it('is exact at millisecond boundaries', async () => {
          await seedThread('t1', 'r1', 3);
          const justAfter = new Date(at(1).getTime() + 1);
          const justBefore = new Date(at(1).getTime() - 1);
          expect(idsOf((await range({ start: justAfter })).messages)).toEqual(['t1-m2']);
          expect(idsOf((await range({ end: justBefore })).messages)).toEqual(['t1-m0']);
        });

        it('cursor paging with end = oldest.createdAt and endExclusive gives the next older page', async () => {
          await seedThread('t1', 'r1', 9);
          const desc = { orderBy: { field: 'createdAt', direction: 'DESC' }, perPage: 3 };
          const first = await mem.listMessages({ threadId: 't1', ...(desc as any) });
          expect(idsOf(first.messages)).toEqual(['t1-m8', 't1-m7', 't1-m6']);
          const oldest = first.messages[first.messages.length - 1]!;
          const second = await range({ end: oldest.createdAt, endExclusive: true }, desc);
          expect(idsOf(second.messages)).toEqual(['t1-m5', 't1-m4', 't1-m3']);
          expect(second.total).toBe(6);
          const third = await range({ end: second.messages[2]!.createdAt, endExclusive: true }, desc);
          expect(idsOf(third.messages)).toEqual(['t1-m2', 't1-m1', 't1-m0']);
          expect(third.hasMore).toBe(false);
        });
      });

      describe('filter.metadata (content.metadata)', () => {
        async function seedMeta() {
          await mem.saveThread({ thread: makeThread('t1', 'r1') });
          const metas: (Record<string, unknown> | undefined)[] = [
            { tag: 'a', n: 1, flag: true },
            { tag: 'a', n: 2, flag: false },
            { tag: 'b', n: 1, nil: null },
            undefined,
            { tag: 'a', n: '1' },
          ];
          await mem.saveMessages({
            messages: metas.map((metadata, i) =>
              makeMessage(`mm${i}`, 't1', 'r1', i, { content: textContent(`m${i}`, metadata ? { metadata } : {}) }),
            ),
          });
        }
        const byMeta = (metadata: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
          mem.listMessages({ threadId: 't1', filter: { metadata } as any, ...extra });

        it('matches a string key', async () => {
          await seedMeta();
          const res = await byMeta({ tag: 'a' });
          expect(idsOf(res.messages)).toEqual(['mm0', 'mm1', 'mm4']);
          expect(res.total).toBe(3);
        });

        it('ANDs several keys', async () => {
          await seedMeta();
          expect(idsOf((await byMeta({ tag: 'a', n: 1 })).messages)).toEqual(['mm0']);
          expect(idsOf((await byMeta({ tag: 'a', flag: false })).messages)).toEqual(['mm1']);
        });

        it('is type-exact: number 1 does not match string "1" and vice versa', async () => {
          await seedMeta();
          expect(idsOf((await byMeta({ n: 1 })).messages)).toEqual(['mm0', 'mm2']);
          expect(idsOf((await byMeta({ n: '1' })).messages)).toEqual(['mm4']);
        });

        it('null matches an explicit JSON null only (the key must exist)', async () => {
          await seedMeta();
          expect(idsOf((await byMeta({ nil: null })).messages)).toEqual(['mm2']);
        });

        it('booleans match JSON booleans', async () => {
          await seedMeta();
          expect(idsOf((await byMeta({ flag: true })).messages)).toEqual(['mm0']);
          expect(idsOf((await byMeta({ flag: false })).messages)).toEqual(['mm1']);
        });

        it('hasMore = offset + rows on page < total', async () => {
          await seedMeta();
          const res = await byMeta({ tag: 'a' }, { perPage: 2 });
          expect(idsOf(res.messages)).toEqual(['mm0', 'mm1']);
          expect(res.total).toBe(3);
          expect(res.hasMore).toBe(true);
          const last = await byMeta({ tag: 'a' }, { perPage: 2, page: 1 });
          expect(idsOf(last.messages)).toEqual(['mm4']);
          expect(last.hasMore).toBe(false);
        });

        it('rejects an invalid key', async () => {
          await seedMeta();
          await expect(byMeta({ 'bad-key': 'x' })).rejects.toThrow();
        });
      });

      nativeOnly('validation errors are USER MastraErrors with code INVALID_ARGUMENT', async () => {
        for (const args of [{ threadId: '' }, { threadId: 't1', page: -1 }, { threadId: 't1', perPage: -1 }]) {
          const err = await rejectionOf(mem.listMessages(args as any));
          expectNativeError(err, { category: 'USER', code: 'INVALID_ARGUMENT' });
        }
      });
    });

    // ---------------------------------------------------------------------------------------
    describe('listMessagesById', () => {
      it('returns {messages: []} for an empty id list', async () => {
        expect(await mem.listMessagesById({ messageIds: [] })).toEqual({ messages: [] });
      });

      it('finds messages across threads and resources, sorted by createdAt ASC', async () => {
        await seedThread('t1', 'r1', 3, { start: 0 });
        await seedThread('t2', 'r2', 3, { start: 10 });
        const { messages } = await mem.listMessagesById({ messageIds: ['t2-m2', 't1-m0', 't2-m0', 't1-m2'] });
        expect(idsOf(messages)).toEqual(['t1-m0', 't1-m2', 't2-m0', 't2-m2']);
        expect(messages.map(m => m.threadId)).toEqual(['t1', 't1', 't2', 't2']);
        expect(messages.map(m => m.resourceId)).toEqual(['r1', 'r1', 'r2', 'r2']);
        for (let i = 1; i < messages.length; i++) {
          expect(messages[i]!.createdAt.getTime()).toBeGreaterThanOrEqual(messages[i - 1]!.createdAt.getTime());
        }
      });

      it('ignores unknown ids', async () => {
        await seedThread('t1', 'r1', 2);
        const { messages } = await mem.listMessagesById({ messageIds: ['ghost', 't1-m1'] });
        expect(idsOf(messages)).toEqual(['t1-m1']);
        expect((await mem.listMessagesById({ messageIds: ['ghost'] })).messages).toEqual([]);
      });

      it('returns full MastraDBMessage rows', async () => {
        const [m0] = await seedThread('t1', 'r1', 1);
        const { messages } = await mem.listMessagesById({ messageIds: ['t1-m0'] });
        expect(messages[0]).toEqual(m0);
        expect(messages[0]!.createdAt).toBeInstanceOf(Date);
      });
    });

    // ---------------------------------------------------------------------------------------
    describe('listMessagesByResourceId', () => {
      async function seedResources() {
        await seedThread('ta', 'r1', 2, { start: 0 }); // 0,1
        await seedThread('tb', 'r1', 3, { start: 2 }); // 2,3,4
        await seedThread('tc', 'r2', 2, { start: 5 }); // 5,6
      }

      it('returns every message of every thread of the resource, ASC', async () => {
        await seedResources();
        const res = await mem.listMessagesByResourceId({ resourceId: 'r1' });
        expect(idsOf(res.messages)).toEqual(['ta-m0', 'ta-m1', 'tb-m0', 'tb-m1', 'tb-m2']);
        expect(res.total).toBe(5);
        expect(res.hasMore).toBe(false);
        expect(res.perPage).toBe(40);
      });

      it('isolates resources', async () => {
        await seedResources();
        const res = await mem.listMessagesByResourceId({ resourceId: 'r2' });
        expect(idsOf(res.messages)).toEqual(['tc-m0', 'tc-m1']);
        expect((await mem.listMessagesByResourceId({ resourceId: 'r3' })).total).toBe(0);
      });

      it('paginates with total and hasMore', async () => {
        await seedResources();
        const p0 = await mem.listMessagesByResourceId({ resourceId: 'r1', perPage: 2, page: 0 });
        expect(idsOf(p0.messages)).toEqual(['ta-m0', 'ta-m1']);
        expect(p0.total).toBe(5);
        expect(p0.hasMore).toBe(true);
        const p2 = await mem.listMessagesByResourceId({ resourceId: 'r1', perPage: 2, page: 2 });
        expect(idsOf(p2.messages)).toEqual(['tb-m2']);
        expect(p2.hasMore).toBe(false);
      });

      it('perPage:false returns all', async () => {
        await seedResources();
        const res = await mem.listMessagesByResourceId({ resourceId: 'r1', perPage: false });
        expect(res.messages).toHaveLength(5);
        expect(res.perPage).toBe(false);
        expect(res.hasMore).toBe(false);
      });

      it('orders DESC when asked', async () => {
        await seedResources();
        const res = await mem.listMessagesByResourceId({
          resourceId: 'r1',
          perPage: 2,
          orderBy: { field: 'createdAt', direction: 'DESC' },
        });
        expect(idsOf(res.messages)).toEqual(['tb-m2', 'tb-m1']);
      });

      it('filters by dateRange', async () => {
        await seedResources();
        const res = await mem.listMessagesByResourceId({
          resourceId: 'r1',
          filter: { dateRange: { start: at(1), end: at(3) } },
        });
        expect(idsOf(res.messages)).toEqual(['ta-m1', 'tb-m0', 'tb-m1']);
        const excl = await mem.listMessagesByResourceId({
          resourceId: 'r1',
          filter: { dateRange: { start: at(1), end: at(3), startExclusive: true, endExclusive: true } },
        });
        expect(idsOf(excl.messages)).toEqual(['tb-m0']);
      });

      it('rejects an empty resourceId with "resourceId is required"', async () => {
        await expect(mem.listMessagesByResourceId({ resourceId: '' })).rejects.toThrow('resourceId is required');
      });

      it('include: a foreign target contributes nothing; perPage 0 returns only the window', async () => {
        await seedResources();
        const foreign = await mem.listMessagesByResourceId({ resourceId: 'r1', perPage: 0, include: [{ id: 'tc-m0', withNextMessages: 1 }] });
        expect(foreign.messages).toEqual([]);
        const own = await mem.listMessagesByResourceId({
          resourceId: 'r1',
          perPage: 0,
          include: [{ id: 'tb-m1', withPreviousMessages: 1, withNextMessages: 1 }],
        });
        expect(idsOf(own.messages)).toEqual(['tb-m0', 'tb-m1', 'tb-m2']);
        expect(own.total).toBe(0);
      });
    });

    // ---------------------------------------------------------------------------------------
    describe('updateMessages', () => {
      async function seedOne(content: Record<string, unknown>) {
        await mem.saveThread({ thread: makeThread('t1', 'r1') });
        await mem.saveMessages({ messages: [makeMessage('m0', 't1', 'r1', 0, { content: content as any })] });
      }
      const readOne = async (id = 'm0') => (await mem.listMessagesById({ messageIds: [id] })).messages[0]!;

      it('returns [] for an empty list', async () => {
        expect(await mem.updateMessages({ messages: [] })).toEqual([]);
      });

      it('ignores unknown ids and leaves other rows unchanged', async () => {
        const msgs = await seedThread('t1', 'r1', 2);
        const res = await mem.updateMessages({ messages: [{ id: 'ghost', role: 'assistant' }] });
        expect(res).toEqual([]);
        expect((await mem.listMessages({ threadId: 't1' })).messages).toEqual(msgs);
      });

      it('updates the role and returns the re-read rows', async () => {
        await seedThread('t1', 'r1', 2);
        const res = await mem.updateMessages({ messages: [{ id: 't1-m0', role: 'assistant' }, { id: 'ghost', role: 'user' }] });
        expect(res).toHaveLength(1);
        expect(res[0]!.id).toBe('t1-m0');
        expect(res[0]!.role).toBe('assistant');
        expect(res[0]!.createdAt).toBeInstanceOf(Date);
        expect((await readOne('t1-m0')).role).toBe('assistant');
      });

      it('updates several messages in one call', async () => {
        await seedThread('t1', 'r1', 3);
        const res = await mem.updateMessages({
          messages: [
            { id: 't1-m0', content: { content: 'zero' } as any },
            { id: 't1-m2', content: { content: 'two' } as any },
          ],
        });
        expect(res.map(m => m.id).sort()).toEqual(['t1-m0', 't1-m2']);
        expect((await readOne('t1-m0')).content.content).toBe('zero');
        expect((await readOne('t1-m1')).content.content).toBe('message t1-m1');
        expect((await readOne('t1-m2')).content.content).toBe('two');
      });

      it('metadata alone is merged and keeps content and parts', async () => {
        await seedOne(textContent('hello', { metadata: { a: 1, b: 2 } }));
        await mem.updateMessages({ messages: [{ id: 'm0', content: { metadata: { b: 3, c: 4 } } as any }] });
        const m = await readOne();
        expect(m.content.metadata).toEqual({ a: 1, b: 3, c: 4 });
        expect(m.content.parts).toEqual([{ type: 'text', text: 'hello' }]);
        expect(m.content.content).toBe('hello');
        expect(m.content.format).toBe(2);
      });

      it('metadata merge is one level deep: nested objects are replaced', async () => {
        await seedOne(textContent('x', { metadata: { nested: { keep: 1 }, top: 'y' } }));
        await mem.updateMessages({ messages: [{ id: 'm0', content: { metadata: { nested: { fresh: 2 } } } as any }] });
        expect((await readOne()).content.metadata).toEqual({ nested: { fresh: 2 }, top: 'y' });
      });

      it('metadata is set when the stored content had none', async () => {
        await seedOne(textContent('x'));
        await mem.updateMessages({ messages: [{ id: 'm0', content: { metadata: { a: 1 } } as any }] });
        const m = await readOne();
        expect(m.content.metadata).toEqual({ a: 1 });
        expect(m.content.parts).toEqual([{ type: 'text', text: 'x' }]);
      });

      it('content.content alone keeps metadata and parts', async () => {
        await seedOne(textContent('old', { metadata: { a: 1 } }));
        await mem.updateMessages({ messages: [{ id: 'm0', content: { content: 'new' } as any }] });
        const m = await readOne();
        expect(m.content.content).toBe('new');
        expect(m.content.metadata).toEqual({ a: 1 });
        expect(m.content.parts).toEqual([{ type: 'text', text: 'old' }]);
      });

      it('a full-content patch replaces parts and merges metadata keys', async () => {
        await seedOne(textContent('old', { metadata: { mastra: { sealed: true }, other: 'keep' } }));
        const patch = {
          format: 2,
          parts: [{ type: 'text', text: 'new part' }],
          metadata: { mastra: { sealed: true, unavailableAttachments: [{ url: 'u' }] } },
        };
        await mem.updateMessages({ messages: [{ id: 'm0', content: patch as any }] });
        const m = await readOne();
        expect(m.content.parts).toEqual([{ type: 'text', text: 'new part' }]);
        expect(m.content.metadata).toEqual({
          mastra: { sealed: true, unavailableAttachments: [{ url: 'u' }] },
          other: 'keep',
        });
        expect(m.content.content).toBe('old');
      });

      it('does not change createdAt', async () => {
        await seedThread('t1', 'r1', 2);
        await mem.updateMessages({ messages: [{ id: 't1-m1', role: 'user', content: { content: 'c' } as any }] });
        expectSameDate((await readOne('t1-m1')).createdAt, at(1));
      });

      it("bumps the thread's updatedAt", async () => {
        await seedThread('t1', 'r1', 1);
        await mem.saveThread({ thread: makeThread('t1', 'r1') }); // reset updatedAt to at(0)
        await mem.updateMessages({ messages: [{ id: 't1-m0', content: { content: 'z' } as any }] });
        expect((await mem.getThreadById({ threadId: 't1' }))!.updatedAt.getTime()).toBeGreaterThan(at(0).getTime());
      });

      it('moving threadId bumps both threads and moves the message between lists', async () => {
        await seedThread('t1', 'r1', 2);
        await mem.saveThread({ thread: makeThread('t1', 'r1') });
        await mem.saveThread({ thread: makeThread('t2', 'r1') });
        const res = await mem.updateMessages({ messages: [{ id: 't1-m0', threadId: 't2' }] });
        expect(res[0]!.threadId).toBe('t2');
        expect(idsOf((await mem.listMessages({ threadId: 't1' })).messages)).toEqual(['t1-m1']);
        expect(idsOf((await mem.listMessages({ threadId: 't2' })).messages)).toEqual(['t1-m0']);
        expect((await mem.getThreadById({ threadId: 't1' }))!.updatedAt.getTime()).toBeGreaterThan(at(0).getTime());
        expect((await mem.getThreadById({ threadId: 't2' }))!.updatedAt.getTime()).toBeGreaterThan(at(0).getTime());
      });

      it('updates resourceId', async () => {
        await seedThread('t1', 'r1', 2);
        await mem.updateMessages({ messages: [{ id: 't1-m1', resourceId: 'r9' }] });
        expect((await readOne('t1-m1')).resourceId).toBe('r9');
        expect(idsOf((await mem.listMessages({ threadId: 't1', resourceId: 'r9' })).messages)).toEqual(['t1-m1']);
      });
    });

    // ---------------------------------------------------------------------------------------
    describe('deleteMessages', () => {
      it('is a no-op for []', async () => {
        await seedThread('t1', 'r1', 2);
        await expect(mem.deleteMessages([])).resolves.toBeUndefined();
        expect((await mem.listMessages({ threadId: 't1' })).total).toBe(2);
      });

      it('deletes the given ids only', async () => {
        await seedThread('t1', 'r1', 3);
        await mem.deleteMessages(['t1-m1']);
        expect(idsOf((await mem.listMessages({ threadId: 't1' })).messages)).toEqual(['t1-m0', 't1-m2']);
      });

      it('unknown ids are fine; mixed lists delete the valid ones', async () => {
        await seedThread('t1', 'r1', 3);
        await expect(mem.deleteMessages(['ghost-1', 'ghost-2'])).resolves.toBeUndefined();
        expect((await mem.listMessages({ threadId: 't1' })).total).toBe(3);
        await mem.deleteMessages(['ghost', 't1-m0', 't1-m2']);
        expect(idsOf((await mem.listMessages({ threadId: 't1' })).messages)).toEqual(['t1-m1']);
      });

      it('works across threads', async () => {
        await seedThread('t1', 'r1', 2);
        await seedThread('t2', 'r2', 2, { start: 5 });
        await mem.deleteMessages(['t1-m0', 't2-m1']);
        expect(idsOf((await mem.listMessages({ threadId: 't1' })).messages)).toEqual(['t1-m1']);
        expect(idsOf((await mem.listMessages({ threadId: 't2' })).messages)).toEqual(['t2-m0']);
      });

      it('deletes 100 ids in one call', async () => {
        await seedThread('t1', 'r1', 105);
        const ids = Array.from({ length: 100 }, (_, k) => `t1-m${k}`);
        await mem.deleteMessages(ids);
        const res = await mem.listMessages({ threadId: 't1', perPage: false });
        expect(idsOf(res.messages)).toEqual(['t1-m100', 't1-m101', 't1-m102', 't1-m103', 't1-m104']);
      });

      it('bumps updatedAt of every affected thread, not of others', async () => {
        await seedThread('t1', 'r1', 2);
        await seedThread('t2', 'r1', 2, { start: 5 });
        await seedThread('t3', 'r1', 2, { start: 10 });
        for (const id of ['t1', 't2', 't3']) await mem.saveThread({ thread: makeThread(id, 'r1') });
        await mem.deleteMessages(['t1-m0', 't2-m0']);
        expect((await mem.getThreadById({ threadId: 't1' }))!.updatedAt.getTime()).toBeGreaterThan(at(0).getTime());
        expect((await mem.getThreadById({ threadId: 't2' }))!.updatedAt.getTime()).toBeGreaterThan(at(0).getTime());
        expectSameDate((await mem.getThreadById({ threadId: 't3' }))!.updatedAt, at(0));
      });
    });

    // ---------------------------------------------------------------------------------------
    describe('resources', () => {
      const resource = (over: Record<string, unknown> = {}) => ({
        id: 'res-1',
        workingMemory: '# wm',
        metadata: { a: 1 },
        createdAt: at(0),
        updatedAt: at(1),
        ...over,
      });

      it('getResourceById returns null for a missing resource', async () => {
        expect(await mem.getResourceById({ resourceId: 'nope' })).toBeNull();
      });

      it('saveResource returns the input and round-trips with Date timestamps', async () => {
        const input = resource();
        expect(await mem.saveResource({ resource: input as any })).toEqual(input);
        const got = await mem.getResourceById({ resourceId: 'res-1' });
        expect(got!.id).toBe('res-1');
        expect(got!.workingMemory).toBe('# wm');
        expect(got!.metadata).toEqual({ a: 1 });
        expectSameDate(got!.createdAt, at(0));
        expectSameDate(got!.updatedAt, at(1));
      });

      // @mastra/pg's saveResource is a plain INSERT (no ON CONFLICT): saving an existing id
      // rejects with 23505 duplicate key "mastra_resources_pkey".
      notOnPg('saveResource is an upsert', async () => {
        await mem.saveResource({ resource: resource() as any });
        await mem.saveResource({ resource: resource({ workingMemory: 'second', metadata: { b: 2 } }) as any });
        const got = await mem.getResourceById({ resourceId: 'res-1' });
        expect(got!.workingMemory).toBe('second');
        expect(got!.metadata).toEqual({ b: 2 });
      });

      it("round-trips an empty-string workingMemory as ''", async () => {
        await mem.saveResource({ resource: resource({ workingMemory: '' }) as any });
        expect((await mem.getResourceById({ resourceId: 'res-1' }))!.workingMemory).toBe('');
      });

      it('undefined workingMemory and metadata read back falsy', async () => {
        await mem.saveResource({ resource: resource({ workingMemory: undefined, metadata: undefined }) as any });
        const got = await mem.getResourceById({ resourceId: 'res-1' });
        expect(got).not.toBeNull();
        expect(got!.workingMemory).toBeFalsy();
        expect(got!.metadata).toBeFalsy();
      });

      it('round-trips {} metadata as {}', async () => {
        await mem.saveResource({ resource: resource({ metadata: {} }) as any });
        expect((await mem.getResourceById({ resourceId: 'res-1' }))!.metadata).toEqual({});
      });

      it('round-trips nested metadata with nulls', async () => {
        const metadata = { a: { b: { c: [1, null, { d: null }] } }, e: null, f: 'ü', g: false, h: 0 };
        await mem.saveResource({ resource: resource({ metadata }) as any });
        expect((await mem.getResourceById({ resourceId: 'res-1' }))!.metadata).toEqual(metadata);
      });

      it('round-trips a 10KB workingMemory', async () => {
        const wm = Array.from({ length: 10 * 1024 }, (_, i) => 'abcdefghij\n'[i % 11]).join('');
        await mem.saveResource({ resource: resource({ workingMemory: wm }) as any });
        expect((await mem.getResourceById({ resourceId: 'res-1' }))!.workingMemory).toBe(wm);
      });

      it('updateResource creates a missing resource with metadata {}', async () => {
        const before = Date.now();
        const res = await mem.updateResource({ resourceId: 'new-res', workingMemory: 'hi' });
        expect(res.id).toBe('new-res');
        expect(res.workingMemory).toBe('hi');
        expect(res.metadata).toEqual({});
        const got = await mem.getResourceById({ resourceId: 'new-res' });
        expect(got!.workingMemory).toBe('hi');
        expect(got!.metadata).toEqual({});
        expect(got!.createdAt.getTime()).toBeGreaterThanOrEqual(before - 5);
        expect(got!.updatedAt.getTime()).toBeGreaterThanOrEqual(before - 5);
      });

      it('updateResource creates with the given metadata', async () => {
        await mem.updateResource({ resourceId: 'new-res', metadata: { x: 1 } });
        expect((await mem.getResourceById({ resourceId: 'new-res' }))!.metadata).toEqual({ x: 1 });
      });

      it('updateResource replaces workingMemory only when provided', async () => {
        await mem.saveResource({ resource: resource() as any });
        await mem.updateResource({ resourceId: 'res-1', metadata: { b: 2 } });
        expect((await mem.getResourceById({ resourceId: 'res-1' }))!.workingMemory).toBe('# wm');
        await mem.updateResource({ resourceId: 'res-1', workingMemory: 'replaced' });
        expect((await mem.getResourceById({ resourceId: 'res-1' }))!.workingMemory).toBe('replaced');
      });

      it('updateResource shallow-merges metadata and keeps it when omitted', async () => {
        await mem.saveResource({ resource: resource({ metadata: { a: 1, nested: { x: 1 } } }) as any });
        const res = await mem.updateResource({ resourceId: 'res-1', metadata: { b: 2, nested: { y: 2 } } });
        expect(res.metadata).toEqual({ a: 1, b: 2, nested: { y: 2 } });
        await mem.updateResource({ resourceId: 'res-1', workingMemory: 'w' });
        expect((await mem.getResourceById({ resourceId: 'res-1' }))!.metadata).toEqual({ a: 1, b: 2, nested: { y: 2 } });
      });

      it('updateResource sets updatedAt strictly later and keeps createdAt', async () => {
        await mem.updateResource({ resourceId: 'res-2', workingMemory: 'a' });
        const first = (await mem.getResourceById({ resourceId: 'res-2' }))!;
        await sleep(10);
        await mem.updateResource({ resourceId: 'res-2', workingMemory: 'b' });
        const second = (await mem.getResourceById({ resourceId: 'res-2' }))!;
        expect(second.updatedAt.getTime()).toBeGreaterThan(first.updatedAt.getTime());
        expect(second.createdAt.getTime()).toBe(first.createdAt.getTime());
      });

      it('updateResource returns the merged record, equal to a fresh read', async () => {
        await mem.saveResource({ resource: resource() as any });
        const res = await mem.updateResource({ resourceId: 'res-1', workingMemory: 'new', metadata: { z: 26 } });
        const got = await mem.getResourceById({ resourceId: 'res-1' });
        expect(res.workingMemory).toBe('new');
        expect(res.metadata).toEqual({ a: 1, z: 26 });
        expect(got!.workingMemory).toBe(res.workingMemory);
        expect(got!.metadata).toEqual(res.metadata);
        expect(got!.updatedAt.getTime()).toBe(res.updatedAt.getTime());
        expectSameDate(got!.createdAt, at(0));
      });

      it('three concurrent updateResource calls all resolve', async () => {
        await mem.saveResource({ resource: resource() as any });
        const results = await Promise.all(
          [1, 2, 3].map(i => mem.updateResource({ resourceId: 'res-1', workingMemory: `wm-${i}` })),
        );
        expect(results).toHaveLength(3);
        expect(['wm-1', 'wm-2', 'wm-3']).toContain((await mem.getResourceById({ resourceId: 'res-1' }))!.workingMemory);
      });
    });

    // ---------------------------------------------------------------------------------------
    describe('copyThread / cloneThread', () => {
      async function seedSource(n = 5, thread: Record<string, unknown> = {}) {
        return seedThread('src', 'r1', n, { thread: { title: 'Source', metadata: { own: 'source-only' }, ...thread } });
      }

      it('copyThread creates "Clone of <title>" with clone metadata and does not copy source metadata', async () => {
        await seedSource();
        const before = Date.now();
        const { thread, messageIdMap } = await mem.copyThread({ sourceThreadId: 'src', newThreadId: 'copy', metadata: { extra: 1 } });
        expect(thread.id).toBe('copy');
        expect(thread.title).toBe('Clone of Source');
        expect(thread.resourceId).toBe('r1');
        expect(thread.metadata!.extra).toBe(1);
        expect(thread.metadata!.own).toBeUndefined();
        expect((thread.metadata!.clone as any).sourceThreadId).toBe('src');
        expect(thread.createdAt.getTime()).toBeGreaterThanOrEqual(before - 5);
        expect(Object.keys(messageIdMap!).sort()).toEqual(['src-m0', 'src-m1', 'src-m2', 'src-m3', 'src-m4']);
        const stored = await mem.getThreadById({ threadId: 'copy' });
        expect(stored!.title).toBe('Clone of Source');
        expect((stored!.metadata!.clone as any).sourceThreadId).toBe('src');
        expect(stored!.metadata!.own).toBeUndefined();
        expect(new Date((stored!.metadata!.clone as any).clonedAt).getTime()).toBeGreaterThanOrEqual(before - 5);
      });

      it('copies messages under new ids, keeping content, role and createdAt', async () => {
        const src = await seedSource(4);
        const { messageIdMap } = await mem.copyThread({ sourceThreadId: 'src', newThreadId: 'copy' });
        const copied = (await mem.listMessages({ threadId: 'copy', perPage: false })).messages;
        expect(copied).toHaveLength(4);
        for (const [k, m] of copied.entries()) {
          const original = src[k]!;
          expect(m.id).not.toBe(original.id);
          expect(m.id).toBe(messageIdMap![original.id]);
          expect(m.threadId).toBe('copy');
          expect(m.resourceId).toBe('r1');
          expect(m.role).toBe(original.role);
          expect(m.content).toEqual(original.content);
          expectSameDate(m.createdAt, original.createdAt);
        }
        expect(new Set(Object.values(messageIdMap!)).size).toBe(4);
      });

      it('leaves the source thread and its messages untouched', async () => {
        const src = await seedSource(3);
        await mem.copyThread({ sourceThreadId: 'src', newThreadId: 'copy' });
        expect((await mem.listMessages({ threadId: 'src' })).messages).toEqual(src);
        expect((await mem.getThreadById({ threadId: 'src' }))!.metadata).toEqual({ own: 'source-only' });
      });

      it('uses the given title, and a random id when newThreadId is omitted', async () => {
        await seedSource(1);
        const { thread } = await mem.copyThread({ sourceThreadId: 'src', title: 'Custom' });
        expect(thread.title).toBe('Custom');
        expect(thread.id).toMatch(/^[0-9a-f-]{36}$/i);
        expect((await mem.getThreadById({ threadId: thread.id }))!.title).toBe('Custom');
        expect((await mem.listMessages({ threadId: thread.id })).total).toBe(1);
      });

      it("an untitled source gives title ''", async () => {
        await seedSource(1, { title: '' });
        const { thread } = await mem.copyThread({ sourceThreadId: 'src', newThreadId: 'copy' });
        expect(thread.title).toBe('');
      });

      it('resourceId override applies to the thread and every copied message', async () => {
        await seedSource(3);
        const { thread } = await mem.copyThread({ sourceThreadId: 'src', newThreadId: 'copy', resourceId: 'r-new' });
        expect(thread.resourceId).toBe('r-new');
        expect((await mem.getThreadById({ threadId: 'copy', resourceId: 'r-new' }))).not.toBeNull();
        const res = await mem.listMessages({ threadId: 'copy', resourceId: 'r-new' });
        expect(res.total).toBe(3);
        expect((await mem.listMessages({ threadId: 'copy', resourceId: 'r1' })).total).toBe(0);
      });

      it('messageLimit keeps the N most recent, in ascending order', async () => {
        const src = await seedSource(6);
        const { messageIdMap, thread } = await mem.copyThread({ sourceThreadId: 'src', newThreadId: 'copy', options: { messageLimit: 2 } });
        expect(Object.keys(messageIdMap!).sort()).toEqual(['src-m4', 'src-m5']);
        const copied = (await mem.listMessages({ threadId: 'copy' })).messages;
        expect(copied.map(m => m.createdAt.getTime())).toEqual([src[4]!.createdAt.getTime(), src[5]!.createdAt.getTime()]);
        expect((thread.metadata!.clone as any).lastMessageId).toBe('src-m5');
      });

      it('messageFilter startDate/endDate are inclusive', async () => {
        await seedSource(6);
        const { messageIdMap } = await mem.copyThread({
          sourceThreadId: 'src',
          newThreadId: 'copy',
          options: { messageFilter: { startDate: at(1), endDate: at(3) } },
        });
        expect(Object.keys(messageIdMap!).sort()).toEqual(['src-m1', 'src-m2', 'src-m3']);
        expect((await mem.listMessages({ threadId: 'copy' })).total).toBe(3);
      });

      it('messageFilter messageIds restricts the set (source thread only)', async () => {
        await seedSource(5);
        await seedThread('other', 'r1', 2, { start: 20 });
        const { messageIdMap } = await mem.copyThread({
          sourceThreadId: 'src',
          newThreadId: 'copy',
          options: { messageFilter: { messageIds: ['src-m0', 'src-m3', 'other-m0'] } },
        });
        expect(Object.keys(messageIdMap!).sort()).toEqual(['src-m0', 'src-m3']);
      });

      it('combines messageIds with messageLimit', async () => {
        await seedSource(6);
        const { messageIdMap } = await mem.copyThread({
          sourceThreadId: 'src',
          newThreadId: 'copy',
          options: { messageLimit: 1, messageFilter: { messageIds: ['src-m0', 'src-m2'] } },
        });
        expect(Object.keys(messageIdMap!)).toEqual(['src-m2']);
      });

      it('copies a thread without messages', async () => {
        await seedSource(0);
        const { thread, messageIdMap } = await mem.copyThread({ sourceThreadId: 'src', newThreadId: 'copy' });
        expect(thread.id).toBe('copy');
        expect(messageIdMap ?? {}).toEqual({});
        expect((thread.metadata!.clone as any).lastMessageId).toBeUndefined();
        expect(await mem.getThreadById({ threadId: 'copy' })).not.toBeNull();
      });

      it('rejects a missing source with "Source thread with id X not found"', async () => {
        const err = await rejectionOf(mem.copyThread({ sourceThreadId: 'ghost', newThreadId: 'copy' }));
        expect(String(err.message)).toContain('Source thread with id ghost not found');
        expect(await mem.getThreadById({ threadId: 'copy' })).toBeNull();
      });

      it('rejects an existing newThreadId with "Thread with id X already exists" and changes nothing', async () => {
        await seedSource(2);
        await seedThread('taken', 'r2', 1, { start: 50, thread: { title: 'Taken' } });
        const err = await rejectionOf(mem.copyThread({ sourceThreadId: 'src', newThreadId: 'taken' }));
        expect(String(err.message)).toContain('Thread with id taken already exists');
        const taken = await mem.getThreadById({ threadId: 'taken' });
        expect(taken!.title).toBe('Taken');
        expect(taken!.resourceId).toBe('r2');
        expect(idsOf((await mem.listMessages({ threadId: 'taken' })).messages)).toEqual(['taken-m0']);
      });

      it('cloneThread returns the thread, clonedMessages ASC and the id map', async () => {
        await seedSource(3);
        const res = await mem.cloneThread({ sourceThreadId: 'src', newThreadId: 'clone', options: { messageLimit: 2 } });
        expect(res.thread.id).toBe('clone');
        expect(res.thread.title).toBe('Clone of Source');
        expect(res.clonedMessages.map(m => m.id)).toEqual([res.messageIdMap!['src-m1'], res.messageIdMap!['src-m2']]);
        expect(res.clonedMessages.every(m => m.threadId === 'clone')).toBe(true);
        expect(res.clonedMessages.map(m => m.createdAt.getTime())).toEqual([at(1).getTime(), at(2).getTime()]);
      });

      it('cloneThread errors like copyThread', async () => {
        await expect(mem.cloneThread({ sourceThreadId: 'ghost' })).rejects.toThrow('Source thread with id ghost not found');
      });

      nativeOnly('clone errors carry NOT_FOUND / CONFLICT codes with category USER', async () => {
        await seedSource(1);
        expectNativeError(await rejectionOf(mem.copyThread({ sourceThreadId: 'ghost' })), { category: 'USER', code: 'NOT_FOUND' });
        expectNativeError(await rejectionOf(mem.copyThread({ sourceThreadId: 'src', newThreadId: 'src' })), {
          category: 'USER',
          code: 'CONFLICT',
        });
      });
    });

    // ---------------------------------------------------------------------------------------
    describe('updateThreadResourceId', () => {
      it('moves the thread and all its messages to the new resource, keeping createdAt', async () => {
        await seedThread('t1', 'r1', 3, { thread: { createdAt: at(5), updatedAt: at(6) } });
        const res = await mem.updateThreadResourceId({ threadId: 't1', resourceId: 'r2' });
        expect(res.resourceId).toBe('r2');
        expectSameDate(res.createdAt, at(5));
        expect(res.updatedAt.getTime()).toBeGreaterThan(at(6).getTime());
        const stored = await mem.getThreadById({ threadId: 't1', resourceId: 'r2' });
        expect(stored).not.toBeNull();
        expectSameDate(stored!.createdAt, at(5));
        expect(await mem.getThreadById({ threadId: 't1', resourceId: 'r1' })).toBeNull();
        const msgs = await mem.listMessages({ threadId: 't1' });
        expect(msgs.messages.map(m => m.resourceId)).toEqual(['r2', 'r2', 'r2']);
        expect((await mem.listMessagesByResourceId({ resourceId: 'r1' })).total).toBe(0);
        expect((await mem.listMessagesByResourceId({ resourceId: 'r2' })).total).toBe(3);
      });

      it('does not touch other threads of the old resource', async () => {
        await seedThread('t1', 'r1', 2);
        await seedThread('t2', 'r1', 2, { start: 5 });
        await mem.updateThreadResourceId({ threadId: 't1', resourceId: 'r2' });
        expect((await mem.getThreadById({ threadId: 't2' }))!.resourceId).toBe('r1');
        expect(idsOf((await mem.listMessagesByResourceId({ resourceId: 'r1' })).messages)).toEqual(['t2-m0', 't2-m1']);
      });

      it('is a no-op for the same resource', async () => {
        await seedThread('t1', 'r1', 1, { thread: { updatedAt: at(7) } });
        const res = await mem.updateThreadResourceId({ threadId: 't1', resourceId: 'r1' });
        expect(res.id).toBe('t1');
        expect(res.resourceId).toBe('r1');
        const stored = await mem.getThreadById({ threadId: 't1' });
        expect(stored!.resourceId).toBe('r1');
        expect((await mem.listMessages({ threadId: 't1', resourceId: 'r1' })).total).toBe(1);
      });

      it('rejects for a missing thread', async () => {
        await expect(mem.updateThreadResourceId({ threadId: 'ghost', resourceId: 'r2' })).rejects.toThrow(/not found/);
        expect(await threadCount()).toBe(0);
      });
    });

    // ---------------------------------------------------------------------------------------
    describe('dangerouslyClearAll', () => {
      it('wipes threads, messages and resources', async () => {
        await seedThread('t1', 'r1', 3);
        await mem.saveResource({ resource: { id: 'r1', workingMemory: 'x', metadata: {}, createdAt: at(0), updatedAt: at(0) } });
        await mem.dangerouslyClearAll();
        expect(await mem.getThreadById({ threadId: 't1' })).toBeNull();
        expect((await mem.listThreads({})).total).toBe(0);
        expect((await mem.listMessages({ threadId: 't1' })).total).toBe(0);
        expect((await mem.listMessagesById({ messageIds: ['t1-m0'] })).messages).toEqual([]);
        expect(await mem.getResourceById({ resourceId: 'r1' })).toBeNull();
      });

      it('leaves the store usable', async () => {
        await seedThread('t1', 'r1', 1);
        await mem.dangerouslyClearAll();
        await seedThread('t1', 'r1', 2);
        expect((await mem.listMessages({ threadId: 't1' })).total).toBe(2);
      });

      it('is fine on an empty store', async () => {
        await expect(mem.dangerouslyClearAll()).resolves.toBeUndefined();
        expect((await mem.listThreads({})).total).toBe(0);
      });
    });

  });
});
