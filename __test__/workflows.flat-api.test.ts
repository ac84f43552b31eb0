// The flat workflow API on NativeStore, on every engine (the documented MastraCompositeStore surface):
// saveWorkflowRun / getWorkflowRunById(runId, fields?) / listWorkflowRuns / deleteWorkflowRun.
// getWorkflowRunById returns Mastra's WorkflowState; the oracle for its shape is core's own
// Workflow.getWorkflowRunById (withNestedWorkflows: false) reading the same store.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Mastra } from '@mastra/core/mastra';
import { createWorkflow } from '@mastra/core/workflows';
import { NativeStore } from '../index.js';
import { nativeConfig, nativeTargets } from './helpers/stores';
import { expectDate, makeSnapshot, wfAt, workflowsOf } from './helpers/workflow-fixtures';

type Flat = {
  saveWorkflowRun(run: Record<string, unknown>): Promise<void>;
  getWorkflowRunById(runId: string, fields?: string[]): Promise<any>;
  listWorkflowRuns(input?: Record<string, unknown>): Promise<{ runs: any[]; total: number }>;
  deleteWorkflowRun(runId: string): Promise<void>;
  close(): Promise<void>;
};

const OPTIONAL_FIELDS = [
  'result',
  'error',
  'payload',
  'steps',
  'activeStepsPath',
  'serializedStepGraph',
  'suspendedPaths',
  'resumeLabels',
  'waitingPaths',
] as const;

/** A snapshot with every part a WorkflowState is built from, including engine internals to strip. */
function richSnapshot(runId: string) {
  return makeSnapshot(runId, {
    status: 'failed',
    value: { counter: '2' },
    context: {
      input: { city: 'Oslo', days: 3 },
      __state: { shared: 1 },
      fetch: {
        status: 'success',
        payload: { city: 'Oslo' },
        output: { temp: 4 },
        __state: { internal: true },
        __stateDelta: { d: 1 },
        metadata: { nestedRunId: 'nested-1', owner: 'team-a' },
        startedAt: 10,
        endedAt: 11,
      },
      nested: { status: 'success', output: { ok: 1 }, metadata: { nestedRunId: 'nested-2' }, startedAt: 12, endedAt: 13 },
      each: {
        status: 'suspended',
        payload: [1, 2],
        output: [
          { value: 1, __state: { s: 1 }, metadata: { nestedRunId: 'n3', keep: 'me' } },
          { status: 'suspended', suspendPayload: {}, __state: { s: 2 } },
          7,
          null,
        ],
        startedAt: 14,
      },
      legacyArray: [{ a: 1, __state: { x: 1 } }, 'plain'],
      userData: { status: 'success', output: { __state: 'user value kept', metadata: { nestedRunId: 'user-owned' } } },
    },
    result: { summary: 'partial' },
    error: { message: 'boom', name: 'Error', stack: 'at x' },
    serializedStepGraph: [
      { type: 'step', step: { id: 'fetch', description: 'fetch weather' } },
      { type: 'foreach', step: { id: 'each' }, opts: { concurrency: 1 } },
    ],
    activeStepsPath: { each: [1] },
    suspendedPaths: { each: [1] },
    resumeLabels: { go: { stepId: 'each', foreachIndex: 1 } },
    waitingPaths: { evt: [0] },
    requestContext: { userId: 'u-9' },
    tracingContext: { traceId: 'trace-1', spanId: 'span-1' },
  });
}

/** The WorkflowState steps expected for richSnapshot (input and engine internals removed). */
const EXPECTED_STEPS = {
  fetch: { status: 'success', payload: { city: 'Oslo' }, output: { temp: 4 }, metadata: { owner: 'team-a' }, startedAt: 10, endedAt: 11 },
  nested: { status: 'success', output: { ok: 1 }, startedAt: 12, endedAt: 13 },
  each: {
    status: 'suspended',
    payload: [1, 2],
    output: [{ value: 1, metadata: { keep: 'me' } }, { status: 'suspended', suspendPayload: {} }, 7, null],
    startedAt: 14,
  },
  legacyArray: [{ a: 1 }, 'plain'],
  // Only the step and foreach-iteration levels are cleaned: user output is left alone.
  userData: { status: 'success', output: { __state: 'user value kept', metadata: { nestedRunId: 'user-owned' } } },
};

describe.each(nativeTargets)('workflows flat API [%s]', target => {
  let store: Flat;

  beforeEach(async () => {
    const native = new NativeStore({ id: `wf-flat-${target}`, ...nativeConfig(target) });
    await native.init();
    store = native as unknown as Flat;
  });

  afterEach(async () => {
    await store?.close();
  });

  async function saveRich(runId = 'run-1', workflowName = 'weather') {
    await store.saveWorkflowRun({
      workflow_name: workflowName,
      run_id: runId,
      resourceId: 'user-1',
      snapshot: richSnapshot(runId),
      createdAt: wfAt(1),
      updatedAt: wfAt(2),
    });
  }

  /** Core's own WorkflowState for the run, read through a real Mastra workflow on this store. */
  async function coreState(runId: string, workflowName: string, fields?: string[]) {
    const workflow = createWorkflow({ id: workflowName, inputSchema: z.object({}), outputSchema: z.object({}) });
    const mastra = new Mastra({ storage: store as any, workflows: { [workflowName]: workflow }, logger: false });
    return mastra.getWorkflow(workflowName).getWorkflowRunById(runId, { withNestedWorkflows: false, fields: fields as any });
  }

  it('saveWorkflowRun + getWorkflowRunById(runId) returns the full WorkflowState', async () => {
    await saveRich();
    const state = await store.getWorkflowRunById('run-1');
    expect(Object.keys(state).sort()).toEqual(
      ['runId', 'workflowName', 'resourceId', 'createdAt', 'updatedAt', 'status', 'initialState', ...OPTIONAL_FIELDS].sort(),
    );
    expect(state.runId).toBe('run-1');
    expect(state.workflowName).toBe('weather');
    expect(state.resourceId).toBe('user-1');
    expectDate(state.createdAt, wfAt(1));
    expectDate(state.updatedAt, wfAt(2));
    expect(state.status).toBe('failed');
    expect(state.initialState).toEqual({ counter: '2' });
    expect(state.payload).toEqual({ city: 'Oslo', days: 3 });
    expect(state.result).toEqual({ summary: 'partial' });
    expect(state.error).toEqual({ message: 'boom', name: 'Error', stack: 'at x' });
    expect(state.steps).toEqual(EXPECTED_STEPS);
    expect(state.steps).not.toHaveProperty('input');
    expect(state.steps).not.toHaveProperty('__state');
    expect(state.activeStepsPath).toEqual({ each: [1] });
    expect(state.serializedStepGraph).toEqual(richSnapshot('run-1').serializedStepGraph);
    expect(state.suspendedPaths).toEqual({ each: [1] });
    expect(state.resumeLabels).toEqual({ go: { stepId: 'each', foreachIndex: 1 } });
    expect(state.waitingPaths).toEqual({ evt: [0] });
    // Not requested, so not returned.
    expect(state).not.toHaveProperty('requestContext');
    expect(state).not.toHaveProperty('tracingContext');
  });

  it('matches core Workflow.getWorkflowRunById (withNestedWorkflows: false) for the same stored run', async () => {
    await saveRich();
    const ours = await store.getWorkflowRunById('run-1');
    const theirs = await coreState('run-1', 'weather');
    expect(ours).toEqual(theirs);
  });

  it.each(OPTIONAL_FIELDS.map(f => [f]))('fields [%s]: only that optional part is present, as core builds it', async field => {
    await saveRich();
    const ours = await store.getWorkflowRunById('run-1', [field]);
    expect(Object.keys(ours).sort()).toEqual(
      ['runId', 'workflowName', 'resourceId', 'createdAt', 'updatedAt', 'status', 'initialState', field].sort(),
    );
    expect(ours).toEqual(await coreState('run-1', 'weather', [field]));
  });

  it('several fields at once; an empty fields list means every field', async () => {
    await saveRich();
    const some = await store.getWorkflowRunById('run-1', ['steps', 'result', 'waitingPaths']);
    expect(Object.keys(some).sort()).toEqual(
      ['runId', 'workflowName', 'resourceId', 'createdAt', 'updatedAt', 'status', 'initialState', 'steps', 'result', 'waitingPaths'].sort(),
    );
    expect(some.steps).toEqual(EXPECTED_STEPS);
    expect(some).toEqual(await coreState('run-1', 'weather', ['steps', 'result', 'waitingPaths']));
    expect(await store.getWorkflowRunById('run-1', [])).toEqual(await store.getWorkflowRunById('run-1'));
  });

  it('a requested part the snapshot lacks is left out, and initialState only appears when value is non-empty', async () => {
    await store.saveWorkflowRun({
      workflow_name: 'wf',
      run_id: 'bare',
      snapshot: makeSnapshot('bare', { status: 'running', value: {}, context: { input: { q: 1 } } }),
      createdAt: wfAt(3),
      updatedAt: wfAt(3),
    });
    const some = await store.getWorkflowRunById('bare', ['result', 'error', 'steps', 'payload']);
    expect(some).not.toHaveProperty('result');
    expect(some).not.toHaveProperty('error');
    expect(some).not.toHaveProperty('initialState');
    expect(some.steps).toEqual({});
    expect(some.payload).toEqual({ q: 1 });
    expect(some).toEqual(await coreState('bare', 'wf', ['result', 'error', 'steps', 'payload']));
    const all = await store.getWorkflowRunById('bare');
    expect(all.resourceId ?? null).toBeNull();
    expect(all).toEqual(await coreState('bare', 'wf'));
  });

  it('accepts the requestContext and tracingContext fields core defines (only returned when asked for)', async () => {
    // @mastra/core's WorkflowStateField includes 'requestContext' and 'tracingContext'.
    await saveRich();
    const rc = await store.getWorkflowRunById('run-1', ['requestContext']);
    expect(rc.requestContext).toEqual({ userId: 'u-9' });
    expect(rc).toEqual(await coreState('run-1', 'weather', ['requestContext']));
    const tc = await store.getWorkflowRunById('run-1', ['tracingContext', 'steps']);
    expect(tc.tracingContext).toEqual({ traceId: 'trace-1', spanId: 'span-1' });
    expect(tc).toEqual(await coreState('run-1', 'weather', ['tracingContext', 'steps']));
  });

  it('getWorkflowRunById returns null for an unknown run', async () => {
    expect(await store.getWorkflowRunById('nope')).toBeNull();
    expect(await store.getWorkflowRunById('nope', ['steps'])).toBeNull();
  });

  it('getWorkflowRunById picks the newest run (by createdAt) when two workflows share the runId', async () => {
    await store.saveWorkflowRun({ workflow_name: 'newer', run_id: 'dup', snapshot: makeSnapshot('dup', { status: 'success' }), createdAt: wfAt(20), updatedAt: wfAt(20) });
    await store.saveWorkflowRun({ workflow_name: 'older', run_id: 'dup', snapshot: makeSnapshot('dup', { status: 'failed' }), createdAt: wfAt(10), updatedAt: wfAt(30) });
    const state = await store.getWorkflowRunById('dup');
    expect(state.workflowName).toBe('newer');
    expect(state.status).toBe('success');
  });

  it('saveWorkflowRun accepts the snapshot as a JSON string and stores it as an object', async () => {
    const snap = makeSnapshot('str', { status: 'success', result: { r: 1 } });
    await store.saveWorkflowRun({ workflow_name: 'wf', run_id: 'str', snapshot: JSON.stringify(snap), createdAt: wfAt(4), updatedAt: wfAt(5) });
    const wf = await workflowsOf(store as any);
    expect(await wf.loadWorkflowSnapshot({ workflowName: 'wf', runId: 'str' })).toEqual(snap);
    const state = await store.getWorkflowRunById('str', ['result']);
    expect(state.result).toEqual({ r: 1 });
  });

  it('saveWorkflowRun upserts: keeps createdAt and the stored resourceId, replaces the snapshot', async () => {
    await store.saveWorkflowRun({ workflow_name: 'wf', run_id: 'u', resourceId: 'res-1', snapshot: makeSnapshot('u'), createdAt: wfAt(1), updatedAt: wfAt(1) });
    await store.saveWorkflowRun({ workflow_name: 'wf', run_id: 'u', snapshot: makeSnapshot('u', { status: 'success' }), createdAt: wfAt(9), updatedAt: wfAt(9) });
    const state = await store.getWorkflowRunById('u');
    expect(state.status).toBe('success');
    expect(state.resourceId).toBe('res-1');
    expectDate(state.createdAt, wfAt(1));
    expectDate(state.updatedAt, wfAt(9));
    expect((await store.listWorkflowRuns()).total).toBe(1);
  });

  it('listWorkflowRuns with no input returns every run newest first; with input it filters and paginates', async () => {
    await store.saveWorkflowRun({ workflow_name: 'a', run_id: 'r1', resourceId: 'x', snapshot: makeSnapshot('r1', { status: 'success' }), createdAt: wfAt(1) });
    await store.saveWorkflowRun({ workflow_name: 'b', run_id: 'r2', snapshot: makeSnapshot('r2'), createdAt: wfAt(3) });
    await store.saveWorkflowRun({ workflow_name: 'a', run_id: 'r3', resourceId: 'x', snapshot: makeSnapshot('r3', { status: 'success' }), createdAt: wfAt(2) });
    const all = await store.listWorkflowRuns();
    expect(all.runs.map(r => r.runId)).toEqual(['r2', 'r3', 'r1']);
    expect(all.total).toBe(3);
    expect(all.runs[0].createdAt).toBeInstanceOf(Date);
    expect(all.runs[1].snapshot).toEqual(makeSnapshot('r3', { status: 'success' }));
    const filtered = await store.listWorkflowRuns({ workflowName: 'a', resourceId: 'x', status: 'success', page: 0, perPage: 1 });
    expect(filtered.runs.map(r => r.runId)).toEqual(['r3']);
    expect(filtered.total).toBe(2);
    expect((await store.listWorkflowRuns({ fromDate: wfAt(2), toDate: wfAt(3) })).runs.map(r => r.runId)).toEqual(['r2', 'r3']);
  });

  it('deleteWorkflowRun removes every workflow run with that id and nothing else; unknown ids resolve', async () => {
    await store.saveWorkflowRun({ workflow_name: 'a', run_id: 'gone', snapshot: makeSnapshot('gone'), createdAt: wfAt(1) });
    await store.saveWorkflowRun({ workflow_name: 'b', run_id: 'gone', snapshot: makeSnapshot('gone'), createdAt: wfAt(2) });
    await store.saveWorkflowRun({ workflow_name: 'a', run_id: 'stays', snapshot: makeSnapshot('stays'), createdAt: wfAt(3) });
    await store.deleteWorkflowRun('gone');
    expect(await store.getWorkflowRunById('gone')).toBeNull();
    const wf = await workflowsOf(store as any);
    expect(await wf.loadWorkflowSnapshot({ workflowName: 'a', runId: 'gone' })).toBeNull();
    expect(await wf.loadWorkflowSnapshot({ workflowName: 'b', runId: 'gone' })).toBeNull();
    expect((await store.listWorkflowRuns()).runs.map(r => r.runId)).toEqual(['stays']);
    await expect(store.deleteWorkflowRun('never-existed')).resolves.toBeUndefined();
    expect((await store.listWorkflowRuns()).total).toBe(1);
  });

  it('the flat API and the workflows domain see the same rows', async () => {
    const wf = await workflowsOf(store as any);
    await wf.updateWorkflowResults({ workflowName: 'wf', runId: 'via-domain', stepId: 's', result: { status: 'success', output: 1 } as any, requestContext: {} });
    const state = await store.getWorkflowRunById('via-domain');
    expect(state.status).toBe('pending');
    expect(state.steps).toEqual({ s: { status: 'success', output: 1 } });
    expect(state.workflowName).toBe('wf');
  });
});
