// Concurrency of the workflows domain's read-modify-write updates (CONTRACT.md §0 and §3): Mastra
// relies on updateWorkflowResults / updateWorkflowState being atomic, inside one process and
// across processes sharing one SQLite file. In-process cases run on every target; the
// two-process cases run on NativeStore (and on libsql, which passes them too).
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WorkflowsStorage } from '@mastra/core/storage';
import { makeStore, targets, tmpDbUrl, type AnyStore, type Target } from './helpers/stores';
import { makeSnapshot, workflowsOf } from './helpers/workflow-fixtures';

const WORKER = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'workflow-worker.mjs');

describe.each(targets)('workflows concurrency, one process [%s]', target => {
  let store: AnyStore;
  let wf: WorkflowsStorage;

  beforeEach(async () => {
    store = await makeStore(target);
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

  it('3 concurrent updateWorkflowResults on a run that does not exist yet all survive', async () => {
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

  it('20 concurrent foreach slot writes to one step all survive', async () => {
    const N = 20;
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
    expect(Object.keys(snap.requestContext)).toHaveLength(N);
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
// Two Node processes on one database file.

type WorkerOut = { tag: string; won?: string[]; lost?: string[]; done?: number; late: boolean };

function runWorker(args: string[]): Promise<WorkerOut> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', d => (out += d));
    child.stderr.on('data', d => (err += d));
    child.on('error', reject);
    child.on('close', code => {
      if (code !== 0) return reject(new Error(`worker ${args.join(' ')} exited ${code}: ${err}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!));
      } catch (e) {
        reject(new Error(`worker printed no JSON: ${out} ${err}`));
      }
    });
  });
}

/** Far enough ahead that both workers are open and warm before it; they report `late` if not. */
const startSoon = () => Date.now() + 4000;

const multiTargets = (['native', 'libsql'] as Target[]).filter(t => targets.includes(t));

describe.each(multiTargets)('workflows concurrency, two processes on one file [%s]', target => {
  it('CAS resume race: every run is won by exactly one process', async () => {
    const url = tmpDbUrl(`wf-cas-${target}`);
    const N = 40;
    const setup = await makeStore(target, { url });
    const wf = await workflowsOf(setup);
    for (let i = 0; i < N; i++) {
      await wf.persistWorkflowSnapshot({ workflowName: 'cas-wf', runId: `cas-${i}`, snapshot: makeSnapshot(`cas-${i}`, { status: 'suspended' }) });
    }
    await setup.close();

    const startAt = String(startSoon());
    const [p1, p2] = await Promise.all([
      runWorker([url, 'cas', startAt, String(N), 'p1', target]),
      runWorker([url, 'cas', startAt, String(N), 'p2', target]),
    ]);
    expect(p1.late, 'worker p1 was not ready before the start instant').toBe(false);
    expect(p2.late, 'worker p2 was not ready before the start instant').toBe(false);

    const all = Array.from({ length: N }, (_, i) => `cas-${i}`);
    for (const p of [p1, p2]) expect([...p.won!, ...p.lost!].sort()).toEqual([...all].sort());
    const winnerOf = new Map<string, string[]>();
    for (const p of [p1, p2]) for (const r of p.won!) winnerOf.set(r, [...(winnerOf.get(r) ?? []), p.tag]);
    for (const r of all) expect(winnerOf.get(r), `run ${r}`).toHaveLength(1);

    // The stored state agrees with who claimed to win.
    const check = await makeStore(target, { url });
    try {
      const wf2 = await workflowsOf(check);
      for (const r of all) {
        const snap = (await wf2.loadWorkflowSnapshot({ workflowName: 'cas-wf', runId: r })) as any;
        expect(snap.status).toBe('running');
        expect(snap.value).toEqual({ winner: winnerOf.get(r)![0] });
      }
    } finally {
      await check.close();
    }
  }, 60_000);

  it('two processes × 50 updateWorkflowResults on one run: all 100 steps present', async () => {
    const url = tmpDbUrl(`wf-res-${target}`);
    const setup = await makeStore(target, { url });
    await setup.close();

    const startAt = String(startSoon());
    const [p1, p2] = await Promise.all([
      runWorker([url, 'results', startAt, '50', 'p1', target]),
      runWorker([url, 'results', startAt, '50', 'p2', target]),
    ]);
    expect(p1.late).toBe(false);
    expect(p2.late).toBe(false);
    expect(p1.done).toBe(50);
    expect(p2.done).toBe(50);

    const check = await makeStore(target, { url });
    try {
      const wf = await workflowsOf(check);
      const snap = (await wf.loadWorkflowSnapshot({ workflowName: 'res-wf', runId: 'shared' })) as any;
      const expected = [...Array.from({ length: 50 }, (_, i) => `p1-${i}`), ...Array.from({ length: 50 }, (_, i) => `p2-${i}`)].sort();
      expect(Object.keys(snap.context).sort()).toEqual(expected);
      for (const k of expected) {
        const [tag, i] = k.split('-');
        expect(snap.context[k]).toEqual({ status: 'success', output: { by: tag, i: Number(i) } });
      }
      expect(Object.keys(snap.requestContext).sort()).toEqual(expected);
      expect((await wf.listWorkflowRuns()).total).toBe(1);
    } finally {
      await check.close();
    }
  }, 60_000);
});
