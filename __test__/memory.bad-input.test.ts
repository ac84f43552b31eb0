// Bad input against NativeStore's memory domain: every rejection must be a USER MastraError
// (id MASTRA_STORAGE_NATIVE_*_FAILED, details.code INVALID_ARGUMENT) and must leave the
// database exactly as it was. NativeStore only (@mastra/libsql and @mastra/pg are not held to
// this), on every native target: SQLite ('native') and PostgreSQL ('native-pg').
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MemoryStorage } from '@mastra/core/storage';
import { NativeStore } from '../index.js';
import { nativeConfig, nativeTargets, tmpDbUrl, type Target } from './helpers/stores';
import { PG_URL } from './helpers/pg';
import { schemaOf, tablesOf, truncateMemory } from './helpers/memory-pg';
import { at, expectNativeError, idsOf, makeMessage, makeThread, rejectionOf, textContent } from './helpers/memory-fixtures';

const USER_INVALID = { category: 'USER', code: 'INVALID_ARGUMENT' } as const;

// The native targets run concurrently (independent databases), each one's tests in order.
describe.concurrent.each(nativeTargets)('memory bad input [%s]', (target: Target) => {
  describe.sequential(target === 'native-pg' ? 'PostgreSQL' : 'SQLite', () => {
    let store: NativeStore;
    let mem: MemoryStorage;

    // SQLite: a fresh file per test. PostgreSQL: one schema for the block, emptied (plain SQL)
    // before each test, so the suite does not pay a schema creation per test.
    const location = tmpDbUrl(`bad-input-${target}`);
    const schema = schemaOf(target, location);
    const open = async (url?: string) => {
      const s = new NativeStore({ id: `bad-input-${target}`, ...nativeConfig(target, url) });
      await s.init();
      return s;
    };

    async function seedBaseline() {
      // Baseline: 2 threads, 3 messages, 1 resource.
      await mem.saveThread({ thread: makeThread('t1', 'r1', { metadata: { kind: 'a' } }) });
      await mem.saveThread({ thread: makeThread('t2', 'r1') });
      await mem.saveMessages({
        messages: [makeMessage('m0', 't1', 'r1', 0), makeMessage('m1', 't1', 'r1', 1), makeMessage('m2', 't2', 'r1', 2)],
      });
      // saveMessages bumped updatedAt; pin it back so "unchanged" is checkable.
      await mem.saveThread({ thread: makeThread('t1', 'r1', { metadata: { kind: 'a' } }) });
      await mem.saveThread({ thread: makeThread('t2', 'r1') });
      await mem.saveResource({ resource: { id: 'r1', workingMemory: 'wm', metadata: {}, createdAt: at(0), updatedAt: at(0) } });
    }

    if (schema) {
      beforeAll(async () => {
        store = await open(location);
        mem = (await store.getStore('memory')) as MemoryStorage;
      });
      beforeEach(async () => {
        await truncateMemory(schema);
        await seedBaseline();
      });
      afterAll(async () => {
        await store?.close();
      });
    } else {
      beforeEach(async () => {
        store = await open();
        mem = (await store.getStore('memory')) as MemoryStorage;
        await seedBaseline();
      });
      afterEach(async () => {
        await store?.close();
      });
    }

    /** The database still holds exactly the baseline rows, and every table still answers queries. */
    async function expectBaselineIntact() {
      const threads = await mem.listThreads({ perPage: false });
      expect(idsOf(threads.threads).sort()).toEqual(['t1', 't2']);
      expect(idsOf((await mem.listMessages({ threadId: ['t1', 't2'], perPage: false })).messages)).toEqual(['m0', 'm1', 'm2']);
      expect((await mem.listMessagesByResourceId({ resourceId: 'r1', perPage: false })).total).toBe(3);
      const t1 = await mem.getThreadById({ threadId: 't1' });
      expect(t1!.updatedAt.getTime()).toBe(at(0).getTime());
      expect(t1!.metadata).toEqual({ kind: 'a' });
      expect((await mem.getResourceById({ resourceId: 'r1' }))!.workingMemory).toBe('wm');
    }

    it('saveThread with an empty id is a USER error and writes nothing', async () => {
      const err = await rejectionOf(mem.saveThread({ thread: makeThread('', 'r1') }));
      expectNativeError(err, USER_INVALID);
      await expectBaselineIntact();
    });

    it('getThreadById with an empty id is a USER error', async () => {
      const err = await rejectionOf(mem.getThreadById({ threadId: '' }));
      expectNativeError(err, USER_INVALID);
      await expectBaselineIntact();
    });

    it('a batch of 3 whose 2nd message lacks resourceId stores none of them and keeps updatedAt', async () => {
      const batch = [
        makeMessage('n0', 't1', 'r1', 10),
        { ...makeMessage('n1', 't1', 'r1', 11), resourceId: undefined } as any,
        makeMessage('n2', 't1', 'r1', 12),
      ];
      const err = await rejectionOf(mem.saveMessages({ messages: batch }));
      expectNativeError(err, USER_INVALID);
      expect((await mem.listMessagesById({ messageIds: ['n0', 'n1', 'n2'] })).messages).toEqual([]);
      await expectBaselineIntact();
    });

    it('a message lacking threadId is a USER error and writes nothing', async () => {
      const batch = [makeMessage('n0', 't1', 'r1', 10), { ...makeMessage('n1', 't1', 'r1', 11), threadId: undefined } as any];
      expectNativeError(await rejectionOf(mem.saveMessages({ messages: batch })), USER_INVALID);
      expect((await mem.listMessagesById({ messageIds: ['n0', 'n1'] })).messages).toEqual([]);
      await expectBaselineIntact();
    });

    it("listThreads with metadata key `a'; DROP TABLE x` is rejected and the tables survive", async () => {
      const err = await rejectionOf(mem.listThreads({ filter: { metadata: { "a'; DROP TABLE mastra_threads; --": 1 } } }));
      expectNativeError(err, { category: 'USER' });
      const err2 = await rejectionOf(mem.listThreads({ filter: { metadata: { "a'; DROP TABLE x": 'v' } } }));
      expectNativeError(err2, { category: 'USER' });
      await expectBaselineIntact();
      expect((await mem.listThreads({ filter: { metadata: { kind: 'a' } } })).total).toBe(1);
      if (schema) {
        // The PostgreSQL schema still holds every memory table.
        expect(await tablesOf(schema)).toEqual(expect.arrayContaining(['mastra_messages', 'mastra_resources', 'mastra_threads']));
      }
    });

    it.each([
      ['__proto__', '__proto__'],
      ['constructor', 'constructor'],
      ['a key over 128 characters', 'k'.repeat(129)],
      ['a dotted path', 'a.b'],
    ])('listThreads rejects metadata key %s', async (_label, key) => {
      expectNativeError(await rejectionOf(mem.listThreads({ filter: { metadata: JSON.parse(JSON.stringify({ [key]: 1 })) } })), {
        category: 'USER',
      });
      await expectBaselineIntact();
    });

    it('listThreads metadata filter value that is an object or array is a USER error', async () => {
      expectNativeError(await rejectionOf(mem.listThreads({ filter: { metadata: { kind: { $ne: 'a' } } } })), { category: 'USER' });
      expectNativeError(await rejectionOf(mem.listThreads({ filter: { metadata: { kind: ['a'] } } })), { category: 'USER' });
      await expectBaselineIntact();
    });

    it('listMessages metadata filter with a bad key or object value is a USER error', async () => {
      expectNativeError(await rejectionOf(mem.listMessages({ threadId: 't1', filter: { metadata: { 'x y': 1 } } } as any)), {
        category: 'USER',
      });
      expectNativeError(await rejectionOf(mem.listMessages({ threadId: 't1', filter: { metadata: { x: { y: 1 } } } } as any)), {
        category: 'USER',
      });
      await expectBaselineIntact();
    });

    it('negative page is a USER error on listThreads, listMessages and listMessagesByResourceId', async () => {
      expectNativeError(await rejectionOf(mem.listThreads({ page: -1 })), USER_INVALID);
      expectNativeError(await rejectionOf(mem.listMessages({ threadId: 't1', page: -1 })), USER_INVALID);
      expectNativeError(await rejectionOf(mem.listMessagesByResourceId({ resourceId: 'r1', page: -1 })), USER_INVALID);
      await expectBaselineIntact();
    });

    it.each([
      ['NaN', Number.NaN],
      ['-1', -1],
      ['1.5', 1.5],
      ['Infinity', Number.POSITIVE_INFINITY],
    ])('perPage %s is a USER error on listMessages and listThreads', async (_label, perPage) => {
      expectNativeError(await rejectionOf(mem.listMessages({ threadId: 't1', perPage })), USER_INVALID);
      expectNativeError(await rejectionOf(mem.listThreads({ perPage })), USER_INVALID);
      await expectBaselineIntact();
    });

    it('listMessages with an empty threadId is a USER error', async () => {
      const err = await rejectionOf(mem.listMessages({ threadId: '' }));
      expectNativeError(err, USER_INVALID);
      expect(String(err.message)).toContain('threadId must be a non-empty string or array of non-empty strings');
    });

    it('listMessagesByResourceId with an empty resourceId is a USER error', async () => {
      const err = await rejectionOf(mem.listMessagesByResourceId({ resourceId: '' }));
      expectNativeError(err, USER_INVALID);
      expect(String(err.message)).toContain('resourceId is required');
    });

    it('content holding a BigInt is a USER error and nothing is written', async () => {
      const bad = makeMessage('big', 't1', 'r1', 10, { content: textContent('x', { metadata: { n: 10n } }) });
      const err = await rejectionOf(mem.saveMessages({ messages: [makeMessage('fine', 't1', 'r1', 9), bad] }));
      expectNativeError(err, USER_INVALID);
      expect((await mem.listMessagesById({ messageIds: ['fine', 'big'] })).messages).toEqual([]);
      await expectBaselineIntact();
    });

    it('circular content is a USER error and nothing is written', async () => {
      const content: any = textContent('loop');
      content.metadata = { self: content };
      const bad = makeMessage('loop', 't1', 'r1', 10, { content });
      const err = await rejectionOf(mem.saveMessages({ messages: [bad, makeMessage('fine', 't1', 'r1', 11)] }));
      expectNativeError(err, USER_INVALID);
      expect((await mem.listMessagesById({ messageIds: ['loop', 'fine'] })).messages).toEqual([]);
      await expectBaselineIntact();
    });

    it('thread metadata holding a BigInt is a USER error and the thread is not written', async () => {
      const err = await rejectionOf(mem.saveThread({ thread: makeThread('t3', 'r1', { metadata: { n: 1n } as any }) }));
      expectNativeError(err, USER_INVALID);
      expect(await mem.getThreadById({ threadId: 't3' })).toBeNull();
      await expectBaselineIntact();
    });

    it('updateThread on a missing thread is NOT_FOUND and writes nothing', async () => {
      const err = await rejectionOf(mem.updateThread({ id: 'ghost', title: 'x', metadata: {} }));
      expectNativeError(err, { category: 'USER', code: 'NOT_FOUND' });
      expect(String(err.message)).toContain('Thread ghost not found');
      await expectBaselineIntact();
    });

    it('copyThread onto an existing id is CONFLICT and writes nothing', async () => {
      const err = await rejectionOf(mem.copyThread({ sourceThreadId: 't1', newThreadId: 't2' }));
      expectNativeError(err, { category: 'USER', code: 'CONFLICT' });
      await expectBaselineIntact();
    });

    describe('constructor', () => {
      it("new NativeStore({ id: '' }) throws /id must be provided/", async () => {
        expect(() => new NativeStore({ id: '', ...nativeConfig(target) } as any)).toThrow(/id must be provided/);
      });

      if (target === 'native-pg') {
        // PostgreSQL is supported now: what must fail clearly is a bad schema name or a
        // database that does not exist.
        it('a schemaName that is not a plain identifier is a USER INVALID_ARGUMENT error at init', async () => {
          for (const schemaName of ['a"b', '1abc', 'x; DROP SCHEMA public', 'é']) {
            const s = new NativeStore({ id: 'x', url: PG_URL, schemaName });
            try {
              const err = await rejectionOf(s.init());
              expectNativeError(err, USER_INVALID);
              expect(String(err.message)).toMatch(/schemaName/);
            } finally {
              await s.close();
            }
          }
        });

        it('a postgres:// url naming a missing database fails clearly (SQLSTATE 3D000), not with an empty result', async () => {
          const url = new URL(PG_URL);
          url.pathname = '/mns_no_such_database';
          const s = new NativeStore({ id: 'x', url: url.toString(), schemaName: 'public' });
          try {
            const err = await rejectionOf(s.init());
            expectNativeError(err, { category: 'THIRD_PARTY', code: '3D000' });
            expect(String(err.message)).toMatch(/mns_no_such_database/);
            expect(String(err.message)).toMatch(/does not exist/);
            // A later call reports the same failure instead of pretending to be empty.
            expectNativeError(await rejectionOf(s.listThreads({})), { code: '3D000' });
          } finally {
            await s.close();
          }
        });
      } else {
        it('an unsupported url scheme fails clearly in the constructor', async () => {
          const err = (() => {
            try {
              new NativeStore({ id: 'x', url: 'mysql://localhost/db' } as any);
            } catch (e) {
              return e as any;
            }
          })();
          expect(err, 'constructor must fail').toBeDefined();
          expectNativeError(err, USER_INVALID);
          expect(String(err.message)).toMatch(/unsupported url scheme/);
        });
      }
    });
  });
});
