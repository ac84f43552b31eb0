// Hardening, on both engines: the wrong-typed arguments issue 18 named (each a USER
// INVALID_ARGUMENT naming its field, nothing written), JSON nesting held to one stated limit
// on SQLite and PostgreSQL alike, and updateWorkflowResults creating a run that does not exist.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NativeStore } from '../index.js';
import { nativeConfig, nativeTargets, tmpDbUrl, type Target } from './helpers/stores';
import { makeMessage, makeThread, rejectionOf } from './helpers/memory-fixtures';
import { makeSnapshot } from './helpers/workflow-fixtures';

/** `{ a: { a: … 1 } }`, `levels` objects deep. */
function nested(levels: number): Record<string, unknown> {
  let v: any = 1;
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
}

function expectInvalid(err: any, field?: RegExp) {
  expect(err?.constructor?.name).toBe('MastraError');
  expect(err.category).toBe('USER');
  expect(err.details?.code).toBe('INVALID_ARGUMENT');
  if (field) expect(String(err.message)).toMatch(field);
}

describe.concurrent.each(nativeTargets)('hardening [%s]', (target: Target) => {
  describe.sequential(target === 'native-pg' ? 'PostgreSQL' : 'SQLite', () => {
    let store: NativeStore;
    let mem: any;
    let wf: any;
    let ag: any;

    beforeAll(async () => {
      store = new NativeStore({ id: `hardening-${target}`, ...nativeConfig(target, tmpDbUrl(`hardening-${target}`)) });
      await store.init();
      mem = store.stores.memory;
      wf = store.stores.workflows;
      ag = store.stores.agents;
      for (const [t, r] of [['h1', 'ra'], ['h2', 'ra'], ['h3', 'rb']]) await mem.saveThread({ thread: makeThread(t, r) });
    });
    afterAll(async () => {
      await store?.close();
    });

    it('a resourceId filter that is not a string is refused, never widened to every resource', async () => {
      for (const bad of [{ $ne: null }, { $gt: '' }, ['ra', 'rb'], 42, true]) {
        expectInvalid(await rejectionOf(mem.listThreads({ filter: { resourceId: bad } })), /filter\.resourceId must be a string/);
        expectInvalid(await rejectionOf(mem.listMessages({ threadId: 'h1', resourceId: bad })), /resourceId must be a string/);
        expectInvalid(await rejectionOf(wf.listWorkflowRuns({ resourceId: bad })), /resourceId must be a string/);
      }
      // The well-typed call still sees its own resource only.
      const own = await mem.listThreads({ filter: { resourceId: 'ra' } });
      expect(own.threads.map((t: any) => t.id).sort()).toEqual(['h1', 'h2']);
    });

    it('each mistyped call the issue names is a USER INVALID_ARGUMENT naming the field, and writes nothing', async () => {
      const before = JSON.stringify(await mem.listThreads({ perPage: false }));
      const cases: [() => Promise<unknown>, RegExp][] = [
        [() => mem.getThreadById({ threadId: 12345 }), /threadId must be a string, got number/],
        [() => store.getThreadById(12345 as any), /threadId must be a string/],
        [() => mem.updateThread({ id: 'h1', title: 42 }), /title must be a string, got number/],
        [() => mem.deleteMessages(42 as any), /messageIds must be an array, got number/],
        [() => mem.saveMessages({ messages: 'oops' }), /messages must be an array, got string/],
        [() => mem.saveMessages(undefined), /arguments must be an object/],
        [() => wf.persistWorkflowSnapshot(undefined), /arguments must be an object, got undefined/],
        [() => ag.countVersions(undefined), /agentId must be a string, got undefined/],
        [() => mem.saveThread({ thread: { ...makeThread('h9', 'ra'), title: 42 } }), /title: invalid type: integer `42`/],
        [() => mem.saveMessages({ messages: [makeMessage('hm', 'h1', 'ra', 1, { createdAt: 5 as any })] }), /\[0\]\.createdAt: invalid type/],
        [() => mem.listThreads({ perPage: NaN }), /perPage must be >= 0/],
        [() => mem.cloneThread({ sourceThreadId: NaN }), /sourceThreadId must be a non-empty string, got a non-finite number/],
        [() => mem.updateThread({ id: 'h1', title: Infinity }), /title must be a string, got number/],
        [() => mem.saveThread({ thread: { ...makeThread('h9', 'ra'), title: NaN } }), /title must be a finite number or a string/],
      ];
      for (const [call, message] of cases) expectInvalid(await rejectionOf(call()), message);
      expect(JSON.stringify(await mem.listThreads({ perPage: false }))).toBe(before);
    });

    it('JSON nested up to 250 levels is stored and read back alike; deeper is a USER error stating the limit', async () => {
      // 250 levels of the caller's value: saved, read back, merged into, on both engines.
      await mem.saveThread({ thread: makeThread('deep', 'ra', { metadata: { d: nested(249) } }) });
      expect(JSON.stringify((await mem.getThreadById({ threadId: 'deep' })).metadata)).toBe(JSON.stringify({ d: nested(249) }));
      const updated = await mem.updateThread({ id: 'deep', title: 'still deep', metadata: { more: nested(200) } });
      expect(JSON.stringify(updated.metadata.d)).toBe(JSON.stringify(nested(249)));

      const before = JSON.stringify(await mem.getThreadById({ threadId: 'deep' }));
      for (const levels of [300, 4_000]) {
        expectInvalid(await rejectionOf(mem.updateThread({ id: 'deep', title: 'x', metadata: { d: nested(levels) } })), /at most 250 levels deep/);
        expectInvalid(await rejectionOf(mem.saveThread({ thread: makeThread('deeper', 'ra', { metadata: { d: nested(levels) } }) })), /at most 250 levels/);
        expectInvalid(
          await rejectionOf(wf.persistWorkflowSnapshot({ workflowName: 'deep', runId: `d${levels}`, snapshot: makeSnapshot('d', { context: nested(levels) }) })),
          /at most 250 levels/,
        );
      }
      // So deep that JSON.stringify itself gives up: still a USER error.
      expectInvalid(await rejectionOf(mem.updateThread({ id: 'deep', title: 'x', metadata: { d: nested(10_000) } })));
      expect(JSON.stringify(await mem.getThreadById({ threadId: 'deep' }))).toBe(before);
      expect(await mem.getThreadById({ threadId: 'deeper' })).toBeNull();
    });

    it('a snapshot whose context nests 126 to 240 levels can be updated (past serde_json’s own 128)', async () => {
      for (const levels of [125, 126, 127, 200, 240]) {
        const runId = `ctx${levels}`;
        const context = { input: { n: 1 }, deep: nested(levels) };
        await wf.persistWorkflowSnapshot({ workflowName: 'deep', runId, snapshot: makeSnapshot(runId, { context }) });
        const ctx = await wf.updateWorkflowResults({ workflowName: 'deep', runId, stepId: 's1', result: { status: 'success', output: 1 }, requestContext: {} });
        expect(Object.keys(ctx).sort()).toEqual(['deep', 'input', 's1']);
        const state = await wf.updateWorkflowState({ workflowName: 'deep', runId, opts: { status: 'success' } });
        expect(state?.status).toBe('success');
        const loaded = await wf.loadWorkflowSnapshot({ workflowName: 'deep', runId });
        expect(JSON.stringify(loaded.context.deep)).toBe(JSON.stringify(nested(levels)));
      }
    });

    it('updateWorkflowResults for a run that does not exist creates it (as both reference stores do)', async () => {
      expect(await wf.loadWorkflowSnapshot({ workflowName: 'fresh', runId: 'new-run' })).toBeNull();
      const ctx = await wf.updateWorkflowResults({
        workflowName: 'fresh',
        runId: 'new-run',
        stepId: 'first',
        result: { status: 'success', output: { ok: true } },
        requestContext: { user: 'u' },
      });
      expect(ctx.first).toMatchObject({ status: 'success', output: { ok: true } });
      const snap = await wf.loadWorkflowSnapshot({ workflowName: 'fresh', runId: 'new-run' });
      expect(snap.runId).toBe('new-run');
      expect(snap.context.first).toMatchObject({ status: 'success' });
      expect(snap.requestContext).toEqual({ user: 'u' });
      const run = await wf.getWorkflowRunById({ runId: 'new-run', workflowName: 'fresh' });
      expect(run?.workflowName).toBe('fresh');
      // A second step merges into the created run; updateWorkflowState on a missing run stays undefined.
      const ctx2 = await wf.updateWorkflowResults({ workflowName: 'fresh', runId: 'new-run', stepId: 'second', result: { status: 'success', output: 2 }, requestContext: {} });
      expect(Object.keys(ctx2).sort()).toEqual(['first', 'second']);
      expect(await wf.updateWorkflowState({ workflowName: 'fresh', runId: 'missing', opts: { status: 'running' } })).toBeUndefined();
    });
  });
});

describe.runIf(nativeTargets.includes('native'))('durability [native]', () => {
  it("'full' runs SQLite with synchronous=FULL, the default NORMAL; anything else is refused", async () => {
    const { native } = await import('../lib/native.js');
    const url = tmpDbUrl('durability');
    for (const [durability, expected] of [[undefined, 1], ['normal', 1], ['full', 2]] as const) {
      const db = await native.NativeDb.open(url, durability ? { durability } : {});
      try {
        expect(await db.sqliteSynchronous()).toBe(expected);
      } finally {
        await db.close();
      }
    }
    // Through the store: a 'full' store writes and reads as any other.
    const store = new NativeStore({ id: 'durable', url, durability: 'full' });
    await store.init();
    await store.stores.memory.saveThread({ thread: makeThread('d1', 'r') });
    expect((await store.stores.memory.getThreadById({ threadId: 'd1' }))?.resourceId).toBe('r');
    await store.close();
    let error: any;
    try {
      new NativeStore({ id: 'x', url, durability: 'paranoid' as any });
    } catch (e) {
      error = e;
    }
    expectInvalid(error, /durability must be 'normal' or 'full'/);
  });
});
