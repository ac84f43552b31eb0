// NativeStore-only behaviour beyond @mastra/libsql: the flat API of the documented
// MastraCompositeStore interface, includeTotal:false (no COUNT, peeked hasMore), id as the
// tie-breaker for equal timestamps, timestamp normalisation, and monotonic updatedAt.
// Runs on every native target: SQLite (':memory:') and PostgreSQL (one schema for the file,
// its memory tables emptied with plain SQL before each test).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NativeStore } from '../index.js';
import { nativeConfig, nativeTargets, tmpDbUrl } from './helpers/stores';
import { schemaOf, truncateMemory } from './helpers/memory-pg';
import { at, idsOf, makeMessage, makeThread } from './helpers/memory-fixtures';

// The native targets run concurrently (independent databases), each one's tests in order.
describe.concurrent.each(nativeTargets)('NativeStore only [%s]', target => {
  describe.sequential(target === 'native-pg' ? 'PostgreSQL' : 'SQLite', () => {
    let store: NativeStore;
    const location = tmpDbUrl(`native-${target}`);
    const schema = schemaOf(target, location);
    if (schema) {
      beforeAll(async () => {
        store = new NativeStore({ id: 'native-only', ...nativeConfig(target, location) });
        await store.init();
      });
      beforeEach(async () => {
        await truncateMemory(schema);
      });
      afterAll(async () => {
        await store.close();
      });
    } else {
      beforeEach(async () => {
        store = new NativeStore({ id: 'native-only', url: ':memory:' });
        await store.init();
      });
      afterEach(async () => {
        await store.close();
      });
    }

    describe('flat API on the store', () => {
      it('delegates every method to the memory domain', async () => {
        const t = makeThread('t1', 'r1');
        expect(await store.saveThread(t)).toEqual(t);
        expect((await store.getThreadById('t1'))?.title).toBe(t.title);
        const msgs = [makeMessage('m2', 't1', 'r1', 2), makeMessage('m1', 't1', 'r1', 1)];
        const saved = await store.saveMessages(msgs);
        expect(idsOf(saved)).toEqual(['m1', 'm2']); // oldest first
        expect((await store.listThreads({ filter: { resourceId: 'r1' } })).total).toBe(1);
        expect(idsOf((await store.listMessages({ threadId: 't1' })).messages)).toEqual(['m1', 'm2']);
        expect(idsOf((await store.listMessagesByResourceId({ resourceId: 'r1' })).messages)).toEqual(['m1', 'm2']);
        const clone = await store.cloneThread({ sourceThreadId: 't1', newThreadId: 't2' });
        expect(clone.clonedMessages).toHaveLength(2);
        expect(clone.thread.metadata?.clone).toMatchObject({ sourceThreadId: 't1', lastMessageId: 'm2' });
        await store.deleteThread('t2');
        expect(await store.getThreadById('t2')).toBeNull();
      });

      it('deleteMessage removes the message only from the named thread', async () => {
        await store.saveThread(makeThread('t1', 'r1'));
        await store.saveMessages([makeMessage('m1', 't1', 'r1', 1), makeMessage('m2', 't1', 'r1', 2)]);
        await store.deleteMessage({ id: 'm1', threadId: 'other-thread' });
        expect((await store.listMessages({ threadId: 't1' })).total).toBe(2);
        await store.deleteMessage({ id: 'm1', threadId: 't1' });
        expect(idsOf((await store.listMessages({ threadId: 't1' })).messages)).toEqual(['m2']);
      });
    });

    describe('listMessages with includeTotal: false', () => {
      beforeEach(async () => {
        await store.saveThread(makeThread('t', 'r'));
        await store.saveMessages(Array.from({ length: 7 }, (_, i) => makeMessage(`m${i}`, 't', 'r', i)));
      });

      it('peeks one row for hasMore instead of counting', async () => {
        const first = await store.listMessages({ threadId: 't', perPage: 3, includeTotal: false, orderBy: { field: 'createdAt', direction: 'DESC' } });
        expect(idsOf(first.messages)).toEqual(['m6', 'm5', 'm4']);
        expect(first.hasMore).toBe(true);
        expect(first.total).toBe(3);
        const last = await store.listMessages({ threadId: 't', perPage: 3, page: 2, includeTotal: false });
        expect(idsOf(last.messages)).toEqual(['m6']);
        expect(last.hasMore).toBe(false);
      });

      it('returns exactly the rows the counted call returns', async () => {
        for (const page of [0, 1, 2, 3]) {
          const a = await store.listMessages({ threadId: 't', perPage: 2, page });
          const b = await store.listMessages({ threadId: 't', perPage: 2, page, includeTotal: false });
          expect(idsOf(b.messages)).toEqual(idsOf(a.messages));
          expect(b.hasMore).toBe(a.hasMore);
        }
      });
    });

    describe('ordering and timestamps', () => {
      it('breaks createdAt ties by id, in lists and include windows', async () => {
        await store.saveThread(makeThread('t', 'r'));
        const same = at(5);
        await store.saveMessages(['c', 'a', 'b'].map(id => makeMessage(id, 't', 'r', 0, { createdAt: same })));
        expect(idsOf((await store.listMessages({ threadId: 't' })).messages)).toEqual(['a', 'b', 'c']);
        expect(idsOf((await store.listMessages({ threadId: 't', orderBy: { field: 'createdAt', direction: 'DESC' } })).messages)).toEqual(['c', 'b', 'a']);
        const win = await store.listMessages({ threadId: 't', perPage: 0, include: [{ id: 'b', withPreviousMessages: 1 }] });
        expect(idsOf(win.messages)).toEqual(['a', 'b']);
      });

      it('stores string timestamps in toISOString form so ranges compare as times', async () => {
        await store.saveThread(makeThread('t', 'r'));
        await store.saveMessages([
          makeMessage('early', 't', 'r', 0, { createdAt: '2024-01-01T02:00:00+02:00' as unknown as Date }),
          makeMessage('late', 't', 'r', 0, { createdAt: '2024-01-01T00:30:00Z' as unknown as Date }),
        ]);
        const { messages } = await store.listMessages({ threadId: 't' });
        expect(idsOf(messages)).toEqual(['early', 'late']);
        expect(messages[0].createdAt.toISOString()).toBe('2024-01-01T00:00:00.000Z');
        const range = await store.listMessages({ threadId: 't', filter: { dateRange: { start: '2024-01-01T00:00:00Z' as unknown as Date, startExclusive: true } } });
        expect(idsOf(range.messages)).toEqual(['late']);
      });

      it('an invalid timestamp is a USER error and nothing is written', async () => {
        await store.saveThread(makeThread('t', 'r'));
        const err = await store
          .saveMessages([makeMessage('ok', 't', 'r', 1), makeMessage('bad', 't', 'r', 2, { createdAt: 'yesterday' as unknown as Date })])
          .then(() => null, e => e);
        expect(err?.category).toBe('USER');
        expect(err?.details?.code).toBe('INVALID_ARGUMENT');
        expect((await store.listMessages({ threadId: 't' })).total).toBe(0);
      });

      it('updatedAt always moves forward, even within one millisecond', async () => {
        const memory = (await store.getStore('memory'))!;
        await store.saveThread(makeThread('t', 'r', { updatedAt: new Date(Date.now() + 60_000) }));
        const before = (await store.getThreadById('t'))!.updatedAt.getTime();
        const a = await memory.updateThread({ id: 't', title: 'x' });
        const b = await memory.updateThread({ id: 't', title: 'y' });
        expect(a.updatedAt.getTime()).toBeGreaterThan(before);
        expect(b.updatedAt.getTime()).toBeGreaterThan(a.updatedAt.getTime());
        const r1 = await memory.updateResource({ resourceId: 'res', workingMemory: 'a' });
        const r2 = await memory.updateResource({ resourceId: 'res', workingMemory: 'b' });
        expect(r2.updatedAt.getTime()).toBeGreaterThan(r1.updatedAt.getTime());
      });
    });
  });
});
