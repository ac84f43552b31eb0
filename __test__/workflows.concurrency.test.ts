// Concurrency of the workflows domain's read-modify-write updates (CONTRACT.md §0 and §3): Mastra
// relies on updateWorkflowResults / updateWorkflowState being atomic, inside one process and
// across processes sharing one database (one SQLite file, or one PostgreSQL schema). Every case
// runs on every target (NativeStore and the reference stores, on both engines), except where
// @mastra/pg legitimately loses writes (marked below): NativeStore keeps one behaviour on both
// engines, so 'native-pg' runs every case 'native' runs.
//
// @mastra/pg's updateWorkflowResults locks the run with SELECT … FOR UPDATE, which locks
// nothing while the run does not exist yet: concurrent first writes to one run each build a
// fresh snapshot and the last INSERT … ON CONFLICT DO UPDATE overwrites the others (lost
// updates). libsql serialises them in a write transaction, and NativeStore must too.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { WorkflowsStorage } from '@mastra/core/storage';
import { targets, tmpDbUrl, type AnyStore, type Target } from './helpers/stores';
import { makeSnapshot, makeWorkflowStore, workerArgs, workflowsOf } from './helpers/workflow-fixtures';

const WORKER = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'workflow-worker.mjs');

/** @mastra/pg loses concurrent first writes to a run that does not exist yet (see above). */
const losesFirstWrites = (target: Target) => target === 'pg';

describe.each(targets)('workflows concurrency, one process [%s]', target => {
  let store: AnyStore;
  let wf: WorkflowsStorage;

  beforeEach(async () => {
    store = await makeWorkflowStore(target);
    wf = await workflowsOf(store);
  });

  afterEach(async () => {
    await store?.close();
  });

  it('3 concurrent updateWorkflowResults (steps a, b, c) all survive with every requestContext merged', async () => {
    await wf.persistWorkflowSnapshot({
      workflowName: 'wf',
      runId: 'r1',
      snapshot: makeSnapshot('r1', { context: { input: { q: 1 } }, requestContext: { base: true } }),
    });
    const contexts = await Promise.all(
      ['a', 'b', 'c'].map(step =>
        wf.updateWorkflowResults({
          workflowName: 'wf',
          runId: 'r1',
          stepId: step,
          result: { status: 'success', output: { step } } as any,
          requestContext: { [`rc-${step}`]: step },
        }),
      ),
    );
    // Each call saw at least its own step.
    contexts.forEach((ctx, i) => expect(ctx).toHaveProperty(['a', 'b', 'c'][i]));
    const snap = (await wf.loadWorkflowSnapshot({ workflowName: 'wf', runId: 'r1' })) as any;
    expect(snap.context).toEqual({
      input: { q: 1 },
      a: { status: 'success', output: { step: 'a' } },
      b: { status: 'success', output: { step: 'b' } },
      c: { status: 'success', output: { step: 'c' } },
    });
    expect(snap.requestContext).toEqual({ base: true, 'rc-a': 'a', 'rc-b': 'b', 'rc-c': 'c' });
  });

  // Skipped on pg only: lost first writes to a missing run (see the top of this file).
  it.skipIf(losesFirstWrites(target))('3 concurrent updateWorkflowResults on a run that does not exist yet all survive', async () => {
    await Promise.all(
      ['a', 'b', 'c'].map(step =>
        wf.updateWorkflowResults({
          workflowName: 'wf',
          runId: 'new-run',
          stepId: step,
          result: { status: 'success', output: step } as any,
          requestContext: { [step]: 1 },
        }),
      ),
    );
    const snap = (await wf.loadWorkflowSnapshot({ workflowName: 'wf', runId: 'new-run' })) as any;
    expect(Object.keys(snap.context).sort()).toEqual(['a', 'b', 'c']);
    expect(snap.requestContext).toEqual({ a: 1, b: 1, c: 1 });
    expect(snap.status).toBe('pending');
    expect((await wf.listWorkflowRuns()).total).toBe(1);
  });

  it.for([
    ['an existing run', true],
    ['a run that does not exist yet', false],
  ] as const)('20 concurrent foreach slot writes to one step of %s all survive', async ([, exists], { skip }) => {
    // Skipped on pg only for the missing run: lost first writes (see the top of this file).
    if (!exists && losesFirstWrites(target)) skip();
    const N = 20;
    if (exists) {
      await wf.persistWorkflowSnapshot({ workflowName: 'wf', runId: 'foreach-run', snapshot: makeSnapshot('foreach-run', { context: { input: [1] } }) });
    }
    await Promise.all(
      Array.from({ length: N }, (_, i) => {
        const output: unknown[] = Array.from({ length: N }, () => null);
        output[i] = { item: i, doubled: i * 2 };
        return wf.updateWorkflowResults({
          workflowName: 'wf',
          runId: 'foreach-run',
          stepId: 'each',
          result: { status: 'running', output } as any,
          requestContext: { [`slot${i}`]: true },
        });
      }),
    );
    const snap = (await wf.loadWorkflowSnapshot({ workflowName: 'wf', runId: 'foreach-run' })) as any;
    expect(snap.context.each.output).toEqual(Array.from({ length: N }, (_, i) => ({ item: i, doubled: i * 2 })));
    expect(snap.context.each.status).toBe('running');
    if (exists) expect(snap.context.input).toEqual([1]);
    expect(Object.keys(snap.requestContext)).toHaveLength(N);
    expect((await wf.listWorkflowRuns()).total).toBe(1);
  });

  it('two concurrent updateWorkflowState calls (waitingPaths and result) both survive', async () => {
    const original = makeSnapshot('r1', { status: 'running', context: { input: {}, s: { status: 'success', output: 1 } } });
    await wf.persistWorkflowSnapshot({ workflowName: 'wf', runId: 'r1', snapshot: original });
    const [a, b] = await Promise.all([
      wf.updateWorkflowState({ workflowName: 'wf', runId: 'r1', opts: { waitingPaths: { evt: [0, 1] } } as any }),
      wf.updateWorkflowState({ workflowName: 'wf', runId: 'r1', opts: { result: { final: 'yes' } } as any }),
    ]);
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    const snap = (await wf.loadWorkflowSnapshot({ workflowName: 'wf', runId: 'r1' })) as any;
    expect(snap).toEqual({ ...(original as any), waitingPaths: { evt: [0, 1] }, result: { final: 'yes' } });
  });

  it('mixed concurrent updateWorkflowResults and updateWorkflowState lose nothing', async () => {
    await wf.persistWorkflowSnapshot({ workflowName: 'wf', runId: 'r1', snapshot: makeSnapshot('r1', { context: {} }) });
    await Promise.all([
      ...Array.from({ length: 8 }, (_, i) =>
        wf.updateWorkflowResults({ workflowName: 'wf', runId: 'r1', stepId: `s${i}`, result: { status: 'success', output: i } as any, requestContext: {} }),
      ),
      wf.updateWorkflowState({ workflowName: 'wf', runId: 'r1', opts: { waitingPaths: { w: [1] } } as any }),
      wf.updateWorkflowState({ workflowName: 'wf', runId: 'r1', opts: { suspendedPaths: { p: [2] } } as any }),
    ]);
    const snap = (await wf.loadWorkflowSnapshot({ workflowName: 'wf', runId: 'r1' })) as any;
    expect(Object.keys(snap.context).sort()).toEqual(['s0', 's1', 's2', 's3', 's4', 's5', 's6', 's7']);
    expect(snap.waitingPaths).toEqual({ w: [1] });
    expect(snap.suspendedPaths).toEqual({ p: [2] });
  });

  it('compare-and-set race: of N concurrent resumes of a suspended run exactly one wins', async () => {
    const N = 12;
    for (let round = 0; round < 5; round++) {
      const runId = `cas-${round}`;
      await wf.persistWorkflowSnapshot({ workflowName: 'wf', runId, snapshot: makeSnapshot(runId, { status: 'suspended' }) });
      const outcomes = await Promise.all(
        Array.from({ length: N }, (_, i) =>
          wf.updateWorkflowState({
            workflowName: 'wf',
            runId,
            opts: { status: 'running', value: { winner: String(i) }, expectedStatus: 'suspended' } as any,
          }),
        ),
      );
      const winners = outcomes.flatMap((o, i) => (o === undefined ? [] : [i]));
      expect(winners, `round ${round}`).toHaveLength(1);
      expect(outcomes[winners[0]]!.status).toBe('running');
      const snap = (await wf.loadWorkflowSnapshot({ workflowName: 'wf', runId })) as any;
      expect(snap.status).toBe('running');
      expect(snap.value).toEqual({ winner: String(winners[0]) });
      expect(snap).not.toHaveProperty('expectedStatus');
    }
  });
});

// -----------------------------------------------------------------------------------------------
// Two Node processes on one database: the same SQLite file, or the same PostgreSQL schema.

type Reply = { ready?: boolean; prepared?: boolean; tag?: string; won?: string[]; lost?: string[]; done?: number; error?: string };

/** One fixtures/workflow-worker.mjs process: JSON commands in, one JSON reply per command out. */
class Worker {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly replies: Reply[] = [];
  private readonly waiting: ((r: Reply) => void)[] = [];
  private buffer = '';
  private stderr = '';
  private exited: string | null = null;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [WORKER, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', d => {
      this.buffer += d;
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        if (!line.trim()) continue;
        const reply = JSON.parse(line) as Reply;
        const w = this.waiting.shift();
        if (w) w(reply);
        else this.replies.push(reply);
      }
    });
    this.child.stderr.on('data', d => (this.stderr += d));
    this.child.on('close', code => {
      this.exited = `worker exited ${code}: ${this.stderr}`;
      for (const w of this.waiting.splice(0)) w({ error: this.exited });
    });
  }

  /** The next reply; rejects on {"error"} or when the process died. */
  async next(): Promise<Reply> {
    const reply =
      this.replies.shift() ??
      (this.exited ? { error: this.exited } : await new Promise<Reply>(resolve => this.waiting.push(resolve)));
    if (reply.error) throw new Error(`worker: ${reply.error}`);
    return reply;
  }

  send(cmd: Record<string, unknown>) {
    this.child.stdin.write(`${JSON.stringify(cmd)}\n`);
  }

  async exit() {
    if (this.exited) return;
    const closed = new Promise(resolve => this.child.once('close', resolve));
    this.send({ op: 'exit' });
    await closed;
  }
}

/** Both workers warm and idle, then the same command sent to both back to back: a real race. */
async function race(workers: Worker[], cmd: (tag: string) => Record<string, unknown>): Promise<Reply[]> {
  for (const w of workers) w.send({ op: 'prepare' });
  for (const w of workers) expect((await w.next()).prepared).toBe(true);
  workers.forEach((w, i) => w.send(cmd(`p${i + 1}`)));
  return Promise.all(workers.map(w => w.next()));
}

describe.each(targets)('workflows concurrency, two processes on one database [%s]', target => {
  let setup: AnyStore;
  let wf: WorkflowsStorage;
  const workers: Worker[] = [];

  beforeAll(async () => {
    const location = tmpDbUrl(`wf-2proc-${target}`);
    // The parent creates the database first, so the workers only open it.
    setup = await makeWorkflowStore(target, { url: location });
    wf = await workflowsOf(setup);
    for (let i = 0; i < 2; i++) workers.push(new Worker(workerArgs(target, location)));
    for (const w of workers) expect((await w.next()).ready).toBe(true);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(workers.splice(0).map(w => w.exit()));
    await setup?.close();
  });

  it('CAS resume race: every run is won by exactly one process (3 rounds × 40 runs)', async () => {
    const N = 40;
    for (let round = 0; round < 3; round++) {
      const workflowName = `cas-wf-${round}`;
      const all = Array.from({ length: N }, (_, i) => `cas-${i}`);
      for (const runId of all) {
        await wf.persistWorkflowSnapshot({ workflowName, runId, snapshot: makeSnapshot(runId, { status: 'suspended' }) });
      }
      // Each process walks the runs in a different order, so both win some of them.
      const [p1, p2] = await race(workers, tag => ({
        op: 'cas',
        workflowName,
        tag,
        runIds: tag === 'p1' ? all : [...all].reverse(),
      }));
      for (const p of [p1, p2]) expect([...p.won!, ...p.lost!].sort(), `round ${round}`).toEqual([...all].sort());
      const winnerOf = new Map<string, string[]>();
      for (const p of [p1, p2]) for (const r of p.won!) winnerOf.set(r, [...(winnerOf.get(r) ?? []), p.tag!]);
      for (const r of all) expect(winnerOf.get(r), `round ${round}, run ${r}`).toHaveLength(1);

      // The stored state agrees with who claimed to win.
      for (const r of all) {
        const snap = (await wf.loadWorkflowSnapshot({ workflowName, runId: r })) as any;
        expect(snap.status).toBe('running');
        expect(snap.value).toEqual({ winner: winnerOf.get(r)![0] });
        expect(snap).not.toHaveProperty('expectedStatus');
      }
      expect((await wf.listWorkflowRuns({ workflowName })).total).toBe(N);
    }
  }, 60_000);

  async function resultsRace(workflowName: string, runId: string) {
    const [p1, p2] = await race(workers, tag => ({ op: 'results', workflowName, runId, n: 50, tag }));
    expect(p1.done).toBe(50);
    expect(p2.done).toBe(50);
    const snap = (await wf.loadWorkflowSnapshot({ workflowName, runId })) as any;
    const expected = [...Array.from({ length: 50 }, (_, i) => `p1-${i}`), ...Array.from({ length: 50 }, (_, i) => `p2-${i}`)].sort();
    const steps = Object.keys(snap.context).filter(k => k !== 'input');
    expect(steps.sort()).toEqual(expected);
    for (const k of expected) {
      const [tag, i] = k.split('-');
      expect(snap.context[k]).toEqual({ status: 'success', output: { by: tag, i: Number(i) } });
    }
    expect((await wf.listWorkflowRuns({ workflowName })).total).toBe(1);
    return snap;
  }

  // Skipped on pg only: lost first writes to a missing run (see the top of this file).
  it.skipIf(losesFirstWrites(target))('two processes × 50 updateWorkflowResults on one new run: all 100 steps present', async () => {
    const snap = await resultsRace('res-new', 'shared');
    expect(Object.keys(snap.requestContext).sort()).toEqual(Object.keys(snap.context).sort());
    expect(snap.status).toBe('pending');
  }, 60_000);

  it('two processes × 50 updateWorkflowResults on one existing run: all 100 steps present', async () => {
    await wf.persistWorkflowSnapshot({
      workflowName: 'res-existing',
      runId: 'shared',
      resourceId: 'res',
      snapshot: makeSnapshot('shared', { status: 'running', context: { input: { q: 1 } }, requestContext: { base: true } }),
    });
    const snap = await resultsRace('res-existing', 'shared');
    expect(snap.context.input).toEqual({ q: 1 });
    expect(snap.status).toBe('running');
    expect(snap.requestContext).toMatchObject({ base: true });
    expect(Object.keys(snap.requestContext)).toHaveLength(101);
    expect((await wf.getWorkflowRunById({ workflowName: 'res-existing', runId: 'shared' }))!.resourceId).toBe('res');
  }, 60_000);
});
