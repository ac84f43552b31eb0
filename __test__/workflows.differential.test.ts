// Differential test of the workflows domain, on every engine: seeded random operation sequences
// are applied to NativeStore and to the reference store of the same engine (native vs
// @mastra/libsql on SQLite, native-pg vs @mastra/pg on PostgreSQL; `enginePairs`), each on a
// fresh database, and every result must be deep-equal once the values a store sets to "now"
// are normalised. Persists carry explicit, per-run-distinct createdAt values, so every
// ordering is deterministic; runs that updateWorkflowResults creates get createdAt = now, and
// the sequence sleeps after those calls so no two share a millisecond.
//
// On PostgreSQL the same operations also go to NativeStore on SQLite ('native'), and native-pg
// must match it exactly (only "now" normalised): NativeStore has one behaviour on both engines.
// Against @mastra/pg, only its documented differences from libsql (read from
// /tmp/src/pg/src/storage/domains/workflows/index.ts) are normalised or left out, and only in
// the comparison with pg:
//   - updateWorkflowState also refreshes the row's updatedAt (libsql, and NativeStore, keep it):
//     the updatedAt of a run whose latest write was an applied updateWorkflowState is masked;
//   - the threadId filter is COALESCE(first suspended step's stream-state threadId, durable-loop
//     input threadId) where libsql matches either layout: a threadId listing is not compared
//     with pg while a stored snapshot carries both layouts with different thread ids.
import { describe, expect, it } from 'vitest';
import type { WorkflowsStorage } from '@mastra/core/storage';
import { enginePairs, makeStore, targets, tmpDbUrl, type AnyStore, type Target } from './helpers/stores';
import {
  agenticLoopSnapshot,
  complexSnapshot,
  durableLoopSnapshot,
  makeSnapshot,
  makeWorkflowStore,
  PENDING,
  prng,
  sleepMs,
  wfAt,
  workflowsOf,
  type Rng,
} from './helpers/workflow-fixtures';

const SEEDS = Array.from({ length: 20 }, (_, i) => 1000 + i * 7919);
const OPS_PER_SEED = 100;

const WF_NAMES = ['wf-a', 'wf-b', 'wf-c'] as const;
const RUN_IDS = ['r0', 'r1', 'r2', 'r3', 'r4', 'r5'] as const;
const STEP_IDS = ['s1', 's2', 'each', 'loop'] as const;
const FOREACH_STEPS = new Set(['each', 'loop']);
const STATUSES = ['running', 'suspended', 'success', 'failed', 'pending', 'waiting', 'canceled'] as const;
const RESOURCES = ['res-1', 'res-2'] as const;
const THREADS = ['th-1', 'th-2'] as const;

type Op =
  | { kind: 'persist'; workflowName: string; runId: string; resourceId: string | null | undefined; snapshot: any; createdAt: Date; updatedAt?: Date }
  | { kind: 'results'; workflowName: string; runId: string; stepId: string; result: any; requestContext: Record<string, unknown> }
  | { kind: 'state'; workflowName: string; runId: string; opts: Record<string, unknown> }
  | { kind: 'delete'; workflowName: string; runId: string }
  | { kind: 'list'; args: Record<string, unknown> }
  | { kind: 'load'; workflowName: string; runId: string }
  | { kind: 'get'; runId: string; workflowName?: string };

// ---- random values ----------------------------------------------------------------------------

function randScalar(rng: Rng): unknown {
  switch (rng.int(6)) {
    case 0:
      return rng.int(1000);
    case 1:
      return `v${rng.int(50)}`;
    case 2:
      return rng.chance(0.5);
    case 3:
      return null;
    case 4:
      return { k: rng.int(10), nested: [rng.int(5), 'x'] };
    default:
      return [rng.int(3), { deep: { deeper: `é${rng.int(9)}🚀` } }];
  }
}

/** One foreach slot, biased towards the shapes the merge rule treats specially. */
function randSlot(rng: Rng, allowMarker: boolean): unknown {
  const r = rng.int(allowMarker ? 8 : 6);
  if (r === 0) return null;
  if (r === 1) return { status: 'suspended', suspendPayload: { at: rng.int(9) }, payload: 1 }; // resettable
  if (r === 2) return { status: 'suspended', suspendedAt: 5 }; // resettable
  if (r === 3) return { status: 'suspended', other: true }; // a plain value, not resettable
  if (r === 4) return { __mastra_pending__: true, extra: 1 }; // not a marker
  if (r >= 6) return { ...PENDING };
  return randScalar(rng);
}

function randForeachOutput(rng: Rng, allowMarker: boolean): unknown[] {
  return Array.from({ length: rng.int(6) }, () => randSlot(rng, allowMarker));
}

function randStepResult(rng: Rng, stepId: string, forWrite: boolean): any {
  const status = rng.pick(['running', 'success', 'suspended', 'failed'] as const);
  const base: any = { status, payload: { p: rng.int(5) }, startedAt: 100 + rng.int(100) };
  if (FOREACH_STEPS.has(stepId) && rng.chance(0.85)) {
    base.output = randForeachOutput(rng, forWrite ? rng.chance(0.35) : rng.chance(0.1));
  } else if (rng.chance(0.8)) {
    base.output = randScalar(rng);
  }
  if (rng.chance(0.2)) base.endedAt = 300 + rng.int(100);
  return base;
}

function randRequestContext(rng: Rng): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = rng.int(3); i > 0; i--) out[`rc${rng.int(5)}`] = randScalar(rng);
  return out;
}

function randSnapshot(rng: Rng, runId: string): any {
  const context: Record<string, unknown> = {};
  if (rng.chance(0.9)) {
    context.input = rng.chance(0.3)
      ? { messageListState: { memoryInfo: { threadId: rng.pick(THREADS), resourceId: 'x' } } }
      : { n: rng.int(100) };
  }
  for (const s of STEP_IDS) if (rng.chance(0.4)) context[s] = randStepResult(rng, s, false);
  if (rng.chance(0.25)) {
    context.agentic = {
      status: rng.chance(0.7) ? 'suspended' : 'success',
      suspendPayload: { __streamState: { messageList: { memoryInfo: { threadId: rng.pick(THREADS) } } } },
      suspendedAt: 7,
    };
  }
  const snap: any = makeSnapshot(runId, {
    status: rng.pick(STATUSES),
    context,
    value: rng.chance(0.3) ? { k: `v${rng.int(9)}` } : {},
    waitingPaths: rng.chance(0.3) ? { w: [rng.int(3)] } : {},
    timestamp: 1_600_000_000_000 + rng.int(1_000_000),
  });
  if (rng.chance(0.5)) snap.requestContext = randRequestContext(rng);
  // Rarely a snapshot without context, to exercise the error paths of the updates.
  if (rng.chance(0.04)) delete snap.context;
  return snap;
}

// ---- random operations ------------------------------------------------------------------------

/** A distinct, seed-shuffled createdAt slot for each (workflowName, runId). */
function createdAtTable(rng: Rng): Map<string, Date> {
  const keys = WF_NAMES.flatMap(w => RUN_IDS.map(r => `${w}/${r}`));
  const slots = keys.map((_, i) => i);
  for (let i = slots.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [slots[i], slots[j]] = [slots[j], slots[i]];
  }
  return new Map(keys.map((k, i) => [k, wfAt(slots[i] * 10)]));
}

function randDate(rng: Rng, created: Map<string, Date>): Date {
  // Half the time exactly a stored createdAt (boundary), otherwise anywhere in the range.
  if (rng.chance(0.5)) return new Date(rng.pick([...created.values()]).getTime());
  return wfAt(rng.int(WF_NAMES.length * RUN_IDS.length * 10 + 10) - 5);
}

function randOp(rng: Rng, created: Map<string, Date>): Op {
  const workflowName = rng.pick(WF_NAMES);
  const runId = rng.pick(RUN_IDS);
  const roll = rng.int(100);
  if (roll < 20) {
    const rid = rng.int(4);
    return {
      kind: 'persist',
      workflowName,
      runId,
      resourceId: rid < 2 ? rng.pick(RESOURCES) : rid === 2 ? null : undefined,
      snapshot: randSnapshot(rng, runId),
      // createdAt is fixed per run: a re-persist passes the same one (and it is kept anyway).
      createdAt: created.get(`${workflowName}/${runId}`)!,
      updatedAt: rng.chance(0.8) ? wfAt(2000 + rng.int(1000)) : undefined,
    };
  }
  if (roll < 45) {
    const stepId = rng.pick(STEP_IDS);
    return { kind: 'results', workflowName, runId, stepId, result: randStepResult(rng, stepId, true), requestContext: randRequestContext(rng) };
  }
  if (roll < 65) {
    const opts: Record<string, unknown> = {};
    if (rng.chance(0.6)) opts.status = rng.pick(STATUSES);
    if (rng.chance(0.3)) opts.waitingPaths = { w: [rng.int(3)] };
    if (rng.chance(0.3)) opts.result = randScalar(rng);
    if (rng.chance(0.15)) opts.error = { message: `boom ${rng.int(9)}` };
    if (rng.chance(0.2)) opts.suspendedPaths = { s: [rng.int(3), rng.int(3)] };
    if (rng.chance(0.15)) opts.value = { state: `x${rng.int(9)}` };
    const e = rng.int(10);
    if (e >= 4 && e < 7) opts.expectedStatus = rng.pick(STATUSES);
    else if (e >= 7) opts.expectedStatus = [rng.pick(STATUSES), rng.pick(STATUSES)].slice(0, 1 + rng.int(2));
    return { kind: 'state', workflowName, runId, opts };
  }
  if (roll < 70) return { kind: 'delete', workflowName, runId };
  if (roll < 82) {
    const args: Record<string, unknown> = {};
    if (rng.chance(0.3)) args.workflowName = rng.chance(0.9) ? rng.pick(WF_NAMES) : 'nope';
    if (rng.chance(0.25)) args.status = rng.pick(STATUSES);
    if (rng.chance(0.25)) args.fromDate = randDate(rng, created);
    if (rng.chance(0.25)) args.toDate = randDate(rng, created);
    if (rng.chance(0.2)) args.resourceId = rng.pick(RESOURCES);
    if (rng.chance(0.15)) args.threadId = rng.pick(THREADS);
    const p = rng.int(10);
    if (p < 4) {
      args.page = rng.int(4);
      args.perPage = rng.int(5);
    } else if (p === 4) {
      args.page = rng.int(3);
    } else if (p === 5) {
      args.perPage = 1 + rng.int(3);
    }
    return { kind: 'list', args };
  }
  if (roll < 90) return { kind: 'load', workflowName, runId };
  return { kind: 'get', runId, workflowName: rng.chance(0.5) ? workflowName : undefined };
}

// ---- applying and normalising -----------------------------------------------------------------

type Outcome = { ok: true; value: unknown } | { ok: false; error: string };

async function apply(wf: WorkflowsStorage, op: Op): Promise<Outcome> {
  // Each store gets its own deep copy, so no store can see the other's mutations.
  const c = structuredClone(op) as Op;
  try {
    switch (c.kind) {
      case 'persist':
        return {
          ok: true,
          value: await wf.persistWorkflowSnapshot({
            workflowName: c.workflowName,
            runId: c.runId,
            resourceId: c.resourceId as string | undefined,
            snapshot: c.snapshot,
            createdAt: c.createdAt,
            updatedAt: c.updatedAt,
          }),
        };
      case 'results':
        return { ok: true, value: await wf.updateWorkflowResults(c) };
      case 'state':
        return { ok: true, value: await wf.updateWorkflowState(c as any) };
      case 'delete':
        return { ok: true, value: await wf.deleteWorkflowRunById(c) };
      case 'list':
        return { ok: true, value: await wf.listWorkflowRuns(c.args as any) };
      case 'load':
        return { ok: true, value: await wf.loadWorkflowSnapshot(c) };
      case 'get':
        return { ok: true, value: await wf.getWorkflowRunById(c) };
    }
  } catch (e: any) {
    return { ok: false, error: String(e?.message ?? e) };
  }
}

/**
 * JSON-shaped copy with "now" values replaced: Dates at/after `since` → 'NOW', such epoch-ms
 * numbers → 'NOW_MS'. With `masked`, the updatedAt of a WorkflowRun whose
 * `workflowName/runId` is in it becomes 'MASKED' (the pg updatedAt difference above).
 */
function normalise(v: unknown, since: number, masked?: ReadonlySet<string>): unknown {
  if (v instanceof Date) return v.getTime() >= since ? 'NOW' : v.toISOString();
  if (typeof v === 'number') return v >= since && v < since + 86_400_000 ? 'NOW_MS' : v;
  if (Array.isArray(v)) return v.map(x => (x === undefined ? null : normalise(x, since, masked)));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = normalise(x, since, masked);
    const run = v as Record<string, unknown>;
    if (masked && run.updatedAt instanceof Date && masked.has(`${run.workflowName}/${run.runId}`)) out.updatedAt = 'MASKED';
    return out;
  }
  return v;
}

/** Outcome as compared: values normalised; errors compared only as "it failed". */
function comparable(o: Outcome, since: number, masked?: ReadonlySet<string>) {
  return o.ok ? { ok: true, value: normalise(o.value, since, masked) } : { ok: false };
}

/** A thread id a snapshot carries in the agentic-loop layout (any suspended step), per libsql. */
function agenticThreads(snap: any): unknown[] {
  const ctx = snap?.context;
  if (!ctx || typeof ctx !== 'object') return [];
  return Object.values(ctx)
    .filter((s: any) => s?.status === 'suspended')
    .map((s: any) => s?.suspendPayload?.__streamState?.messageList?.memoryInfo?.threadId)
    .filter(t => t !== undefined && t !== null);
}

/** Whether @mastra/pg's COALESCE threadId rule and libsql's OR rule disagree on any of these runs for `threadId`. */
function threadRulesDisagree(runs: { snapshot: unknown }[], threadId: unknown): boolean {
  return runs.some(r => {
    const durable = (r.snapshot as any)?.context?.input?.messageListState?.memoryInfo?.threadId;
    const agentic = agenticThreads(r.snapshot);
    const libsqlMatches = agentic.includes(threadId) || durable === threadId;
    const pgMatches = (agentic.length ? agentic[0] : durable) === threadId;
    return libsqlMatches !== pgMatches;
  });
}

async function fullState(wf: WorkflowsStorage) {
  const all = await wf.listWorkflowRuns();
  // One at a time: several seeds run at once, and PostgreSQL's connection limit is shared.
  const loads = [];
  for (const w of WF_NAMES) for (const r of RUN_IDS) loads.push(await wf.loadWorkflowSnapshot({ workflowName: w, runId: r }));
  return { all, loads };
}

const pairs = enginePairs.filter(p => targets.includes(p.native));

describe.each(pairs.map(p => [p.engine, p.native, p.anchor] as const))('workflows differential on %s: %s vs %s', (engine, native, anchor) => {
  /** On PostgreSQL, NativeStore on SQLite too: native-pg must behave exactly like it. */
  const twin: Target | null = engine === 'postgres' ? 'native' : null;

  it.concurrent.for(SEEDS)(`seed %i: ${OPS_PER_SEED} random operations give identical results`, { timeout: 60_000 }, async (seed, { expect }) => {
    const since = Date.now();
    const open: AnyStore[] = [];
    try {
      for (const t of [native, anchor, ...(twin ? [twin] : [])]) open.push(await makeWorkflowStore(t));
      const [n, a, tw] = await Promise.all(open.map(workflowsOf));
      const anchorDiffers = anchor === 'pg';
      /** Runs whose latest applied write was an updateWorkflowState (pg refreshed their updatedAt). */
      const masked = new Set<string>();
      const maskFor = anchorDiffers ? masked : undefined;

      const rng = prng(seed);
      const created = createdAtTable(rng);
      const kinds: Record<string, number> = {};
      let errors = 0;
      let skippedThreadLists = 0;
      for (let i = 0; i < OPS_PER_SEED; i++) {
        const op = randOp(rng, created);
        kinds[op.kind] = (kinds[op.kind] ?? 0) + 1;
        let compareWithAnchor = true;
        if (anchorDiffers && op.kind === 'list' && op.args.threadId !== undefined) {
          compareWithAnchor = !threadRulesDisagree((await n.listWorkflowRuns()).runs, op.args.threadId);
          if (!compareWithAnchor) skippedThreadLists++;
        }
        // The stores are independent, so each operation goes to all of them at once.
        const [nat, ref, tv] = await Promise.all([apply(n, op), apply(a, op), tw ? apply(tw, op) : undefined]);
        if (!ref.ok) errors++;
        const where = `seed ${seed}, op #${i}: ${JSON.stringify(op)}\n${native}: ${JSON.stringify(nat)}\n`;
        if (tv) expect(comparable(nat, since), `${where}${twin}: ${JSON.stringify(tv)}`).toEqual(comparable(tv, since));
        if (compareWithAnchor) expect(comparable(nat, since, maskFor), `${where}${anchor}: ${JSON.stringify(ref)}`).toEqual(comparable(ref, since, maskFor));
        if ('runId' in op && op.workflowName !== undefined) {
          const key = `${op.workflowName}/${op.runId}`;
          if (op.kind === 'state' && ref.ok && ref.value !== undefined) masked.add(key);
          if ((op.kind === 'persist' || op.kind === 'results') && ref.ok) masked.delete(key);
          if (op.kind === 'delete') masked.delete(key);
        }
        if (op.kind === 'results') await sleepMs(2);
        if (i % 25 === 24 || i === OPS_PER_SEED - 1) {
          const [ns, as, ts] = await Promise.all([fullState(n), fullState(a), tw ? fullState(tw) : undefined]);
          expect(normalise(ns, since, maskFor), `state after op #${i}, seed ${seed}`).toEqual(normalise(as, since, maskFor));
          if (ts) expect(normalise(ns, since), `${twin} state after op #${i}, seed ${seed}`).toEqual(normalise(ts, since));
        }
      }
      // The sequence really exercised the domain (not a run of no-ops), and the pg exceptions
      // left nearly everything compared.
      for (const k of ['persist', 'results', 'state', 'list']) expect(kinds[k] ?? 0, `${k} ops in seed ${seed}`).toBeGreaterThan(3);
      expect(kinds.results + kinds.state + kinds.persist).toBeGreaterThan(50);
      expect(errors).toBeLessThan(OPS_PER_SEED / 4);
      expect(skippedThreadLists).toBeLessThanOrEqual(3);
    } finally {
      for (const s of open) await s.close();
    }
  });
});

describe('workflows differential generator', () => {
  it('the generator covers the interesting cases across all seeds', () => {
    let markers = 0;
    let expected = 0;
    let paged = 0;
    let fresh = 0;
    for (const seed of SEEDS) {
      const rng = prng(seed);
      const created = createdAtTable(rng);
      const seen = new Set<string>();
      for (let i = 0; i < OPS_PER_SEED; i++) {
        const op = randOp(rng, created);
        if (op.kind === 'results') {
          if (JSON.stringify(op.result).includes('{"__mastra_pending__":true}')) markers++;
          if (!seen.has(`${op.workflowName}/${op.runId}`)) fresh++;
        }
        if (op.kind === 'persist' || op.kind === 'results') seen.add(`${op.workflowName}/${op.runId}`);
        if (op.kind === 'state' && 'expectedStatus' in op.opts) expected++;
        if (op.kind === 'list' && typeof op.args.page === 'number' && typeof op.args.perPage === 'number') paged++;
      }
    }
    expect(markers).toBeGreaterThan(20);
    expect(expected).toBeGreaterThan(50);
    expect(paged).toBeGreaterThan(20);
    expect(fresh).toBeGreaterThan(20);
  });
});

// -----------------------------------------------------------------------------------------------
// One file, both writers: a database written by either store reads back identically through the
// other, and updates by the second writer apply on top of the first writer's rows.

const COMPAT_KEYS: [string, string][] = [
  ['wf-x', 'complex'],
  ['wf-x', 'agentic'],
  ['wf-y', 'durable'],
  ['wf-y', 'complex'],
  ['wf-x', 'fresh'],
  ['wf-z', 'by-second'],
  ['wf-z', 'fresh-2'],
];

async function writeFirst(wf: WorkflowsStorage) {
  await wf.persistWorkflowSnapshot({ workflowName: 'wf-x', runId: 'complex', resourceId: 'res', snapshot: complexSnapshot('complex'), createdAt: wfAt(1), updatedAt: wfAt(2) });
  await wf.persistWorkflowSnapshot({ workflowName: 'wf-x', runId: 'agentic', snapshot: agenticLoopSnapshot('agentic', 'th-9'), createdAt: wfAt(3), updatedAt: wfAt(3) });
  await wf.persistWorkflowSnapshot({ workflowName: 'wf-y', runId: 'durable', resourceId: 'res', snapshot: durableLoopSnapshot('durable', 'th-9'), createdAt: wfAt(4), updatedAt: wfAt(5) });
  await wf.persistWorkflowSnapshot({ workflowName: 'wf-y', runId: 'complex', snapshot: makeSnapshot('complex', { status: 'success' }), createdAt: wfAt(6), updatedAt: wfAt(6) });
  await wf.updateWorkflowResults({ workflowName: 'wf-x', runId: 'complex', stepId: 'each', result: { status: 'running', output: [null, { v: 2 }, null, null, null, 'six'] } as any, requestContext: { first: 1 } });
  await wf.updateWorkflowResults({ workflowName: 'wf-x', runId: 'fresh', stepId: 's', result: { status: 'success', output: 'ü' } as any, requestContext: {} });
  await wf.updateWorkflowState({ workflowName: 'wf-y', runId: 'durable', opts: { status: 'suspended', waitingPaths: { e: [1] } } as any });
}

async function writeSecond(wf: WorkflowsStorage) {
  await wf.updateWorkflowResults({ workflowName: 'wf-x', runId: 'complex', stepId: 'each', result: { status: 'running', output: [PENDING, PENDING, PENDING] } as any, requestContext: { second: 2 } });
  const cas = await wf.updateWorkflowState({ workflowName: 'wf-y', runId: 'durable', opts: { status: 'running', expectedStatus: 'suspended' } as any });
  expect(cas).toBeDefined();
  await wf.persistWorkflowSnapshot({ workflowName: 'wf-x', runId: 'agentic', snapshot: makeSnapshot('agentic', { status: 'success' }), createdAt: wfAt(99), updatedAt: wfAt(100) });
  await wf.persistWorkflowSnapshot({ workflowName: 'wf-z', runId: 'by-second', resourceId: 'res', snapshot: makeSnapshot('by-second'), createdAt: wfAt(7), updatedAt: wfAt(7) });
  await wf.updateWorkflowResults({ workflowName: 'wf-z', runId: 'fresh-2', stepId: 's', result: { status: 'success' } as any, requestContext: {} });
  await wf.deleteWorkflowRunById({ workflowName: 'wf-y', runId: 'complex' });
}

async function readAll(wf: WorkflowsStorage) {
  return {
    all: await wf.listWorkflowRuns(),
    byThread: await wf.listWorkflowRuns({ threadId: 'th-9' }),
    byResource: await wf.listWorkflowRuns({ resourceId: 'res', page: 0, perPage: 10 }),
    suspended: await wf.listWorkflowRuns({ status: 'suspended' }),
    loads: await Promise.all(COMPAT_KEYS.map(([workflowName, runId]) => wf.loadWorkflowSnapshot({ workflowName, runId }))),
    gets: await Promise.all(COMPAT_KEYS.map(([workflowName, runId]) => wf.getWorkflowRunById({ workflowName, runId }))),
    newest: await wf.getWorkflowRunById({ runId: 'complex' }),
  };
}

// On each engine, both directions: the reference store writes and NativeStore reads and
// continues, and the reverse (libsql ⇄ native on one SQLite file, pg ⇄ native-pg on one
// PostgreSQL schema). Each store is opened the ordinary way (full init), so the second store
// also initialises on top of the first one's tables.
describe.each(pairs.flatMap(p => [[p.anchor, p.native], [p.native, p.anchor]] as [Target, Target][]))(
  'workflows file compatibility: %s writes, %s reads and continues',
  (first, second) => {
    it('reads are identical, and the second writer updates the first writer\'s rows correctly', async () => {
      const url = tmpDbUrl(`wf-compat-${first}`);
      const a = await makeStore(first, { url });
      await writeFirst(await workflowsOf(a));
      const readByFirst = await readAll(await workflowsOf(a));
      await a.close();
      expect(readByFirst.all.total).toBe(5);

      const b = await makeStore(second, { url });
      const wb = await workflowsOf(b);
      expect(await readAll(wb)).toEqual(readByFirst);
      await writeSecond(wb);
      const readBySecond = await readAll(wb);
      await b.close();
      // The second writer's merges applied on top of the first writer's rows (pending markers
      // leave finished slots alone).
      const complex = readBySecond.loads[0] as any;
      expect(complex.context.each.output).toEqual([{ v: 1 }, { v: 2 }, 'three', [4, 5], { looksLikeJson: '{"a":1}' }, 'six']);
      expect(complex.requestContext).toMatchObject({ userId: 'u-1', first: 1, second: 2 });
      expect(readBySecond.gets[2]!.snapshot).toMatchObject({ status: 'running', waitingPaths: { e: [1] } });
      expect(readBySecond.gets[1]!.createdAt.getTime()).toBe(wfAt(3).getTime());
      expect(readBySecond.all.total).toBe(6);

      const again = await makeStore(first, { url });
      try {
        expect(await readAll(await workflowsOf(again))).toEqual(readBySecond);
      } finally {
        await again.close();
      }
    });
  },
);
