// Bad input against NativeStore's workflows domain. Every rejection must be a MastraError with id
// MASTRA_STORAGE_NATIVE_<OP>_FAILED, category USER and details.code INVALID_ARGUMENT (or
// NOT_FOUND), and must leave the database exactly as it was. NativeStore only, on every engine
// (one behaviour on SQLite and PostgreSQL): @mastra/libsql and @mastra/pg are not held to this
// (they store BigInts as strings, throw TypeErrors on bad dates, …).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WorkflowsStorage } from '@mastra/core/storage';
import { NativeStore } from '../index.js';
import { nativeConfig, nativeTargets, type AnyStore } from './helpers/stores';
import { expectDate, expectNativeError, makeSnapshot, rejectionOf, wfAt, workflowsOf } from './helpers/workflow-fixtures';

const INVALID = { category: 'USER', code: 'INVALID_ARGUMENT' } as const;

describe.each(nativeTargets)('workflows bad input [%s]', target => {
  let store: AnyStore;
  let wf: WorkflowsStorage;
  const baseline = makeSnapshot('base', { status: 'suspended', context: { input: { a: 1 }, s: { status: 'success', output: [1, 2] } } });

  beforeEach(async () => {
    store = new NativeStore({ id: `wf-bad-input-${target}`, ...nativeConfig(target) }) as unknown as AnyStore;
    await store.init();
    wf = await workflowsOf(store);
    await wf.persistWorkflowSnapshot({
      workflowName: 'wf',
      runId: 'base',
      resourceId: 'res',
      snapshot: baseline,
      createdAt: wfAt(1),
      updatedAt: wfAt(2),
    });
  });

  afterEach(async () => {
    await store?.close();
  });

  /** Exactly the baseline run is stored, unchanged. */
  async function expectBaselineIntact() {
    const all = await wf.listWorkflowRuns();
    expect(all.total).toBe(1);
    expect(all.runs.map(r => `${r.workflowName}/${r.runId}`)).toEqual(['wf/base']);
    const run = await wf.getWorkflowRunById({ runId: 'base', workflowName: 'wf' });
    expect(run!.snapshot).toEqual(baseline);
    expect(run!.resourceId).toBe('res');
    expectDate(run!.createdAt, wfAt(1));
    expectDate(run!.updatedAt, wfAt(2));
  }

  // ---- unknown ids --------------------------------------------------------------------------
  it('unknown run ids: load → null, getWorkflowRunById → null, updateWorkflowState → undefined, delete resolves', async () => {
    expect(await wf.loadWorkflowSnapshot({ workflowName: 'wf', runId: 'ghost' })).toBeNull();
    expect(await wf.loadWorkflowSnapshot({ workflowName: 'ghost-wf', runId: 'base' })).toBeNull();
    expect(await wf.getWorkflowRunById({ runId: 'ghost' })).toBeNull();
    expect(await wf.getWorkflowRunById({ runId: 'ghost', workflowName: 'wf' })).toBeNull();
    expect(await wf.updateWorkflowState({ workflowName: 'wf', runId: 'ghost', opts: { status: 'running' } })).toBeUndefined();
    expect(
      await wf.updateWorkflowState({ workflowName: 'wf', runId: 'ghost', opts: { status: 'running', expectedStatus: 'suspended' } as any }),
    ).toBeUndefined();
    await expect(wf.deleteWorkflowRunById({ runId: 'ghost', workflowName: 'wf' })).resolves.toBeUndefined();
    await expect(wf.deleteWorkflowRunById({ runId: 'base', workflowName: 'ghost-wf' })).resolves.toBeUndefined();
    await expectBaselineIntact();
  });

  it('ids that look like SQL or JSON paths are just opaque strings', async () => {
    const odd = [`x' OR '1'='1`, '$.context', '%', '_', 'a"b', '🚀 run', ' spaced '];
    for (const runId of odd) {
      expect(await wf.getWorkflowRunById({ runId })).toBeNull();
      await wf.persistWorkflowSnapshot({ workflowName: 'odd', runId, snapshot: makeSnapshot(runId), createdAt: wfAt(5), updatedAt: wfAt(5) });
      expect((await wf.getWorkflowRunById({ runId }))!.runId).toBe(runId);
    }
    expect((await wf.listWorkflowRuns({ workflowName: 'odd' })).total).toBe(odd.length);
    expect((await wf.listWorkflowRuns({ workflowName: '%' })).total).toBe(0);
    for (const runId of odd) await wf.deleteWorkflowRunById({ runId, workflowName: 'odd' });
    await expectBaselineIntact();
  });

  it('ids, resourceIds and filters containing a NUL character: accepted or a USER error, the same on both engines', async () => {
    // JavaScript strings may hold NUL; SQLite text keeps it, PostgreSQL text refuses it. Either
    // answer is fine for NativeStore (round-trip, or reject as bad input writing nothing), but
    // never a THIRD_PARTY database error, and the same answer on both engines.
    async function outcomes(w: WorkflowsStorage) {
      const NUL_RUN = 'run\u0000id';
      const snap = makeSnapshot('nul', { status: 'suspended' });
      const steps: [string, () => Promise<unknown>][] = [
        ['persist runId', () => w.persistWorkflowSnapshot({ workflowName: 'wf-nul', runId: NUL_RUN, snapshot: snap, createdAt: wfAt(5), updatedAt: wfAt(5) })],
        ['persist workflowName', () => w.persistWorkflowSnapshot({ workflowName: 'wf\u0000nul', runId: 'r', snapshot: snap, createdAt: wfAt(6), updatedAt: wfAt(6) })],
        ['persist resourceId', () => w.persistWorkflowSnapshot({ workflowName: 'wf-nul', runId: 'r2', resourceId: 'res\u0000', snapshot: snap, createdAt: wfAt(7), updatedAt: wfAt(7) })],
        ['get', () => w.getWorkflowRunById({ runId: NUL_RUN })],
        ['load', () => w.loadWorkflowSnapshot({ workflowName: 'wf-nul', runId: NUL_RUN })],
        ['list workflowName', () => w.listWorkflowRuns({ workflowName: 'wf\u0000nul' })],
        ['list resourceId', () => w.listWorkflowRuns({ resourceId: 'res\u0000' })],
        ['list status', () => w.listWorkflowRuns({ status: 'suspended\u0000' as any })],
        ['list threadId', () => w.listWorkflowRuns({ threadId: 'th\u0000' } as any)],
        ['results', () => w.updateWorkflowResults({ workflowName: 'wf-nul', runId: 'fresh\u0000', stepId: 's', result: { status: 'success' } as any, requestContext: {} })],
        ['state', () => w.updateWorkflowState({ workflowName: 'wf-nul', runId: NUL_RUN, opts: { status: 'running', expectedStatus: 'suspended' } as any })],
        ['delete', () => w.deleteWorkflowRunById({ workflowName: 'wf-nul', runId: NUL_RUN })],
        ['list after', () => w.listWorkflowRuns()],
      ];
      const out: Record<string, unknown> = {};
      for (const [label, fn] of steps) {
        try {
          out[label] = { ok: JSON.parse(JSON.stringify((await fn()) ?? null)) };
        } catch (err: any) {
          expect({ op: label, category: err?.category, code: err?.details?.code }, String(err?.message)).toEqual({ op: label, ...INVALID });
          expectNativeError(err, INVALID);
          out[label] = { rejected: err.details?.code };
        }
      }
      return out;
    }
    const seen = await outcomes(wf);
    if (target === 'native-pg') {
      const twin = new NativeStore({ id: 'wf-bad-input-twin', ...nativeConfig('native') }) as unknown as AnyStore;
      await twin.init();
      try {
        const tw = await workflowsOf(twin);
        await tw.persistWorkflowSnapshot({ workflowName: 'wf', runId: 'base', resourceId: 'res', snapshot: baseline, createdAt: wfAt(1), updatedAt: wfAt(2) });
        expect(seen, 'native-pg differs from native').toEqual(await outcomes(tw));
      } finally {
        await twin.close();
      }
    }
  });

  // ---- values JSON cannot hold ----------------------------------------------------------------
  it('persistWorkflowSnapshot with a BigInt in the snapshot is a USER error and writes nothing', async () => {
    const snap: any = makeSnapshot('big', { value: { n: 10n } });
    const err = await rejectionOf(wf.persistWorkflowSnapshot({ workflowName: 'wf', runId: 'big', snapshot: snap }));
    expectNativeError(err, { ...INVALID, op: 'PERSIST_WORKFLOW_SNAPSHOT' });
    // Not even over an existing run.
    const err2 = await rejectionOf(wf.persistWorkflowSnapshot({ workflowName: 'wf', runId: 'base', snapshot: snap }));
    expectNativeError(err2, INVALID);
    expect(await wf.getWorkflowRunById({ runId: 'big' })).toBeNull();
    await expectBaselineIntact();
  });

  it('persistWorkflowSnapshot with a circular snapshot is a USER error and writes nothing', async () => {
    const snap: any = makeSnapshot('circ');
    snap.context.self = snap;
    const err = await rejectionOf(wf.persistWorkflowSnapshot({ workflowName: 'wf', runId: 'circ', snapshot: snap }));
    expectNativeError(err, { ...INVALID, op: 'PERSIST_WORKFLOW_SNAPSHOT' });
    const err2 = await rejectionOf(wf.persistWorkflowSnapshot({ workflowName: 'wf', runId: 'base', snapshot: snap }));
    expectNativeError(err2, INVALID);
    expect(await wf.getWorkflowRunById({ runId: 'circ' })).toBeNull();
    await expectBaselineIntact();
  });

  it('updateWorkflowResults with a BigInt or circular result is a USER error and changes nothing', async () => {
    const circular: any = { status: 'success' };
    circular.output = circular;
    for (const result of [{ status: 'success', output: 1n }, circular]) {
      for (const runId of ['base', 'fresh']) {
        const err = await rejectionOf(
          wf.updateWorkflowResults({ workflowName: 'wf', runId, stepId: 's', result: result as any, requestContext: {} }),
        );
        expectNativeError(err, { ...INVALID, op: 'UPDATE_WORKFLOW_RESULTS' });
      }
    }
    const err = await rejectionOf(
      wf.updateWorkflowResults({ workflowName: 'wf', runId: 'base', stepId: 's', result: { status: 'success' } as any, requestContext: { n: 5n } }),
    );
    expectNativeError(err, INVALID);
    await expectBaselineIntact();
  });

  it('updateWorkflowState with a BigInt in opts is a USER error and changes nothing', async () => {
    const err = await rejectionOf(
      wf.updateWorkflowState({ workflowName: 'wf', runId: 'base', opts: { status: 'running', result: { n: 1n } } as any }),
    );
    expectNativeError(err, { ...INVALID, op: 'UPDATE_WORKFLOW_STATE' });
    await expectBaselineIntact();
  });

  // ---- malformed dates ---------------------------------------------------------------------
  it('persistWorkflowSnapshot with an invalid Date (createdAt or updatedAt) is a USER error and writes nothing', async () => {
    for (const dates of [{ createdAt: new Date('nope') }, { updatedAt: new Date('nope') }, { createdAt: new Date(NaN), updatedAt: wfAt(3) }]) {
      for (const runId of ['bad-date', 'base']) {
        const err = await rejectionOf(wf.persistWorkflowSnapshot({ workflowName: 'wf', runId, snapshot: makeSnapshot(runId), ...dates }));
        expectNativeError(err, { ...INVALID, op: 'PERSIST_WORKFLOW_SNAPSHOT' });
      }
    }
    expect(await wf.getWorkflowRunById({ runId: 'bad-date' })).toBeNull();
    await expectBaselineIntact();
  });

  it('persistWorkflowSnapshot with createdAt/updatedAt strings that are not dates is a USER error and writes nothing', async () => {
    for (const dates of [{ createdAt: 'not a date' }, { updatedAt: 'yesterday' }, { createdAt: '2024-13-45T99:00:00Z' }, { createdAt: '' }]) {
      for (const runId of ['bad-date', 'base']) {
        const err = await rejectionOf(
          wf.persistWorkflowSnapshot({ workflowName: 'wf', runId, snapshot: makeSnapshot(runId), ...(dates as any) }),
        );
        expectNativeError(err, INVALID);
      }
    }
    expect(await wf.getWorkflowRunById({ runId: 'bad-date' })).toBeNull();
    await expectBaselineIntact();
  });

  it('an ISO string createdAt is accepted and normalised to the stored form', async () => {
    await wf.persistWorkflowSnapshot({
      workflowName: 'wf',
      runId: 'iso',
      snapshot: makeSnapshot('iso'),
      createdAt: '2024-01-02T05:04:05+02:00' as any,
      updatedAt: wfAt(7).toISOString() as any,
    });
    const run = await wf.getWorkflowRunById({ runId: 'iso' });
    expectDate(run!.createdAt, Date.UTC(2024, 0, 2, 3, 4, 5));
    expectDate(run!.updatedAt, wfAt(7));
  });

  it('listWorkflowRuns with an invalid fromDate/toDate (Date or string) is a USER error', async () => {
    for (const args of [
      { fromDate: new Date('nope') },
      { toDate: new Date(NaN) },
      { fromDate: 'garbage' },
      { toDate: 'tomorrow-ish' },
      { fromDate: wfAt(0), toDate: new Date('nope'), page: 0, perPage: 5 },
    ]) {
      const err = await rejectionOf(wf.listWorkflowRuns(args as any));
      expectNativeError(err, { ...INVALID, op: 'LIST_WORKFLOW_RUNS' });
    }
    // A valid ISO string bound is fine.
    expect((await wf.listWorkflowRuns({ fromDate: wfAt(1).toISOString() as any, toDate: wfAt(1).toISOString() as any })).total).toBe(1);
    await expectBaselineIntact();
  });

  // ---- empty identifiers --------------------------------------------------------------------
  it('persistWorkflowSnapshot with an empty workflowName or runId is a USER error and writes nothing', async () => {
    for (const [workflowName, runId] of [
      ['', 'r'],
      ['wf', ''],
      ['   ', 'r'],
      ['wf', '  '],
      [undefined, 'r'],
      ['wf', undefined],
    ]) {
      const err = await rejectionOf(
        wf.persistWorkflowSnapshot({ workflowName: workflowName as any, runId: runId as any, snapshot: makeSnapshot('r') }),
      );
      expectNativeError(err, { ...INVALID, op: 'PERSIST_WORKFLOW_SNAPSHOT' });
    }
    await expectBaselineIntact();
  });

  it('updateWorkflowResults with an empty workflowName, runId or stepId is a USER error and writes nothing', async () => {
    for (const [workflowName, runId, stepId] of [
      ['', 'fresh', 's'],
      ['wf', '', 's'],
      ['wf', 'fresh', ''],
      ['wf', 'base', ''],
      [' ', 'base', 's'],
    ]) {
      const err = await rejectionOf(
        wf.updateWorkflowResults({ workflowName, runId, stepId, result: { status: 'success' } as any, requestContext: {} }),
      );
      expectNativeError(err, { ...INVALID, op: 'UPDATE_WORKFLOW_RESULTS' });
    }
    await expectBaselineIntact();
  });

  it('updateWorkflowState with an empty workflowName or runId is a USER error', async () => {
    for (const [workflowName, runId] of [
      ['', 'base'],
      ['wf', ''],
    ]) {
      const err = await rejectionOf(wf.updateWorkflowState({ workflowName, runId, opts: { status: 'running' } }));
      expectNativeError(err, { ...INVALID, op: 'UPDATE_WORKFLOW_STATE' });
    }
    await expectBaselineIntact();
  });

  it('getWorkflowRunById with an empty runId never returns some other run', async () => {
    let got: unknown = null;
    try {
      got = await wf.getWorkflowRunById({ runId: '' });
    } catch (err) {
      expectNativeError(err, INVALID);
    }
    expect(got).toBeNull();
  });

  it('persistWorkflowSnapshot without a snapshot is a USER error and writes nothing', async () => {
    const err = await rejectionOf(wf.persistWorkflowSnapshot({ workflowName: 'wf', runId: 'nosnap' } as any));
    expectNativeError(err, { ...INVALID, op: 'PERSIST_WORKFLOW_SNAPSHOT' });
    expect(await wf.getWorkflowRunById({ runId: 'nosnap' })).toBeNull();
    await expectBaselineIntact();
  });

  // ---- pagination ---------------------------------------------------------------------------
  it('negative or non-integer page/perPage with pagination is a USER error', async () => {
    for (const [page, perPage, msg] of [
      [-1, 2, /page must be >= 0/],
      [0, -1, /perPage must be >= 0/],
      [-3, -3, /must be >= 0/],
      [0, 1.5, /perPage must be >= 0/],
      [0.5, 2, /page must be >= 0/],
    ] as const) {
      const err = await rejectionOf(wf.listWorkflowRuns({ page, perPage }));
      expectNativeError(err, { ...INVALID, op: 'LIST_WORKFLOW_RUNS', message: msg });
    }
    await expectBaselineIntact();
  });

  it('non-finite page/perPage (NaN, Infinity) with pagination is a USER error, not "return everything"', async () => {
    // typeof NaN === 'number', so libsql paginates and rejects these too; silently dropping
    // pagination would hand a caller every row of the table.
    await wf.persistWorkflowSnapshot({ workflowName: 'wf', runId: 'second', snapshot: makeSnapshot('second'), createdAt: wfAt(4) });
    for (const [page, perPage, msg] of [
      [0, NaN, /perPage must be >= 0/],
      [0, Infinity, /perPage must be >= 0/],
      [NaN, 1, /page must be >= 0/],
      [-Infinity, 1, /page must be >= 0/],
    ] as const) {
      const err = await rejectionOf(wf.listWorkflowRuns({ page, perPage }));
      expectNativeError(err, { ...INVALID, op: 'LIST_WORKFLOW_RUNS', message: msg });
    }
  });

  // ---- stored snapshots the updates cannot work on ----------------------------------------------
  it('updateWorkflowState on a stored snapshot without context is NOT_FOUND and changes nothing', async () => {
    const noContext: any = { runId: 'noctx', status: 'suspended', value: {} };
    await wf.persistWorkflowSnapshot({ workflowName: 'wf', runId: 'noctx', snapshot: noContext, createdAt: wfAt(3), updatedAt: wfAt(3) });
    const err = await rejectionOf(wf.updateWorkflowState({ workflowName: 'wf', runId: 'noctx', opts: { status: 'running' } }));
    expectNativeError(err, { category: 'USER', code: 'NOT_FOUND', op: 'UPDATE_WORKFLOW_STATE', message: /Snapshot not found for runId noctx/ });
    expect(await wf.loadWorkflowSnapshot({ workflowName: 'wf', runId: 'noctx' })).toEqual(noContext);
  });

  it('updateWorkflowResults on a stored snapshot without context is a USER error and changes nothing', async () => {
    const noContext: any = { runId: 'noctx', status: 'running' };
    await wf.persistWorkflowSnapshot({ workflowName: 'wf', runId: 'noctx', snapshot: noContext, createdAt: wfAt(3), updatedAt: wfAt(3) });
    const err = await rejectionOf(
      wf.updateWorkflowResults({ workflowName: 'wf', runId: 'noctx', stepId: 's', result: { status: 'success' } as any, requestContext: { a: 1 } }),
    );
    expectNativeError(err, { category: 'USER', op: 'UPDATE_WORKFLOW_RESULTS', message: /Snapshot context not found for runId noctx/ });
    const run = await wf.getWorkflowRunById({ runId: 'noctx' });
    expect(run!.snapshot).toEqual(noContext);
    expectDate(run!.updatedAt, wfAt(3));
  });

  it('an expectedStatus that is neither a status nor a list is a USER error and changes nothing', async () => {
    for (const expectedStatus of [42, { status: 'suspended' }, true]) {
      const err = await rejectionOf(
        wf.updateWorkflowState({ workflowName: 'wf', runId: 'base', opts: { status: 'running', expectedStatus } as any }),
      );
      expectNativeError(err, { ...INVALID, op: 'UPDATE_WORKFLOW_STATE' });
    }
    await expectBaselineIntact();
  });

  it('errors after close are MastraErrors and do not hang', async () => {
    await store.close();
    const err = await rejectionOf(wf.loadWorkflowSnapshot({ workflowName: 'wf', runId: 'base' }));
    expectNativeError(err, { op: 'LOAD_WORKFLOW_SNAPSHOT' });
    expect(err.details?.code).toBe('CLOSED');
  });
});
