// Contract suite for the workflows domain (CONTRACT.md §3). Every `it` runs against each target
// in TEST_TARGETS on a fresh store (a temp SQLite file, or a PostgreSQL schema of its own);
// @mastra/libsql 1.23.1 is the reference. NativeStore has one behaviour on both engines, so
// 'native-pg' passes everything 'native' does. @mastra/pg 1.27.1 differs from libsql in two
// places this suite checks (see /tmp/src/pg/src/storage/domains/workflows/index.ts): the
// updatedAt of updateWorkflowState, and the NUL / lone-surrogate repair of every JSON write.
// Those assertions expect pg's own behaviour, for target 'pg' only, each with a comment.
import { isDeepStrictEqual } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WorkflowsStorage } from '@mastra/core/storage';
import { makeStore, targets, type AnyStore } from './helpers/stores';
import {
  agenticLoopSnapshot,
  complexSnapshot,
  durableLoopSnapshot,
  expectDate,
  expectDateBetween,
  makeSnapshot,
  makeWorkflowStore,
  PENDING,
  sleepMs,
  wfAt,
  workflowsOf,
} from './helpers/workflow-fixtures';

describe.each(targets)('workflows contract [%s]', target => {
  let store: AnyStore;
  let wf: WorkflowsStorage;

  beforeEach(async () => {
    store = await makeWorkflowStore(target);
    wf = await workflowsOf(store);
  });

  afterEach(async () => {
    await store?.close();
  });

  /** Persist a run with explicit fixture timestamps. */
  function persist(
    workflowName: string,
    runId: string,
    opts: { created?: number; updated?: number; resourceId?: string | null; snapshot?: any } = {},
  ) {
    return wf.persistWorkflowSnapshot({
      workflowName,
      runId,
      resourceId: opts.resourceId as string | undefined,
      snapshot: opts.snapshot ?? makeSnapshot(runId),
      createdAt: wfAt(opts.created ?? 0),
      updatedAt: wfAt(opts.updated ?? opts.created ?? 0),
    });
  }

  const runIds = (r: { runs: { runId: string }[] }) => r.runs.map(x => x.runId);

  // ---------------------------------------------------------------------------------------
  describe('supportsConcurrentUpdates / dangerouslyClearAll', () => {
    it('supportsConcurrentUpdates() returns true synchronously, not a promise', () => {
      const v = wf.supportsConcurrentUpdates();
      expect(v).toBe(true);
      expect(typeof (v as any)?.then).toBe('undefined');
    });

    it('dangerouslyClearAll removes every run of every workflow', async () => {
      await persist('wf-a', 'r1', { created: 1 });
      await persist('wf-b', 'r2', { created: 2 });
      await wf.updateWorkflowResults({ workflowName: 'wf-c', runId: 'r3', stepId: 's', result: { status: 'success' } as any, requestContext: {} });
      expect((await wf.listWorkflowRuns()).total).toBe(3);
      await wf.dangerouslyClearAll();
      expect(await wf.listWorkflowRuns()).toEqual({ runs: [], total: 0 });
      expect(await wf.loadWorkflowSnapshot({ workflowName: 'wf-a', runId: 'r1' })).toBeNull();
      expect(await wf.getWorkflowRunById({ runId: 'r3' })).toBeNull();
      // The table still works afterwards.
      await persist('wf-a', 'r1', { created: 5 });
      expect(runIds(await wf.listWorkflowRuns())).toEqual(['r1']);
    });
  });

  // ---------------------------------------------------------------------------------------
  describe('persistWorkflowSnapshot', () => {
    it('inserts a run with the caller createdAt/updatedAt and resourceId', async () => {
      const snap = makeSnapshot('r1', { status: 'success' });
      await wf.persistWorkflowSnapshot({
        workflowName: 'wf',
        runId: 'r1',
        resourceId: 'res-1',
        snapshot: snap,
        createdAt: wfAt(10),
        updatedAt: wfAt(20),
      });
      const run = await wf.getWorkflowRunById({ runId: 'r1', workflowName: 'wf' });
      expect(run).not.toBeNull();
      expect(run!.workflowName).toBe('wf');
      expect(run!.runId).toBe('r1');
      expect(run!.resourceId).toBe('res-1');
      expect(run!.snapshot).toEqual(snap);
      expectDate(run!.createdAt, wfAt(10));
      expectDate(run!.updatedAt, wfAt(20));
    });

    it('defaults createdAt and updatedAt to now when omitted', async () => {
      const before = Date.now();
      await wf.persistWorkflowSnapshot({ workflowName: 'wf', runId: 'r1', snapshot: makeSnapshot('r1') });
      const after = Date.now();
      const run = await wf.getWorkflowRunById({ runId: 'r1' });
      expectDateBetween(run!.createdAt, before, after);
      expectDateBetween(run!.updatedAt, before, after);
    });

    it('upsert keeps the original createdAt and replaces snapshot and updatedAt', async () => {
      await persist('wf', 'r1', { created: 1, updated: 2, snapshot: makeSnapshot('r1', { status: 'running', value: { v: '1' } }) });
      const second = makeSnapshot('r1', { status: 'success', result: { done: true } });
      await wf.persistWorkflowSnapshot({
        workflowName: 'wf',
        runId: 'r1',
        snapshot: second,
        createdAt: wfAt(50),
        updatedAt: wfAt(60),
      });
      const run = await wf.getWorkflowRunById({ runId: 'r1', workflowName: 'wf' });
      expectDate(run!.createdAt, wfAt(1));
      expectDate(run!.updatedAt, wfAt(60));
      expect(run!.snapshot).toEqual(second);
      expect((run!.snapshot as any).value).toEqual({});
      // Still one row.
      expect((await wf.listWorkflowRuns()).total).toBe(1);
    });

    it('upsert without timestamps keeps createdAt and sets updatedAt to now', async () => {
      await persist('wf', 'r1', { created: 1, updated: 2 });
      const before = Date.now();
      await wf.persistWorkflowSnapshot({ workflowName: 'wf', runId: 'r1', snapshot: makeSnapshot('r1', { status: 'failed' }) });
      const after = Date.now();
      const run = await wf.getWorkflowRunById({ runId: 'r1' });
      expectDate(run!.createdAt, wfAt(1));
      expectDateBetween(run!.updatedAt, before, after);
      expect((run!.snapshot as any).status).toBe('failed');
    });

    it('keeps the stored resourceId when the new one is absent or null, replaces it when given', async () => {
      await persist('wf', 'r1', { created: 1, resourceId: 'res-1' });
      await persist('wf', 'r1', { created: 1, updated: 2 }); // absent
      expect((await wf.getWorkflowRunById({ runId: 'r1' }))!.resourceId).toBe('res-1');
      await persist('wf', 'r1', { created: 1, updated: 3, resourceId: null }); // null
      expect((await wf.getWorkflowRunById({ runId: 'r1' }))!.resourceId).toBe('res-1');
      await persist('wf', 'r1', { created: 1, updated: 4, resourceId: 'res-2' });
      const run = await wf.getWorkflowRunById({ runId: 'r1' });
      expect(run!.resourceId).toBe('res-2');
      expectDate(run!.updatedAt, wfAt(4));
    });

    it('the same runId under two workflow names is two separate runs', async () => {
      await persist('wf-a', 'r1', { created: 1, snapshot: makeSnapshot('r1', { status: 'success' }) });
      await persist('wf-b', 'r1', { created: 2, snapshot: makeSnapshot('r1', { status: 'failed' }) });
      expect((await wf.loadWorkflowSnapshot({ workflowName: 'wf-a', runId: 'r1' }))!.status).toBe('success');
      expect((await wf.loadWorkflowSnapshot({ workflowName: 'wf-b', runId: 'r1' }))!.status).toBe('failed');
      expect((await wf.listWorkflowRuns()).total).toBe(2);
    });
  });

  // ---------------------------------------------------------------------------------------
  describe('loadWorkflowSnapshot', () => {
    it('returns a complex nested snapshot deep-equal to what was persisted', async () => {
      const snap = complexSnapshot('r-complex');
      await persist('wf', 'r-complex', { created: 1, snapshot: snap });
      const loaded = await wf.loadWorkflowSnapshot({ workflowName: 'wf', runId: 'r-complex' });
      expect(loaded).toEqual(JSON.parse(JSON.stringify(snap)));
      // Spot checks that toEqual's leniency cannot hide.
      expect((loaded as any).context.step1.output.text).toBe('emoji 🚀🔥 and 中文 and tabs\t\nnewline');
      expect((loaded as any).context.step1.output.big).toBe(9007199254740991);
      expect((loaded as any).context.each.output[1]).toBeNull();
      expect((loaded as any).context.each.output[4].looksLikeJson).toBe('{"a":1}');
      expect((loaded as any).requestContext.nothing).toBeNull();
      expect((loaded as any).error).toBeNull();
    });

    it('returns null for a missing run, and for a known runId under another workflow name', async () => {
      expect(await wf.loadWorkflowSnapshot({ workflowName: 'wf', runId: 'nope' })).toBeNull();
      await persist('wf', 'r1');
      expect(await wf.loadWorkflowSnapshot({ workflowName: 'other', runId: 'r1' })).toBeNull();
      expect(await wf.loadWorkflowSnapshot({ workflowName: 'wf', runId: 'r2' })).toBeNull();
    });

    it('round-trips a large snapshot (about 2 MB, 2000 steps)', async () => {
      const context: Record<string, unknown> = { input: { blob: 'x'.repeat(1_000_000) } };
      for (let i = 0; i < 2000; i++) context[`step-${i}`] = { status: 'success', output: { i, text: `value ${i} ü` } };
      const snap = makeSnapshot('big', { context });
      await persist('wf', 'big', { snapshot: snap });
      const loaded = (await wf.loadWorkflowSnapshot({ workflowName: 'wf', runId: 'big' })) as any;
      expect(loaded.context.input.blob).toHaveLength(1_000_000);
      expect(Object.keys(loaded.context)).toHaveLength(2001);
      expect(loaded).toEqual(snap);
    });

    it('reflects the latest persist', async () => {
      await persist('wf', 'r1', { snapshot: makeSnapshot('r1', { status: 'running' }) });
      await persist('wf', 'r1', { updated: 1, snapshot: makeSnapshot('r1', { status: 'suspended', suspendedPaths: { s: [0] } }) });
      const loaded = await wf.loadWorkflowSnapshot({ workflowName: 'wf', runId: 'r1' });
      expect(loaded!.status).toBe('suspended');
      expect(loaded!.suspendedPaths).toEqual({ s: [0] });
    });
  });

  // ---------------------------------------------------------------------------------------
  describe('getWorkflowRunById', () => {
    it('finds a run with and without workflowName; Dates are Date instances', async () => {
      const snap = makeSnapshot('r1', { status: 'success' });
      await persist('wf', 'r1', { created: 3, updated: 4, resourceId: 'res', snapshot: snap });
      for (const args of [{ runId: 'r1' }, { runId: 'r1', workflowName: 'wf' }]) {
        const run = await wf.getWorkflowRunById(args);
        expect(run).toMatchObject({ workflowName: 'wf', runId: 'r1', resourceId: 'res' });
        expect(run!.snapshot).toEqual(snap);
        expect(run!.createdAt).toBeInstanceOf(Date);
        expect(run!.updatedAt).toBeInstanceOf(Date);
        expectDate(run!.createdAt, wfAt(3));
        expectDate(run!.updatedAt, wfAt(4));
      }
    });

    it('without workflowName returns the newest (by createdAt) of runs sharing a runId', async () => {
      // The newer one is persisted first, so insertion order cannot explain the answer.
      await persist('wf-new', 'shared', { created: 20, snapshot: makeSnapshot('shared', { status: 'success' }) });
      await persist('wf-old', 'shared', { created: 10, snapshot: makeSnapshot('shared', { status: 'failed' }) });
      const newest = await wf.getWorkflowRunById({ runId: 'shared' });
      expect(newest!.workflowName).toBe('wf-new');
      expect((newest!.snapshot as any).status).toBe('success');
      const old = await wf.getWorkflowRunById({ runId: 'shared', workflowName: 'wf-old' });
      expect(old!.workflowName).toBe('wf-old');
      expect((old!.snapshot as any).status).toBe('failed');
      expectDate(old!.createdAt, wfAt(10));
    });

    it('returns null when missing or when the workflowName does not match', async () => {
      expect(await wf.getWorkflowRunById({ runId: 'nope' })).toBeNull();
      await persist('wf', 'r1');
      expect(await wf.getWorkflowRunById({ runId: 'r1', workflowName: 'other' })).toBeNull();
      expect(await wf.getWorkflowRunById({ runId: 'r2', workflowName: 'wf' })).toBeNull();
    });

    it('resourceId is null when the run has none', async () => {
      await persist('wf', 'r1');
      const run = await wf.getWorkflowRunById({ runId: 'r1' });
      expect(run).not.toBeNull();
      expect(run!.resourceId ?? null).toBeNull();
    });
  });

  // ---------------------------------------------------------------------------------------
  describe('deleteWorkflowRunById', () => {
    it('deletes only the named workflow run', async () => {
      await persist('wf-a', 'r1', { created: 1 });
      await persist('wf-b', 'r1', { created: 2 });
      await persist('wf-a', 'r2', { created: 3 });
      await wf.deleteWorkflowRunById({ runId: 'r1', workflowName: 'wf-a' });
      expect(await wf.loadWorkflowSnapshot({ workflowName: 'wf-a', runId: 'r1' })).toBeNull();
      expect(await wf.getWorkflowRunById({ runId: 'r1', workflowName: 'wf-a' })).toBeNull();
      expect(await wf.loadWorkflowSnapshot({ workflowName: 'wf-b', runId: 'r1' })).not.toBeNull();
      expect(await wf.loadWorkflowSnapshot({ workflowName: 'wf-a', runId: 'r2' })).not.toBeNull();
      expect((await wf.getWorkflowRunById({ runId: 'r1' }))!.workflowName).toBe('wf-b');
      expect((await wf.listWorkflowRuns()).total).toBe(2);
    });

    it('resolves without error when the run does not exist', async () => {
      await persist('wf', 'r1');
      await expect(wf.deleteWorkflowRunById({ runId: 'missing', workflowName: 'wf' })).resolves.toBeUndefined();
      await expect(wf.deleteWorkflowRunById({ runId: 'r1', workflowName: 'other-wf' })).resolves.toBeUndefined();
      expect((await wf.listWorkflowRuns()).total).toBe(1);
    });

    it('a deleted run can be re-created with a new createdAt', async () => {
      await persist('wf', 'r1', { created: 1 });
      await wf.deleteWorkflowRunById({ runId: 'r1', workflowName: 'wf' });
      await persist('wf', 'r1', { created: 9 });
      expectDate((await wf.getWorkflowRunById({ runId: 'r1' }))!.createdAt, wfAt(9));
    });
  });

  // ---------------------------------------------------------------------------------------
  describe('listWorkflowRuns', () => {
    it('an empty store gives { runs: [], total: 0 }', async () => {
      expect(await wf.listWorkflowRuns()).toEqual({ runs: [], total: 0 });
      expect(await wf.listWorkflowRuns({})).toEqual({ runs: [], total: 0 });
      expect(await wf.listWorkflowRuns({ page: 0, perPage: 10 })).toEqual({ runs: [], total: 0 });
    });

    it('orders by createdAt DESC regardless of insertion order, with Date timestamps', async () => {
      await persist('wf', 'mid', { created: 5, updated: 100 });
      await persist('wf', 'old', { created: 1, updated: 200 });
      await persist('wf', 'new', { created: 9, updated: 50 });
      const out = await wf.listWorkflowRuns();
      expect(runIds(out)).toEqual(['new', 'mid', 'old']);
      expect(out.total).toBe(3);
      for (const r of out.runs) {
        expect(r.createdAt).toBeInstanceOf(Date);
        expect(r.updatedAt).toBeInstanceOf(Date);
        expect(Number.isNaN((r.createdAt as Date).getTime())).toBe(false);
      }
      expectDate(out.runs[0].createdAt, wfAt(9));
      expectDate(out.runs[0].updatedAt, wfAt(50));
      expect(out.runs[0]).toMatchObject({ workflowName: 'wf', runId: 'new' });
      expect(out.runs[0].snapshot).toEqual(makeSnapshot('new'));
    });

    it('filters by workflowName', async () => {
      await persist('wf-a', 'a1', { created: 1 });
      await persist('wf-b', 'b1', { created: 2 });
      await persist('wf-a', 'a2', { created: 3 });
      const out = await wf.listWorkflowRuns({ workflowName: 'wf-a' });
      expect(runIds(out)).toEqual(['a2', 'a1']);
      expect(out.total).toBe(2);
      expect(await wf.listWorkflowRuns({ workflowName: 'nope' })).toEqual({ runs: [], total: 0 });
    });

    it('filters by the snapshot status', async () => {
      await persist('wf', 'r1', { created: 1, snapshot: makeSnapshot('r1', { status: 'success' }) });
      await persist('wf', 'r2', { created: 2, snapshot: makeSnapshot('r2', { status: 'failed' }) });
      await persist('wf', 'r3', { created: 3, snapshot: makeSnapshot('r3', { status: 'success' }) });
      await persist('wf', 'r4', { created: 4, snapshot: makeSnapshot('r4', { status: 'suspended' }) });
      expect(runIds(await wf.listWorkflowRuns({ status: 'success' }))).toEqual(['r3', 'r1']);
      expect(runIds(await wf.listWorkflowRuns({ status: 'suspended' }))).toEqual(['r4']);
      expect((await wf.listWorkflowRuns({ status: 'running' })).total).toBe(0);
      // The filter reads the current snapshot, so a status change moves the run.
      await wf.updateWorkflowState({ workflowName: 'wf', runId: 'r4', opts: { status: 'success' } });
      expect(runIds(await wf.listWorkflowRuns({ status: 'success' }))).toEqual(['r4', 'r3', 'r1']);
    });

    it('fromDate / toDate are inclusive at the exact millisecond boundaries', async () => {
      for (let i = 1; i <= 5; i++) await persist('wf', `r${i}`, { created: i });
      expect(runIds(await wf.listWorkflowRuns({ fromDate: wfAt(2), toDate: wfAt(4) }))).toEqual(['r4', 'r3', 'r2']);
      expect(runIds(await wf.listWorkflowRuns({ fromDate: wfAt(4) }))).toEqual(['r5', 'r4']);
      expect(runIds(await wf.listWorkflowRuns({ toDate: wfAt(2) }))).toEqual(['r2', 'r1']);
      expect(runIds(await wf.listWorkflowRuns({ fromDate: wfAt(3), toDate: wfAt(3) }))).toEqual(['r3']);
      // One millisecond off the boundary excludes it.
      const justAfter3 = new Date(wfAt(3).getTime() + 1);
      const justBefore3 = new Date(wfAt(3).getTime() - 1);
      expect(runIds(await wf.listWorkflowRuns({ fromDate: justAfter3 }))).toEqual(['r5', 'r4']);
      expect(runIds(await wf.listWorkflowRuns({ toDate: justBefore3 }))).toEqual(['r2', 'r1']);
      expect((await wf.listWorkflowRuns({ fromDate: wfAt(4), toDate: wfAt(2) })).total).toBe(0);
    });

    it('filters by resourceId; runs without one are excluded', async () => {
      await persist('wf', 'r1', { created: 1, resourceId: 'res-a' });
      await persist('wf', 'r2', { created: 2 });
      await persist('wf', 'r3', { created: 3, resourceId: 'res-b' });
      await persist('wf', 'r4', { created: 4, resourceId: 'res-a' });
      const out = await wf.listWorkflowRuns({ resourceId: 'res-a' });
      expect(runIds(out)).toEqual(['r4', 'r1']);
      expect(out.runs.every(r => r.resourceId === 'res-a')).toBe(true);
      expect(runIds(await wf.listWorkflowRuns({ resourceId: 'res-b' }))).toEqual(['r3']);
      expect((await wf.listWorkflowRuns({ resourceId: 'res-none' })).total).toBe(0);
      expect((await wf.listWorkflowRuns()).total).toBe(4);
    });

    it('combines filters with AND', async () => {
      await persist('wf-a', 'r1', { created: 1, resourceId: 'x', snapshot: makeSnapshot('r1', { status: 'success' }) });
      await persist('wf-a', 'r2', { created: 2, resourceId: 'x', snapshot: makeSnapshot('r2', { status: 'failed' }) });
      await persist('wf-b', 'r3', { created: 3, resourceId: 'x', snapshot: makeSnapshot('r3', { status: 'success' }) });
      await persist('wf-a', 'r4', { created: 4, resourceId: 'y', snapshot: makeSnapshot('r4', { status: 'success' }) });
      await persist('wf-a', 'r5', { created: 5, resourceId: 'x', snapshot: makeSnapshot('r5', { status: 'success' }) });
      const out = await wf.listWorkflowRuns({ workflowName: 'wf-a', resourceId: 'x', status: 'success', toDate: wfAt(4) });
      expect(runIds(out)).toEqual(['r1']);
      expect(out.total).toBe(1);
    });

    it('paginates only when both page and perPage are numbers: 3 runs, perPage 2 → 2 then 1, total 3', async () => {
      await persist('wf', 'r1', { created: 1 });
      await persist('wf', 'r2', { created: 2 });
      await persist('wf', 'r3', { created: 3 });
      const p0 = await wf.listWorkflowRuns({ page: 0, perPage: 2 });
      expect(runIds(p0)).toEqual(['r3', 'r2']);
      expect(p0.total).toBe(3);
      const p1 = await wf.listWorkflowRuns({ page: 1, perPage: 2 });
      expect(runIds(p1)).toEqual(['r1']);
      expect(p1.total).toBe(3);
      const p2 = await wf.listWorkflowRuns({ page: 2, perPage: 2 });
      expect(p2.runs).toEqual([]);
      expect(p2.total).toBe(3);
    });

    it('page without perPage (or perPage without page, or perPage false) returns every run', async () => {
      for (let i = 1; i <= 4; i++) await persist('wf', `r${i}`, { created: i });
      const a = await wf.listWorkflowRuns({ page: 1 });
      expect(runIds(a)).toEqual(['r4', 'r3', 'r2', 'r1']);
      expect(a.total).toBe(4);
      const b = await wf.listWorkflowRuns({ perPage: 1 });
      expect(runIds(b)).toEqual(['r4', 'r3', 'r2', 'r1']);
      expect(b.total).toBe(4);
      const c = await wf.listWorkflowRuns({ page: 0, perPage: false as any });
      expect(runIds(c)).toEqual(['r4', 'r3', 'r2', 'r1']);
      expect(c.total).toBe(4);
    });

    it('total counts the filtered rows, not the page', async () => {
      for (let i = 1; i <= 5; i++) await persist(i % 2 ? 'odd' : 'even', `r${i}`, { created: i });
      const out = await wf.listWorkflowRuns({ workflowName: 'odd', page: 0, perPage: 2 });
      expect(runIds(out)).toEqual(['r5', 'r3']);
      expect(out.total).toBe(3);
    });

    it('threadId matches both snapshot layouts (suspended agentic step and durable input)', async () => {
      await persist('wf', 'agentic', { created: 1, snapshot: agenticLoopSnapshot('agentic', 'thread-1') });
      await persist('wf', 'durable', { created: 2, snapshot: durableLoopSnapshot('durable', 'thread-1') });
      await persist('wf', 'other-thread', { created: 3, snapshot: agenticLoopSnapshot('other-thread', 'thread-2') });
      await persist('wf', 'no-thread', { created: 4, snapshot: makeSnapshot('no-thread') });
      // The agentic layout only counts while the step is suspended.
      await persist('wf', 'finished-step', { created: 5, snapshot: agenticLoopSnapshot('finished-step', 'thread-1', 'success') });
      const out = await wf.listWorkflowRuns({ threadId: 'thread-1' });
      expect(runIds(out)).toEqual(['durable', 'agentic']);
      expect(out.total).toBe(2);
      expect(runIds(await wf.listWorkflowRuns({ threadId: 'thread-2' }))).toEqual(['other-thread']);
      expect((await wf.listWorkflowRuns({ threadId: 'thread-none' })).total).toBe(0);
      const paged = await wf.listWorkflowRuns({ threadId: 'thread-1', page: 0, perPage: 1 });
      expect(runIds(paged)).toEqual(['durable']);
      expect(paged.total).toBe(2);
    });
  });

  // ---------------------------------------------------------------------------------------
  describe('updateWorkflowResults', () => {
    it('creates a fresh pending snapshot for a missing run and returns its context', async () => {
      const before = Date.now();
      const ctx = await wf.updateWorkflowResults({
        workflowName: 'wf',
        runId: 'fresh',
        stepId: 'step-a',
        result: { status: 'success', output: { x: 1 } } as any,
        requestContext: { user: 'u1' },
      });
      const after = Date.now();
      expect(ctx).toEqual({ 'step-a': { status: 'success', output: { x: 1 } } });
      const snap = (await wf.loadWorkflowSnapshot({ workflowName: 'wf', runId: 'fresh' })) as any;
      expect(snap.status).toBe('pending');
      expect(snap.runId).toBe('fresh');
      expect(snap.context).toEqual({ 'step-a': { status: 'success', output: { x: 1 } } });
      expect(snap.requestContext).toEqual({ user: 'u1' });
      expect(snap).toMatchObject({
        activePaths: [],
        activeStepsPath: {},
        suspendedPaths: {},
        resumeLabels: {},
        serializedStepGraph: [],
        value: {},
        waitingPaths: {},
      });
      expect(typeof snap.timestamp).toBe('number');
      expect(snap.timestamp).toBeGreaterThanOrEqual(before);
      expect(snap.timestamp).toBeLessThanOrEqual(after);
      const run = await wf.getWorkflowRunById({ runId: 'fresh', workflowName: 'wf' });
      expectDateBetween(run!.createdAt, before, after);
      expectDateBetween(run!.updatedAt, before, after);
      expect(run!.resourceId ?? null).toBeNull();
    });

    it('merges into an existing run: other steps and fields kept, createdAt kept, updatedAt refreshed', async () => {
      await persist('wf', 'r1', {
        created: 1,
        updated: 2,
        resourceId: 'res',
        snapshot: makeSnapshot('r1', { status: 'running', context: { input: { a: 1 }, s0: { status: 'success', output: 0 } } }),
      });
      const before = Date.now();
      const ctx = await wf.updateWorkflowResults({
        workflowName: 'wf',
        runId: 'r1',
        stepId: 's1',
        result: { status: 'success', output: 'one' } as any,
        requestContext: {},
      });
      const after = Date.now();
      expect(ctx).toEqual({ input: { a: 1 }, s0: { status: 'success', output: 0 }, s1: { status: 'success', output: 'one' } });
      const run = await wf.getWorkflowRunById({ runId: 'r1', workflowName: 'wf' });
      expect((run!.snapshot as any).status).toBe('running');
      expect((run!.snapshot as any).context).toEqual(ctx);
      expect(run!.resourceId).toBe('res');
      expectDate(run!.createdAt, wfAt(1));
      expectDateBetween(run!.updatedAt, before, after);
    });

    it('a second call for the same step replaces its result', async () => {
      const base = { workflowName: 'wf', runId: 'r1', stepId: 's', requestContext: {} };
      await wf.updateWorkflowResults({ ...base, result: { status: 'running', output: { a: 1, b: 2 } } as any });
      const ctx = await wf.updateWorkflowResults({ ...base, result: { status: 'success', output: { c: 3 } } as any });
      expect(ctx.s).toEqual({ status: 'success', output: { c: 3 } });
      const snap = await wf.loadWorkflowSnapshot({ workflowName: 'wf', runId: 'r1' });
      expect((snap as any).context.s).toEqual({ status: 'success', output: { c: 3 } });
    });

    it('merges requestContext shallowly across calls (later keys win)', async () => {
      await persist('wf', 'r1', { snapshot: makeSnapshot('r1', { requestContext: { keep: 1, over: 'old' } }) });
      await wf.updateWorkflowResults({ workflowName: 'wf', runId: 'r1', stepId: 'a', result: { status: 'success' } as any, requestContext: { over: 'new', a: { nested: true } } });
      await wf.updateWorkflowResults({ workflowName: 'wf', runId: 'r1', stepId: 'b', result: { status: 'success' } as any, requestContext: { b: 2 } });
      const snap = (await wf.loadWorkflowSnapshot({ workflowName: 'wf', runId: 'r1' })) as any;
      expect(snap.requestContext).toEqual({ keep: 1, over: 'new', a: { nested: true }, b: 2 });
    });

    it('foreach: array outputs merge slot by slot and the new step fields apply', async () => {
      const base = { workflowName: 'wf', runId: 'r1', stepId: 'each', requestContext: {} };
      await wf.updateWorkflowResults({ ...base, result: { status: 'running', output: [10, null, null] } as any });
      await wf.updateWorkflowResults({ ...base, result: { status: 'running', output: [null, 20, null] } as any });
      const ctx = await wf.updateWorkflowResults({ ...base, result: { status: 'success', output: [null, null, 30, 40], endedAt: 5 } as any });
      expect(ctx.each).toEqual({ status: 'success', output: [10, 20, 30, 40], endedAt: 5 });
      // A non-null new value overwrites a finished slot.
      const ctx2 = await wf.updateWorkflowResults({ ...base, result: { status: 'success', output: [11] } as any });
      expect((ctx2.each as any).output).toEqual([11, 20, 30, 40]);
      const snap = (await wf.loadWorkflowSnapshot({ workflowName: 'wf', runId: 'r1' })) as any;
      expect(snap.context.each.output).toEqual([11, 20, 30, 40]);
    });

    it('foreach: a non-array output on either side replaces the whole step', async () => {
      const base = { workflowName: 'wf', runId: 'r1', stepId: 'x', requestContext: {} };
      await wf.updateWorkflowResults({ ...base, result: { status: 'running', output: [1, 2] } as any });
      let ctx = await wf.updateWorkflowResults({ ...base, result: { status: 'success', output: { total: 3 } } as any });
      expect(ctx.x).toEqual({ status: 'success', output: { total: 3 } });
      ctx = await wf.updateWorkflowResults({ ...base, result: { status: 'running', output: [null, 5] } as any });
      expect(ctx.x).toEqual({ status: 'running', output: [null, 5] });
    });

    it('pending marker resets null/suspended slots but not finished ones, and returns the context', async () => {
      const suspended = { status: 'suspended', suspendPayload: { why: 'wait' }, payload: 1 };
      await persist('wf', 'r1', {
        snapshot: makeSnapshot('r1', {
          context: {
            input: {},
            each: { status: 'suspended', payload: [1, 2, 3, 4], output: ['done', suspended, null, { status: 'suspended' }], startedAt: 7 },
          },
        }),
      });
      const ctx = await wf.updateWorkflowResults({
        workflowName: 'wf',
        runId: 'r1',
        stepId: 'each',
        result: { status: 'running', output: [PENDING, PENDING, PENDING, PENDING, PENDING], startedAt: 99 } as any,
        requestContext: { resumed: true },
      });
      // slot 0 finished: kept; slot 1 suspended step result: reset; slot 2 null: stays null;
      // slot 3 is a plain user value that merely has status 'suspended': kept; slot 4 is new: null.
      // A pending write keeps the step's own fields (status, startedAt).
      expect(ctx.each).toEqual({
        status: 'suspended',
        payload: [1, 2, 3, 4],
        output: ['done', null, null, { status: 'suspended' }, null],
        startedAt: 7,
      });
      expect(ctx.input).toEqual({});
      const snap = (await wf.loadWorkflowSnapshot({ workflowName: 'wf', runId: 'r1' })) as any;
      expect(snap.context).toEqual(ctx);
      expect(snap.requestContext).toEqual({ resumed: true });
    });

    it('a pending write ignores the non-marker values it carries; a marker with extra keys is a value', async () => {
      const base = { workflowName: 'wf', runId: 'r1', stepId: 'each', requestContext: {} };
      await wf.updateWorkflowResults({ ...base, result: { status: 'running', output: [null, 'b', null] } as any });
      let ctx = await wf.updateWorkflowResults({ ...base, result: { status: 'running', output: [PENDING, 'ignored', 'ignored'] } as any });
      expect((ctx.each as any).output).toEqual([null, 'b', null]);
      const notAMarker = { __mastra_pending__: true, extra: 1 };
      ctx = await wf.updateWorkflowResults({ ...base, result: { status: 'running', output: [notAMarker] } as any });
      expect((ctx.each as any).output).toEqual([notAMarker, 'b', null]);
      // Now slot 0 holds a finished value; a marker does not reset it.
      ctx = await wf.updateWorkflowResults({ ...base, result: { status: 'running', output: [PENDING] } as any });
      expect((ctx.each as any).output).toEqual([notAMarker, 'b', null]);
    });

    it('the returned context is a copy that later calls do not change', async () => {
      const base = { workflowName: 'wf', runId: 'r1', requestContext: {} };
      const first = await wf.updateWorkflowResults({ ...base, stepId: 'a', result: { status: 'success' } as any });
      await wf.updateWorkflowResults({ ...base, stepId: 'b', result: { status: 'success' } as any });
      expect(Object.keys(first)).toEqual(['a']);
    });
  });

  // ---------------------------------------------------------------------------------------
  describe('updateWorkflowState', () => {
    it('returns undefined for a missing run and creates nothing', async () => {
      expect(await wf.updateWorkflowState({ workflowName: 'wf', runId: 'nope', opts: { status: 'running' } })).toBeUndefined();
      expect(await wf.listWorkflowRuns()).toEqual({ runs: [], total: 0 });
    });

    it('shallow-merges opts; sequential updates keep earlier fields such as waitingPaths', async () => {
      const original = makeSnapshot('r1', { status: 'running', context: { input: { q: 1 }, s: { status: 'success', output: 1 } } });
      await persist('wf', 'r1', { snapshot: original });
      const first = await wf.updateWorkflowState({ workflowName: 'wf', runId: 'r1', opts: { waitingPaths: { ev: [1, 2] } } as any });
      expect(first).toEqual({ ...(original as any), waitingPaths: { ev: [1, 2] } });
      const second = await wf.updateWorkflowState({
        workflowName: 'wf',
        runId: 'r1',
        opts: { status: 'success', result: { answer: 42 } } as any,
      });
      expect(second).toEqual({ ...(original as any), waitingPaths: { ev: [1, 2] }, status: 'success', result: { answer: 42 } });
      const loaded = await wf.loadWorkflowSnapshot({ workflowName: 'wf', runId: 'r1' });
      expect(loaded).toEqual(second);
    });

    it('replaces top-level keys wholesale (shallow, not deep)', async () => {
      await persist('wf', 'r1', { snapshot: makeSnapshot('r1', { suspendedPaths: { a: [0], b: [1] } }) });
      const out = await wf.updateWorkflowState({ workflowName: 'wf', runId: 'r1', opts: { suspendedPaths: { c: [2] } } as any });
      expect((out as any).suspendedPaths).toEqual({ c: [2] });
    });

    it('leaves createdAt and updatedAt of the row unchanged', async () => {
      await persist('wf', 'r1', { created: 1, updated: 2 });
      const before = Date.now();
      await wf.updateWorkflowState({ workflowName: 'wf', runId: 'r1', opts: { status: 'success' } });
      const after = Date.now();
      const run = await wf.getWorkflowRunById({ runId: 'r1' });
      expectDate(run!.createdAt, wfAt(1));
      if (target === 'pg') {
        // Legitimate anchor difference: @mastra/pg's updateWorkflowState also sets
        // "updatedAt"/"updatedAtZ" to now (libsql's UPDATE only rewrites the snapshot).
        expectDateBetween(run!.updatedAt, before, after);
      } else {
        expectDate(run!.updatedAt, wfAt(2));
      }
      expect((run!.snapshot as any).status).toBe('success');
    });

    it('expectedStatus as a string: applies on match, never persists the guard', async () => {
      await persist('wf', 'r1', { snapshot: makeSnapshot('r1', { status: 'suspended' }) });
      const out = await wf.updateWorkflowState({
        workflowName: 'wf',
        runId: 'r1',
        opts: { status: 'running', expectedStatus: 'suspended' } as any,
      });
      expect(out).toBeDefined();
      expect(out!.status).toBe('running');
      expect(out).not.toHaveProperty('expectedStatus');
      const loaded = (await wf.loadWorkflowSnapshot({ workflowName: 'wf', runId: 'r1' })) as any;
      expect(loaded.status).toBe('running');
      expect(loaded).not.toHaveProperty('expectedStatus');
    });

    it('expectedStatus as an array: applies when the current status is in it', async () => {
      await persist('wf', 'r1', { snapshot: makeSnapshot('r1', { status: 'waiting' }) });
      const out = await wf.updateWorkflowState({
        workflowName: 'wf',
        runId: 'r1',
        opts: { status: 'running', expectedStatus: ['suspended', 'waiting'] } as any,
      });
      expect(out?.status).toBe('running');
      expect(out).not.toHaveProperty('expectedStatus');
      expect((await wf.loadWorkflowSnapshot({ workflowName: 'wf', runId: 'r1' }))!.status).toBe('running');
    });

    it('a mismatched expectedStatus (string or array) returns undefined and writes nothing', async () => {
      const original = makeSnapshot('r1', { status: 'running', waitingPaths: { w: [0] } });
      await persist('wf', 'r1', { created: 1, updated: 2, snapshot: original });
      for (const expectedStatus of ['suspended', ['suspended', 'waiting'], []] as any[]) {
        const out = await wf.updateWorkflowState({
          workflowName: 'wf',
          runId: 'r1',
          opts: { status: 'success', waitingPaths: {}, expectedStatus } as any,
        });
        expect(out).toBeUndefined();
      }
      const run = await wf.getWorkflowRunById({ runId: 'r1' });
      expect(run!.snapshot).toEqual(original);
      expectDate(run!.updatedAt, wfAt(2));
    });

    it('an expectedStatus never matches a snapshot that has no status', async () => {
      const noStatus = makeSnapshot('r1');
      delete (noStatus as any).status;
      await persist('wf', 'r1', { snapshot: noStatus });
      expect(
        await wf.updateWorkflowState({ workflowName: 'wf', runId: 'r1', opts: { status: 'running', expectedStatus: 'pending' } as any }),
      ).toBeUndefined();
      expect(await wf.loadWorkflowSnapshot({ workflowName: 'wf', runId: 'r1' })).toEqual(noStatus);
    });

    it('only touches the named workflow run', async () => {
      await persist('wf-a', 'r1', { created: 1, snapshot: makeSnapshot('r1', { status: 'suspended' }) });
      await persist('wf-b', 'r1', { created: 2, snapshot: makeSnapshot('r1', { status: 'suspended' }) });
      await wf.updateWorkflowState({ workflowName: 'wf-a', runId: 'r1', opts: { status: 'success' } });
      expect((await wf.loadWorkflowSnapshot({ workflowName: 'wf-a', runId: 'r1' }))!.status).toBe('success');
      expect((await wf.loadWorkflowSnapshot({ workflowName: 'wf-b', runId: 'r1' }))!.status).toBe('suspended');
    });

    it('works on a run created by updateWorkflowResults', async () => {
      await wf.updateWorkflowResults({ workflowName: 'wf', runId: 'r1', stepId: 's', result: { status: 'success' } as any, requestContext: {} });
      const out = await wf.updateWorkflowState({
        workflowName: 'wf',
        runId: 'r1',
        opts: { status: 'running', expectedStatus: 'pending' } as any,
      });
      expect(out?.status).toBe('running');
      expect((out as any).context).toEqual({ s: { status: 'success' } });
      await sleepMs(1);
      expect((await wf.listWorkflowRuns({ status: 'running' })).total).toBe(1);
    });
  });

  // ---------------------------------------------------------------------------------------
  describe('strings every JavaScript value can hold: NUL and lone UTF-16 surrogates', () => {
    // A snapshot is whatever the workflow's steps produced, and JSON.stringify writes NUL as
    // \u0000 and a lone surrogate as \udXXX. The two reference stores differ here, both
    // legitimately: libsql keeps such JSON text verbatim, while @mastra/pg runs every write
    // through toPgJson (storage/db/sanitize-json.ts) because jsonb rejects those escapes: it
    // removes NUL and replaces a lone surrogate with U+FFFD, in values and keys (and its
    // updates return the in-memory values, unrepaired). NativeStore may do either, but it
    // must never fail, must store one form consistently, and must do exactly the same on
    // both engines: on 'native-pg' every observation is compared with NativeStore on SQLite.
    const pgRepair = (v: string) =>
      v.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD').replaceAll('\0', '');
    const deepMap = (v: unknown, f: (s: string) => string): unknown => {
      if (typeof v === 'string') return f(v);
      if (Array.isArray(v)) return v.map(x => deepMap(x, f));
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [f(k), deepMap(x, f)]));
      return v;
    };

    /** Everything a store gives back around writes carrying `odd`, split into stored and returned values. */
    async function observe(w: WorkflowsStorage, odd: string, oddKey: string) {
      const text = { text: odd, list: [odd, 'plain'], [oddKey]: 'value under an odd key' };
      const snap = makeSnapshot('r1', { status: 'suspended', context: { input: text }, value: { v: odd } });
      await w.persistWorkflowSnapshot({ workflowName: 'wf', runId: 'r1', resourceId: 'res', snapshot: snap, createdAt: wfAt(1), updatedAt: wfAt(1) });
      const afterPersist = await w.loadWorkflowSnapshot({ workflowName: 'wf', runId: 'r1' });
      // Both read-modify-write updates on top of the stored row, each adding more such text.
      const ctx = await w.updateWorkflowResults({
        workflowName: 'wf',
        runId: 'r1',
        stepId: 's',
        result: { status: 'success', output: text } as any,
        requestContext: { note: odd },
      });
      const state = await w.updateWorkflowState({
        workflowName: 'wf',
        runId: 'r1',
        opts: { status: 'running', result: text, expectedStatus: 'suspended' } as any,
      });
      const afterUpdates = await w.loadWorkflowSnapshot({ workflowName: 'wf', runId: 'r1' });
      const listed = await w.listWorkflowRuns({ status: 'running', resourceId: 'res' });
      const got = await w.getWorkflowRunById({ runId: 'r1' });
      // A run that updateWorkflowResults creates.
      const freshCtx = await w.updateWorkflowResults({
        workflowName: 'wf',
        runId: 'fresh',
        stepId: 's',
        result: { status: 'success', output: text } as any,
        requestContext: { [oddKey]: odd },
      });
      const fresh = (await w.loadWorkflowSnapshot({ workflowName: 'wf', runId: 'fresh' })) as any;
      const expectedAfterUpdates = {
        ...(snap as any),
        status: 'running',
        result: text,
        context: { input: text, s: { status: 'success', output: text } },
        requestContext: { note: odd },
      };
      return {
        // What the store wrote, read back in every way.
        stored: {
          afterPersist,
          afterUpdates,
          listedTotal: listed.total,
          listed: listed.runs.map(r => r.snapshot),
          got: got?.snapshot,
          fresh: { context: fresh?.context, requestContext: fresh?.requestContext },
        },
        // What the updates returned.
        returned: { ctx: ctx.s, state: { status: state?.status, result: (state as any)?.result }, freshCtx },
        // The same, as a store that keeps every string verbatim gives them.
        verbatim: {
          stored: {
            afterPersist: snap,
            afterUpdates: expectedAfterUpdates,
            listedTotal: 1,
            listed: [expectedAfterUpdates],
            got: expectedAfterUpdates,
            fresh: { context: { s: { status: 'success', output: text } }, requestContext: { [oddKey]: odd } },
          },
          returned: { ctx: { status: 'success', output: text }, state: { status: 'running', result: text }, freshCtx: { s: { status: 'success', output: text } } },
        },
      };
    }

    async function check(odd: string, oddKey: string) {
      const seen = await observe(wf, odd, oddKey);
      const { verbatim } = seen;
      const repaired = deepMap(verbatim.stored, pgRepair);
      // Sanity: the repair really changes these strings, so the two forms are told apart.
      expect(repaired).not.toEqual(verbatim.stored);
      if (target === 'libsql') {
        expect(seen.stored).toEqual(verbatim.stored);
        expect(seen.returned).toEqual(verbatim.returned);
      } else if (target === 'pg') {
        // Legitimate anchor difference: toPgJson's repair (see above).
        expect(seen.stored).toEqual(repaired);
        expect(seen.returned).toEqual(verbatim.returned);
      } else {
        // NativeStore: one of the two forms, the same one everywhere.
        if (isDeepStrictEqual(seen.stored, verbatim.stored)) expect(seen.stored).toEqual(verbatim.stored);
        else expect(seen.stored, 'stored neither verbatim nor as @mastra/pg repairs it').toEqual(repaired);
        expect([verbatim.returned, deepMap(verbatim.returned, pgRepair)]).toContainEqual(seen.returned);
      }
      if (target === 'native-pg') {
        // One behaviour on both engines: NativeStore on SQLite gives back exactly the same.
        const twin = await makeStore('native');
        try {
          const onSqlite = await observe(await workflowsOf(twin), odd, oddKey);
          expect({ stored: seen.stored, returned: seen.returned }, 'native-pg differs from native').toEqual({
            stored: onSqlite.stored,
            returned: onSqlite.returned,
          });
        } finally {
          await twin.close();
        }
      }
    }

    it('NUL characters (in values and keys) survive persist, both updates and every read', async () => {
      await check('a\u0000b\u0000', 'k\u0000ey');
    });

    it('lone surrogates (in values and keys) survive persist, both updates and every read', async () => {
      // A lone high, a lone low, and a real pair (an emoji) that must stay intact beside them.
      await check('x\uD800y \uDC00 \uD83D\uDE80 end\uD83D', 'k\uDFFFey');
    });
  });
});
