// End-to-end: the workflows domain used the way an application uses it — through Mastra's
// workflow engine (createWorkflow/createStep, suspend/resume, foreach/parallel, nested
// workflows, cancel) and through an Agent whose agentic loop persists its own snapshots —
// with "restarts" (close the store, open a new one on the same database, build a new Mastra).
// Every suite runs against NativeStore and the reference stores on both engines (TEST_TARGETS:
// native, libsql, native-pg, pg); on PostgreSQL "the same database" is the same schema.
//
// What Mastra 1.71 persists for an agent run (loop/workflows/stream.ts + agentic-loop/index.ts):
// the internal `agentic-loop` and `executionWorkflow` workflows persist a "pending" snapshot
// when the run is created and a "suspended" one when a tool needs approval (or suspends);
// "running"/"success" are never written, and both rows are deleted once the run reaches a
// terminal state. So a plain generate/stream turn leaves nothing behind, while a turn that
// waits for tool approval leaves two suspended rows that `approveToolCall*` resumes from.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Agent } from '@mastra/core/agent';
import { Mastra } from '@mastra/core/mastra';
import { createTool } from '@mastra/core/tools';
import { createStep, createWorkflow } from '@mastra/core/workflows';
import { Memory } from '@mastra/memory';
import { z } from 'zod';
import { scriptedModel as mockModel, textOfPrompt, type Content, type PromptMessage } from './helpers/mock-model';
import { memoryOf, nativeTargets, targets, tmpDbUrl, type AnyStore, type Target } from './helpers/stores';
import { makeWorkflowStore } from './helpers/workflow-fixtures';

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

const open = new Set<AnyStore>();

async function openStore(target: Target, url: string): Promise<AnyStore> {
  // @mastra/pg: only the two domains these applications use are initialised (see
  // makeWorkflowStore); every other store is opened exactly as makeStore opens it.
  const store = await makeWorkflowStore(target, { url, id: `wf-e2e-${target}`, domains: ['workflows', 'memory'] });
  open.add(store);
  return store;
}

async function closeStore(store: AnyStore) {
  open.delete(store);
  await store.close();
}

afterEach(async () => {
  vi.restoreAllMocks();
  for (const s of [...open]) await closeStore(s).catch(() => {});
});

async function workflowsOf(store: AnyStore) {
  const wfs = await store.getStore('workflows');
  if (!wfs) throw new Error('store has no workflows domain');
  return wfs;
}

/** A stored run's snapshot as an object (stores may hand it back as a JSON string). */
function snap(run: { snapshot: unknown } | null | undefined): any {
  const s = run?.snapshot;
  return typeof s === 'string' ? JSON.parse(s) : s;
}

/** [workflowName, runId, status] of each listed run, sorted (ties in createdAt have no defined order). */
function summary(runs: Array<{ workflowName: string; runId: string; snapshot: unknown }>) {
  return runs.map(r => [r.workflowName, r.runId, snap(r).status] as const).sort((a, b) => (a.join() < b.join() ? -1 : 1));
}

// ---------------------------------------------------------------------------------------------
// Workflows
// ---------------------------------------------------------------------------------------------

/** Counts step executions across workflow objects, so "ran exactly once" can be asserted. */
const executions: Record<string, number> = {};
const bump = (id: string) => (executions[id] = (executions[id] ?? 0) + 1);

/** order -> prepare (adds a 10% fee) -> approve (suspends until a manager approves). */
function buildApprovalWorkflow() {
  const prepare = createStep({
    id: 'prepare',
    inputSchema: z.object({ item: z.string(), amount: z.number() }),
    outputSchema: z.object({ item: z.string(), amount: z.number(), fee: z.number() }),
    execute: async ({ inputData }) => {
      bump('prepare');
      return { ...inputData, fee: inputData.amount / 10 };
    },
  });
  const approve = createStep({
    id: 'approve',
    inputSchema: z.object({ item: z.string(), amount: z.number(), fee: z.number() }),
    outputSchema: z.object({ item: z.string(), total: z.number(), approvedBy: z.string() }),
    suspendSchema: z.object({ reason: z.string(), total: z.number() }),
    resumeSchema: z.object({ approvedBy: z.string() }),
    execute: async ({ inputData, resumeData, suspend }) => {
      const total = inputData.amount + inputData.fee;
      if (!resumeData) return suspend({ reason: `approve ${inputData.item}`, total });
      bump('approve');
      return { item: inputData.item, total, approvedBy: resumeData.approvedBy };
    },
  });
  return createWorkflow({
    id: 'order-approval',
    inputSchema: z.object({ item: z.string(), amount: z.number() }),
    outputSchema: z.object({ item: z.string(), total: z.number(), approvedBy: z.string() }),
  })
    .then(prepare)
    .then(approve)
    .commit();
}

/** Two parallel branches that each wait for their own sign-off, then a merge step. */
function buildDualSignoffWorkflow() {
  const signoff = (id: 'legal' | 'finance') =>
    createStep({
      id,
      inputSchema: z.object({ doc: z.string() }),
      outputSchema: z.object({ by: z.string() }),
      suspendSchema: z.object({ waitingFor: z.string() }),
      resumeSchema: z.object({ by: z.string() }),
      execute: async ({ inputData, resumeData, suspend }) => {
        if (!resumeData) return suspend({ waitingFor: `${id} sign-off on ${inputData.doc}` });
        return { by: resumeData.by };
      },
    });
  const merge = createStep({
    id: 'merge',
    inputSchema: z.object({ legal: z.object({ by: z.string() }), finance: z.object({ by: z.string() }) }),
    outputSchema: z.object({ signedBy: z.array(z.string()) }),
    execute: async ({ inputData }) => ({ signedBy: [inputData.legal.by, inputData.finance.by] }),
  });
  return createWorkflow({
    id: 'dual-signoff',
    inputSchema: z.object({ doc: z.string() }),
    outputSchema: z.object({ signedBy: z.array(z.string()) }),
  })
    .parallel([signoff('legal'), signoff('finance')])
    .then(merge)
    .commit();
}

/** foreach (concurrency 3, iterations finish out of order) then two parallel aggregations. */
function buildFanOutWorkflow() {
  const square = createStep({
    id: 'square',
    inputSchema: z.number(),
    outputSchema: z.object({ n: z.number(), sq: z.number() }),
    execute: async ({ inputData }) => {
      await new Promise(r => setTimeout(r, 3 * (6 - inputData))); // later items finish first
      return { n: inputData, sq: inputData * inputData };
    },
  });
  const rows = z.array(z.object({ n: z.number(), sq: z.number() }));
  const sum = createStep({
    id: 'sum',
    inputSchema: rows,
    outputSchema: z.object({ total: z.number() }),
    execute: async ({ inputData }) => ({ total: inputData.reduce((a, r) => a + r.sq, 0) }),
  });
  const max = createStep({
    id: 'max',
    inputSchema: rows,
    outputSchema: z.object({ max: z.number() }),
    execute: async ({ inputData }) => ({ max: Math.max(...inputData.map(r => r.sq)) }),
  });
  return createWorkflow({
    id: 'fan-out',
    inputSchema: z.array(z.number()),
    outputSchema: z.object({ sum: z.object({ total: z.number() }), max: z.object({ max: z.number() }) }),
  })
    .foreach(square, { concurrency: 3 })
    .parallel([sum, max])
    .commit();
}

/** An outer workflow whose middle step is a nested workflow that suspends. */
function buildNestedWorkflow() {
  const review = createStep({
    id: 'review',
    inputSchema: z.object({ title: z.string() }),
    outputSchema: z.object({ title: z.string(), verdict: z.string() }),
    suspendSchema: z.object({ title: z.string() }),
    resumeSchema: z.object({ verdict: z.string() }),
    execute: async ({ inputData, resumeData, suspend }) => {
      if (!resumeData) return suspend({ title: inputData.title });
      return { title: inputData.title, verdict: resumeData.verdict };
    },
  });
  const inner = createWorkflow({
    id: 'review-flow',
    inputSchema: z.object({ title: z.string() }),
    outputSchema: z.object({ title: z.string(), verdict: z.string() }),
  })
    .then(review)
    .commit();
  const draft = createStep({
    id: 'draft',
    inputSchema: z.object({ topic: z.string() }),
    outputSchema: z.object({ title: z.string() }),
    execute: async ({ inputData }) => ({ title: `On ${inputData.topic}` }),
  });
  const publish = createStep({
    id: 'publish',
    inputSchema: z.object({ title: z.string(), verdict: z.string() }),
    outputSchema: z.object({ published: z.string() }),
    execute: async ({ inputData }) => ({ published: `${inputData.title} [${inputData.verdict}]` }),
  });
  return createWorkflow({
    id: 'publishing',
    inputSchema: z.object({ topic: z.string() }),
    outputSchema: z.object({ published: z.string() }),
  })
    .then(draft)
    .then(inner)
    .then(publish)
    .commit();
}

function newMastra(store: AnyStore) {
  return new Mastra({
    storage: store as any,
    workflows: {
      approval: buildApprovalWorkflow(),
      signoff: buildDualSignoffWorkflow(),
      fanout: buildFanOutWorkflow(),
      publishing: buildNestedWorkflow(),
    },
    logger: false,
  });
}

// ---------------------------------------------------------------------------------------------
// Agent with a mock model
// ---------------------------------------------------------------------------------------------
//   "transfer N"   -> tool call transfer({ amount: N }) (the tool requires approval)
//   (tool result)  -> "done: <tool output as JSON>"
//   anything else  -> "echo: <text>"

let toolCallCounter = 0;

function respond({ prompt }: { prompt: PromptMessage[] }): { content: Content[]; finishReason: 'stop' | 'tool-calls' } {
  const last = prompt[prompt.length - 1];
  if (last.role === 'tool') {
    const parts = typeof last.content === 'string' ? [] : last.content;
    const result = parts.find(p => p.type === 'tool-result')?.output;
    return { content: [{ type: 'text', text: `done: ${JSON.stringify(result)}` }], finishReason: 'stop' };
  }
  const text = textOfPrompt(last);
  const transfer = /transfer (\d+)/i.exec(text);
  if (transfer) {
    return {
      content: [
        {
          type: 'tool-call',
          toolCallId: `tc-${++toolCallCounter}`,
          toolName: 'transfer',
          input: JSON.stringify({ amount: Number(transfer[1]) }),
        },
      ],
      finishReason: 'tool-calls',
    };
  }
  return { content: [{ type: 'text', text: `echo: ${text}` }], finishReason: 'stop' };
}

function scriptedModel() {
  return mockModel(respond);
}

/** Amounts the transfer tool actually moved (only ever after an approval). */
const transfers: number[] = [];

function buildAgent(opts: { memory?: boolean } = {}) {
  const transfer = createTool({
    id: 'transfer',
    description: 'Move money; a human must approve every call.',
    inputSchema: z.object({ amount: z.number() }),
    outputSchema: z.object({ ok: z.boolean(), amount: z.number() }),
    requireApproval: true,
    execute: async ({ amount }) => {
      transfers.push(amount);
      return { ok: true, amount };
    },
  });
  const model = scriptedModel();
  const agent = new Agent({
    id: 'banker',
    name: 'banker',
    instructions: 'You move money when asked.',
    model,
    tools: { transfer },
    // No storage of its own: Mastra hands it the instance-level store.
    ...(opts.memory ? { memory: new Memory({ options: { lastMessages: 10 } }) } : {}),
  });
  return { agent, model };
}

function agentMastra(store: AnyStore, opts: { memory?: boolean } = {}) {
  const { agent, model } = buildAgent(opts);
  const mastra = new Mastra({ storage: store as any, agents: { banker: agent }, logger: false });
  return { mastra, agent: mastra.getAgent('banker'), model };
}

/** Text of a stored (MastraDBMessage) message. */
function textOfDb(m: any): string {
  const parts: any[] = m?.content?.parts ?? [];
  return parts
    .filter(p => p.type === 'text')
    .map(p => p.text)
    .join('');
}

/** Records every write the workflows domain receives, as [method, workflowName, status?]. */
function recordWrites(wfs: any) {
  const log: Array<[string, string, string?]> = [];
  for (const method of ['persistWorkflowSnapshot', 'updateWorkflowState', 'updateWorkflowResults', 'deleteWorkflowRunById']) {
    const original = wfs[method].bind(wfs);
    vi.spyOn(wfs, method).mockImplementation(async (args: any) => {
      log.push([method, args.workflowName, args.snapshot?.status ?? args.opts?.status]);
      return original(args);
    });
  }
  return log;
}

// ---------------------------------------------------------------------------------------------
// Suites
// ---------------------------------------------------------------------------------------------

describe.each(targets)('Mastra workflows end-to-end on %s', target => {
  it('a suspended run is listed, survives a restart, and resumes to success on a new store and Mastra', async () => {
    const url = tmpDbUrl('wf-restart');
    executions.prepare = executions.approve = 0;

    // ---- process 1: start, suspend ----
    const first = await openStore(target, url);
    const m1 = newMastra(first);
    const run = await m1.getWorkflow('approval').createRun({ resourceId: 'shop-7' });
    const started = await run.start({ inputData: { item: 'laptop', amount: 1200 } });
    expect(started.status).toBe('suspended');
    expect((started as any).suspendPayload).toEqual({ approve: { reason: 'approve laptop', total: 1320 } });
    expect(started.steps.prepare).toMatchObject({ status: 'success', output: { item: 'laptop', amount: 1200, fee: 120 } });
    expect(executions).toMatchObject({ prepare: 1, approve: 0 });

    const wfs1 = await workflowsOf(first);
    const listed = await wfs1.listWorkflowRuns({ workflowName: 'order-approval' });
    expect(listed.total).toBe(1);
    expect(listed.runs).toHaveLength(1);
    expect(listed.runs[0]).toMatchObject({ workflowName: 'order-approval', runId: run.runId, resourceId: 'shop-7' });
    expect(snap(listed.runs[0])).toMatchObject({
      status: 'suspended',
      suspendedPaths: { approve: [1] },
      context: { input: { item: 'laptop', amount: 1200 }, approve: { status: 'suspended' } },
    });
    expect((await wfs1.listWorkflowRuns({ workflowName: 'order-approval', status: 'suspended' })).total).toBe(1);
    expect((await wfs1.listWorkflowRuns({ workflowName: 'order-approval', status: 'success' })).total).toBe(0);

    const byId = await wfs1.getWorkflowRunById({ runId: run.runId, workflowName: 'order-approval' });
    expect(byId).toMatchObject({ runId: run.runId, workflowName: 'order-approval', resourceId: 'shop-7' });
    expect(byId!.createdAt).toBeInstanceOf(Date);
    expect(snap(byId).status).toBe('suspended');
    expect(snap(byId).context.approve.suspendPayload).toEqual({ reason: 'approve laptop', total: 1320 });
    await closeStore(first);

    // ---- process 2: new store on the same file, new Mastra, freshly built workflow ----
    const second = await openStore(target, url);
    const m2 = newMastra(second);
    const wf = m2.getWorkflow('approval');

    const before = await wf.getWorkflowRunById(run.runId);
    expect(before).toMatchObject({ runId: run.runId, workflowName: 'order-approval', resourceId: 'shop-7', status: 'suspended' });
    expect(before!.payload).toEqual({ item: 'laptop', amount: 1200 });
    expect((before!.steps as any).approve).toMatchObject({ status: 'suspended', suspendPayload: { reason: 'approve laptop', total: 1320 } });

    const again = await wf.createRun({ runId: run.runId });
    expect(again.workflowRunStatus).toBe('suspended'); // createRun read the stored status
    const resumed = await again.resume({ step: 'approve', resumeData: { approvedBy: 'maria' } });
    expect(resumed.status).toBe('success');
    expect((resumed as any).result).toEqual({ item: 'laptop', total: 1320, approvedBy: 'maria' });
    expect(executions).toMatchObject({ prepare: 1, approve: 1 }); // prepare was not re-run

    const wfs2 = await workflowsOf(second);
    const after = await wfs2.listWorkflowRuns({ workflowName: 'order-approval' });
    expect(after.total).toBe(1); // same row, updated in place
    expect(after.runs[0]).toMatchObject({ runId: run.runId, resourceId: 'shop-7' });
    expect(snap(after.runs[0])).toMatchObject({
      status: 'success',
      result: { item: 'laptop', total: 1320, approvedBy: 'maria' },
      suspendedPaths: {},
    });
    expect((await wfs2.listWorkflowRuns({ workflowName: 'order-approval', status: 'success' })).total).toBe(1);
    expect((await wfs2.listWorkflowRuns({ workflowName: 'order-approval', status: 'suspended' })).total).toBe(0);
    expect((await wfs2.listWorkflowRuns({ resourceId: 'shop-7' })).runs.map(r => r.runId)).toEqual([run.runId]);
    expect((await wfs2.listWorkflowRuns({ resourceId: 'someone-else' })).total).toBe(0);

    const rowAfter = await wfs2.getWorkflowRunById({ runId: run.runId, workflowName: 'order-approval' });
    expect(snap(rowAfter).status).toBe('success');
    expect(rowAfter!.createdAt.getTime()).toBe(byId!.createdAt.getTime()); // createdAt kept across the upsert
    expect(rowAfter!.updatedAt.getTime()).toBeGreaterThanOrEqual(byId!.updatedAt.getTime());

    const state = await wf.getWorkflowRunById(run.runId);
    expect(state).toMatchObject({
      runId: run.runId,
      workflowName: 'order-approval',
      resourceId: 'shop-7',
      status: 'success',
      result: { item: 'laptop', total: 1320, approvedBy: 'maria' },
      payload: { item: 'laptop', amount: 1200 },
    });
    expect((state!.steps as any).prepare).toMatchObject({ status: 'success', output: { fee: 120 } });
    expect((state!.steps as any).approve).toMatchObject({
      status: 'success',
      resumePayload: { approvedBy: 'maria' },
      output: { item: 'laptop', total: 1320, approvedBy: 'maria' },
    });

    if ((nativeTargets as Target[]).includes(target)) {
      // NativeStore's flat API (both engines): only the requested optional parts.
      const flat = await (second as any).getWorkflowRunById(run.runId, ['result', 'steps']);
      expect(flat).toMatchObject({
        runId: run.runId,
        workflowName: 'order-approval',
        resourceId: 'shop-7',
        status: 'success',
        result: { item: 'laptop', total: 1320, approvedBy: 'maria' },
      });
      expect(flat.createdAt).toBeInstanceOf(Date);
      expect(Object.keys(flat.steps).sort()).toEqual(['approve', 'prepare']);
      expect(flat.steps.approve).toMatchObject({ status: 'success', resumePayload: { approvedBy: 'maria' } });
      expect(flat).not.toHaveProperty('payload');
      expect(flat).not.toHaveProperty('serializedStepGraph');
      expect(flat).not.toHaveProperty('suspendedPaths');
    }

    // A finished run cannot be resumed again.
    await expect(
      (await wf.createRun({ runId: run.runId })).resume({ step: 'approve', resumeData: { approvedBy: 'eve' } }),
    ).rejects.toThrow();
    expect(executions.approve).toBe(1);
    expect(snap(await wfs2.getWorkflowRunById({ runId: run.runId })).result.approvedBy).toBe('maria');
  });

  it('parallel branches that both suspend are resumed one at a time, across a restart', async () => {
    const url = tmpDbUrl('wf-parallel-suspend');
    const first = await openStore(target, url);
    const run = await newMastra(first).getWorkflow('signoff').createRun();
    const started = await run.start({ inputData: { doc: 'contract.pdf' } });
    expect(started.status).toBe('suspended');
    expect((started as any).suspendPayload).toEqual({
      legal: { waitingFor: 'legal sign-off on contract.pdf' },
      finance: { waitingFor: 'finance sign-off on contract.pdf' },
    });
    expect(Object.keys(snap(await (await workflowsOf(first)).getWorkflowRunById({ runId: run.runId })).suspendedPaths).sort()).toEqual([
      'finance',
      'legal',
    ]);

    // Resume one branch: still suspended on the other, and that partial state is persisted.
    const r1 = await run.resume({ step: 'legal', resumeData: { by: 'lee' } });
    expect(r1.status).toBe('suspended');
    await closeStore(first);

    const second = await openStore(target, url);
    const wf = newMastra(second).getWorkflow('signoff');
    const mid = await wf.getWorkflowRunById(run.runId);
    expect(mid?.status).toBe('suspended');
    expect((mid!.steps as any).legal).toMatchObject({ status: 'success', output: { by: 'lee' } });
    expect((mid!.steps as any).finance).toMatchObject({ status: 'suspended' });
    expect(Object.keys(mid!.suspendedPaths ?? {})).toEqual(['finance']);

    const r2 = await (await wf.createRun({ runId: run.runId })).resume({ step: 'finance', resumeData: { by: 'fay' } });
    expect(r2.status).toBe('success');
    expect((r2 as any).result).toEqual({ signedBy: ['lee', 'fay'] });

    const row = await (await workflowsOf(second)).getWorkflowRunById({ runId: run.runId, workflowName: 'dual-signoff' });
    expect(snap(row)).toMatchObject({
      status: 'success',
      result: { signedBy: ['lee', 'fay'] },
      suspendedPaths: {},
      context: {
        legal: { status: 'success', output: { by: 'lee' } },
        finance: { status: 'success', output: { by: 'fay' } },
        merge: { status: 'success', output: { signedBy: ['lee', 'fay'] } },
      },
    });
  });

  it('foreach + parallel: every iteration and branch result lands in the stored snapshot', async () => {
    const url = tmpDbUrl('wf-fanout');
    const store = await openStore(target, url);
    const wf = newMastra(store).getWorkflow('fanout');
    const run = await wf.createRun();
    const res = await run.start({ inputData: [1, 2, 3, 4, 5] });
    expect(res.status).toBe('success');
    const squares = [1, 2, 3, 4, 5].map(n => ({ n, sq: n * n }));
    expect((res as any).result).toEqual({ sum: { total: 55 }, max: { max: 25 } });
    await closeStore(store);

    // Read it back through a different store object and a different Mastra.
    const reopened = await openStore(target, url);
    const row = await (await workflowsOf(reopened)).getWorkflowRunById({ runId: run.runId, workflowName: 'fan-out' });
    expect(snap(row)).toMatchObject({
      status: 'success',
      result: { sum: { total: 55 }, max: { max: 25 } },
      context: {
        input: [1, 2, 3, 4, 5],
        square: { status: 'success', output: squares }, // input order, although iterations finished in reverse
        sum: { status: 'success', output: { total: 55 } },
        max: { status: 'success', output: { max: 25 } },
      },
    });
    const state = await newMastra(reopened).getWorkflow('fanout').getWorkflowRunById(run.runId, { fields: ['result', 'steps'] });
    expect(state).toMatchObject({ status: 'success', result: { sum: { total: 55 }, max: { max: 25 } } });
    expect(Object.keys(state!.steps ?? {}).sort()).toEqual(['max', 'square', 'sum']);
    expect(state).not.toHaveProperty('payload');
  });

  it('a nested workflow that suspends is resumed after a restart; nested steps are read back', async () => {
    const url = tmpDbUrl('wf-nested');
    const first = await openStore(target, url);
    const run = await newMastra(first).getWorkflow('publishing').createRun({ resourceId: 'author-1' });
    const started = await run.start({ inputData: { topic: 'storage' } });
    expect(started.status).toBe('suspended');
    expect((started as any).suspended).toEqual([['review-flow', 'review']]);
    await closeStore(first);

    const second = await openStore(target, url);
    const wf = newMastra(second).getWorkflow('publishing');
    const mid = await wf.getWorkflowRunById(run.runId);
    expect(mid?.status).toBe('suspended');
    expect((mid!.steps as any).draft).toMatchObject({ status: 'success', output: { title: 'On storage' } });
    expect((mid!.steps as any)['review-flow']).toMatchObject({ suspendPayload: { __workflow_meta: { path: ['review'] } } });
    // The nested run's own steps are read from its row (same runId, workflowName 'review-flow').
    expect((mid!.steps as any)['review-flow.review']).toMatchObject({ status: 'suspended', suspendPayload: { title: 'On storage' } });
    expect(mid!.suspendedPaths).toEqual({ 'review-flow': [1] });

    const resumed = await (await wf.createRun({ runId: run.runId })).resume({
      step: ['review-flow', 'review'],
      resumeData: { verdict: 'approved' },
    });
    expect(resumed.status).toBe('success');
    expect((resumed as any).result).toEqual({ published: 'On storage [approved]' });

    const state = await wf.getWorkflowRunById(run.runId);
    expect(state).toMatchObject({ status: 'success', resourceId: 'author-1', result: { published: 'On storage [approved]' } });
    expect((state!.steps as any)['review-flow']).toMatchObject({
      status: 'success',
      output: { title: 'On storage', verdict: 'approved' },
    });
    // The nested workflow's own run is in the store too, finished.
    const runs = await (await workflowsOf(second)).listWorkflowRuns({});
    const names = runs.runs.map(r => r.workflowName).sort();
    expect(names).toContain('publishing');
    expect(runs.runs.find(r => r.workflowName === 'publishing')!.runId).toBe(run.runId);
    for (const r of runs.runs) expect(snap(r).status).toBe('success');
  });

  it('two processes resuming the same suspension at once: the store lets exactly one claim it', async () => {
    const url = tmpDbUrl('wf-claim');
    executions.approve = 0;
    const a = await openStore(target, url);
    const b = await openStore(target, url);
    const ma = newMastra(a);
    const mb = newMastra(b);
    const run = await ma.getWorkflow('approval').createRun();
    expect((await run.start({ inputData: { item: 'desk', amount: 300 } })).status).toBe('suspended');

    const ra = await ma.getWorkflow('approval').createRun({ runId: run.runId });
    const rb = await mb.getWorkflow('approval').createRun({ runId: run.runId });
    // Both stores have read the suspended run already, so neither resume waits for a first
    // connection (b would otherwise often start after a had finished the whole run).
    for (const s of [a, b]) {
      expect((await (await workflowsOf(s)).loadWorkflowSnapshot({ workflowName: 'order-approval', runId: run.runId }))?.status).toBe('suspended');
    }
    const outcomes = await Promise.allSettled([
      ra.resume({ step: 'approve', resumeData: { approvedBy: 'alice' } }),
      rb.resume({ step: 'approve', resumeData: { approvedBy: 'bob' } }),
    ]);
    const won = outcomes.filter(o => o.status === 'fulfilled') as PromiseFulfilledResult<any>[];
    const lost = outcomes.filter(o => o.status === 'rejected') as PromiseRejectedResult[];
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    // The loser either lost the store's compare-and-set (updateWorkflowState with
    // expectedStatus 'suspended' returned undefined: WORKFLOW_RESUME_ALREADY_CLAIMED), or it
    // first read the run only after the winner had already finished it: core's _resume then
    // rejects with "This workflow run was not suspended" before trying to claim. Which one
    // happens is timing inside @mastra/core (it polls a 'running' run every 25 ms), on every
    // store; both mean the store let exactly one caller continue the suspension.
    const reason = lost[0].reason;
    if (reason?.id !== 'WORKFLOW_RESUME_ALREADY_CLAIMED') expect(String(reason?.message)).toMatch(/This workflow run was not suspended/);
    expect(won[0].value.status).toBe('success');
    expect(executions.approve).toBe(1); // the approve step ran once

    const winner = won[0].value.result.approvedBy;
    expect(['alice', 'bob']).toContain(winner);
    for (const s of [a, b]) {
      const row = await (await workflowsOf(s)).getWorkflowRunById({ runId: run.runId, workflowName: 'order-approval' });
      expect(snap(row)).toMatchObject({ status: 'success', result: { approvedBy: winner } });
    }
  });

  it('cancel, delete and listing through the Workflow API go to the store', async () => {
    const url = tmpDbUrl('wf-list');
    const store = await openStore(target, url);
    const wfs = await workflowsOf(store);
    const wf = newMastra(store).getWorkflow('approval');
    const ids: string[] = [];
    for (const [i, resourceId] of ['r-a', 'r-b', 'r-a'].entries()) {
      const run = await wf.createRun({ resourceId });
      expect((await run.start({ inputData: { item: `item-${i}`, amount: 10 * (i + 1) } })).status).toBe('suspended');
      ids.push(run.runId);
      await new Promise(r => setTimeout(r, 5)); // distinct createdAt for a stable newest-first order
    }
    const fan = await newMastra(store).getWorkflow('fanout').createRun();
    await fan.start({ inputData: [2] });

    expect((await wfs.listWorkflowRuns()).total).toBe(4);
    const mine = await wf.listWorkflowRuns();
    expect(mine.total).toBe(3);
    expect(mine.runs.map(r => r.runId)).toEqual([...ids].reverse()); // newest first
    const page = await wf.listWorkflowRuns({ perPage: 2, page: 0 });
    expect(page.total).toBe(3);
    expect(page.runs.map(r => r.runId)).toEqual([ids[2], ids[1]]);
    expect((await wf.listWorkflowRuns({ perPage: 2, page: 1 })).runs.map(r => r.runId)).toEqual([ids[0]]);
    expect((await wf.listWorkflowRuns({ resourceId: 'r-a' })).runs.map(r => r.runId).sort()).toEqual([ids[0], ids[2]].sort());

    // cancel() on a suspended run writes status 'canceled' through updateWorkflowState.
    const victim = await wf.createRun({ runId: ids[1] });
    await victim.cancel();
    expect(snap(await wfs.getWorkflowRunById({ runId: ids[1], workflowName: 'order-approval' })).status).toBe('canceled');
    expect((await wf.listWorkflowRuns({ status: 'canceled' })).runs.map(r => r.runId)).toEqual([ids[1]]);
    expect((await wf.listWorkflowRuns({ status: 'suspended' })).runs.map(r => r.runId).sort()).toEqual([ids[0], ids[2]].sort());

    await wf.deleteWorkflowRunById(ids[0]);
    expect(await wfs.getWorkflowRunById({ runId: ids[0], workflowName: 'order-approval' })).toBeNull();
    expect((await wf.listWorkflowRuns()).runs.map(r => r.runId)).toEqual([ids[2], ids[1]]);
    expect((await wfs.listWorkflowRuns()).total).toBe(3);
  });

  it('Agent generate and stream turns: the agentic-loop snapshots go through the store and are cleaned up', async () => {
    const store = await openStore(target, tmpDbUrl('wf-agent-turns'));
    const wfs = await workflowsOf(store);
    const writes = recordWrites(wfs);
    const { mastra, agent, model } = agentMastra(store);
    expect(await mastra.getStorage()!.getStore('workflows')).toBe(wfs);

    const g = await agent.generate('hello');
    expect(g.text).toBe('echo: hello');
    const s = await agent.stream('hello again');
    expect((await s.getFullOutput()).text).toBe('echo: hello again');
    expect(model.doGenerateCalls).toHaveLength(1);
    expect(model.doStreamCalls).toHaveLength(1);

    // Per turn: a "pending" row for each internal workflow, deleted when the turn ends.
    const perTurn = [
      ['persistWorkflowSnapshot', 'agentic-loop', 'pending'],
      ['persistWorkflowSnapshot', 'executionWorkflow', 'pending'],
      ['deleteWorkflowRunById', 'agentic-loop', undefined],
      ['deleteWorkflowRunById', 'executionWorkflow', undefined],
    ];
    expect(writes).toEqual([...perTurn, ...perTurn]);
    expect((await wfs.listWorkflowRuns()).total).toBe(0);
    expect(await wfs.getWorkflowRunById({ runId: g.runId!, workflowName: 'agentic-loop' })).toBeNull();
  });

  it('Agent tool approval: the suspended agent run is stored, survives a restart, and approving finishes it', async () => {
    const url = tmpDbUrl('wf-agent-approval');
    transfers.length = 0;
    const THREAD = 'bank-thread';
    const RESOURCE = 'bank-user';

    const first = await openStore(target, url);
    const wfs1 = await workflowsOf(first);
    const writes = recordWrites(wfs1);
    const s1 = agentMastra(first, { memory: true });
    const out = await s1.agent.generate('please transfer 42', { memory: { thread: THREAD, resource: RESOURCE } });
    expect(out.finishReason).toBe('suspended');
    expect((out as any).suspendPayload).toMatchObject({ toolName: 'transfer', args: { amount: 42 } });
    const runId = out.runId!;
    const toolCallId = (out as any).suspendPayload.toolCallId;
    expect(transfers).toEqual([]); // nothing moved without approval
    expect(writes.filter(w => w[2] === 'suspended').map(w => w[1])).toEqual(
      expect.arrayContaining(['agentic-loop', 'executionWorkflow']),
    );
    expect(writes.some(w => w[0] === 'deleteWorkflowRunById')).toBe(false);

    const listed = await wfs1.listWorkflowRuns();
    expect(summary(listed.runs)).toEqual([
      ['agentic-loop', runId, 'suspended'],
      ['executionWorkflow', runId, 'suspended'],
    ]);
    const loopRow = listed.runs.find(r => r.workflowName === 'agentic-loop')!;
    expect(loopRow.resourceId).toBe(RESOURCE);
    expect((await wfs1.listWorkflowRuns({ workflowName: 'agentic-loop', status: 'suspended' })).runs.map(r => r.runId)).toEqual([
      runId,
    ]);
    expect((await wfs1.listWorkflowRuns({ resourceId: RESOURCE, workflowName: 'agentic-loop' })).total).toBe(1);
    // threadId is a best-effort filter on the snapshot; it must not drop the matching run.
    expect((await wfs1.listWorkflowRuns({ workflowName: 'agentic-loop', threadId: THREAD })).runs.map(r => r.runId)).toContain(
      runId,
    );
    const loaded = await wfs1.loadWorkflowSnapshot({ workflowName: 'agentic-loop', runId });
    expect(loaded?.status).toBe('suspended');
    expect(JSON.stringify(loaded)).toContain(toolCallId);
    await closeStore(first);

    // Restart: new store, new Mastra, new Agent and model; approve by runId.
    const second = await openStore(target, url);
    const wfs2 = await workflowsOf(second);
    expect(summary((await wfs2.listWorkflowRuns()).runs).map(r => r[2])).toEqual(['suspended', 'suspended']);
    const s2 = agentMastra(second, { memory: true });
    const done = await s2.agent.approveToolCallGenerate({ runId, toolCallId });
    expect(done.finishReason).toBe('stop');
    expect(done.text).toBe('done: {"type":"json","value":{"ok":true,"amount":42}}');
    expect(transfers).toEqual([42]);
    expect(s2.model.doGenerateCalls).toHaveLength(1); // only the step after the tool result

    // Terminal: both snapshot rows are gone; the conversation is in memory.
    expect((await wfs2.listWorkflowRuns()).total).toBe(0);
    expect(await wfs2.loadWorkflowSnapshot({ workflowName: 'agentic-loop', runId })).toBeNull();
    const { messages } = await (await memoryOf(second)).listMessages({ threadId: THREAD });
    const texts = messages.map(m => `${m.role}: ${textOfDb(m)}`).filter(t => !t.endsWith(': '));
    expect(texts[0]).toBe('user: please transfer 42');
    expect(texts.at(-1)).toBe('assistant: done: {"type":"json","value":{"ok":true,"amount":42}}');
    for (const m of messages) expect(m.resourceId).toBe(RESOURCE);

    // Approving again: there is no suspended run any more.
    await expect(s2.agent.approveToolCallGenerate({ runId, toolCallId })).rejects.toThrow(/could not find a suspended run/);
    expect(transfers).toEqual([42]);
  });

  it('Agent stream with approval: stored while waiting; a declined call never runs the tool', async () => {
    const store = await openStore(target, tmpDbUrl('wf-agent-stream'));
    const wfs = await workflowsOf(store);
    transfers.length = 0;
    const { agent } = agentMastra(store);

    // Approved, streaming.
    const s1 = await agent.stream('transfer 7');
    const o1 = await s1.getFullOutput();
    expect(o1.finishReason).toBe('suspended');
    const run1 = s1.runId;
    expect(summary((await wfs.listWorkflowRuns()).runs)).toEqual([
      ['agentic-loop', run1, 'suspended'],
      ['executionWorkflow', run1, 'suspended'],
    ]);
    const a1 = await agent.approveToolCall({ runId: run1 });
    expect((await a1.getFullOutput()).text).toBe('done: {"type":"json","value":{"ok":true,"amount":7}}');
    expect(transfers).toEqual([7]);
    expect((await wfs.listWorkflowRuns()).total).toBe(0);

    // Declined, streaming.
    const s2 = await agent.stream('transfer 9000');
    expect((await s2.getFullOutput()).finishReason).toBe('suspended');
    const run2 = s2.runId;
    expect(run2).not.toBe(run1);
    expect((await wfs.listWorkflowRuns({ workflowName: 'agentic-loop', status: 'suspended' })).runs.map(r => r.runId)).toEqual([
      run2,
    ]);
    const d2 = await agent.declineToolCall({ runId: run2 });
    const o2 = await d2.getFullOutput();
    expect(o2.text.startsWith('done: ')).toBe(true);
    expect(o2.text).not.toContain('"ok":true');
    expect(transfers).toEqual([7]); // the declined transfer never ran
    expect((await wfs.listWorkflowRuns()).total).toBe(0);
  });
});
