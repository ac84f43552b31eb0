// Shared fixtures for the workflows-domain suites: snapshot builders, fixed timestamps,
// a seeded PRNG and small assertion helpers.
import { expect } from 'vitest';
import type { WorkflowsStorage } from '@mastra/core/storage';
import type { WorkflowRunState } from '@mastra/core/workflows';
import { PG_URL, schemaFor } from './pg';
import { makeStore, nativeConfig, tmpDbUrl, type AnyStore, type Target } from './stores';

/** A fixed instant far from "now", so explicit timestamps never collide with store-set ones. */
export const WF_BASE_MS = Date.UTC(2021, 5, 1, 12, 0, 0, 0);

/** Fixture time `i`: WF_BASE + i seconds. */
export const wfAt = (i: number) => new Date(WF_BASE_MS + i * 1000);

export const PENDING = Object.freeze({ __mastra_pending__: true });

export const sleepMs = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms));

/**
 * A store for the workflows suites, at `url` (default: a fresh location). Same as makeStore,
 * except that @mastra/pg only creates the tables of `domains` (default: workflows): a full
 * PostgresStore init() builds ~45 tables of every domain (~0.5 s each time), which would
 * dominate these suites' runtime, while each domain's own init() creates its tables (and
 * indexes) exactly as the full init does. NativeStore and libsql are opened the ordinary way.
 */
export async function makeWorkflowStore(
  target: Target,
  opts: { url?: string; id?: string; domains?: ('workflows' | 'memory')[] } = {},
): Promise<AnyStore> {
  if (target !== 'pg') return makeStore(target, opts);
  const url = opts.url ?? tmpDbUrl(target);
  const { PostgresStore } = await import('@mastra/pg');
  const store = new PostgresStore({
    id: opts.id ?? 'pg-test',
    connectionString: PG_URL,
    schemaName: schemaFor(url),
    disableInit: true,
  }) as unknown as AnyStore;
  for (const domain of opts.domains ?? ['workflows']) await (await store.getStore(domain))!.init();
  return store;
}

/**
 * How a separate process (fixtures/workflow-worker.mjs) opens the database of `target` at
 * `location`: [target, url, schemaName?], the arguments the worker takes.
 */
export function workerArgs(target: Target, location: string): string[] {
  if (target === 'pg') return [target, PG_URL, schemaFor(location)];
  if (target === 'native-pg') {
    const { url, schemaName } = nativeConfig(target, location);
    return [target, url, schemaName!];
  }
  return [target, location];
}

/** The workflows domain of a store. */
export async function workflowsOf(store: AnyStore): Promise<WorkflowsStorage> {
  const w = await store.getStore('workflows');
  if (!w) throw new Error('store has no workflows domain');
  return w as WorkflowsStorage;
}

/** A minimal, well-formed run snapshot with the given overrides. */
export function makeSnapshot(runId: string, over: Record<string, unknown> = {}): WorkflowRunState {
  return {
    runId,
    status: 'running',
    value: {},
    context: { input: { n: 1 } },
    serializedStepGraph: [],
    activePaths: [],
    activeStepsPath: {},
    suspendedPaths: {},
    resumeLabels: {},
    waitingPaths: {},
    timestamp: 1_600_000_000_000,
    ...over,
  } as unknown as WorkflowRunState;
}

/** A snapshot exercising every JSON shape: deep nesting, unicode, nulls, quotes, big numbers. */
export function complexSnapshot(runId: string): WorkflowRunState {
  return makeSnapshot(runId, {
    status: 'suspended',
    value: { counter: '3', label: 'ünïcödé ✓' },
    context: {
      input: { query: 'He said "hi" \\ and left', tags: ['a', 'b'], nested: { deep: { deeper: [1, [2, [3, { x: null }]]] } } },
      step1: {
        status: 'success',
        payload: { q: 1 },
        output: { text: 'emoji 🚀🔥 and 中文 and tabs\t\nnewline', score: 0.125, big: 9007199254740991, neg: -42, ok: true },
        startedAt: 1_600_000_000_001,
        endedAt: 1_600_000_000_002,
      },
      each: {
        status: 'running',
        payload: [1, 2, 3],
        output: [{ v: 1 }, null, 'three', [4, 5], { looksLikeJson: '{"a":1}' }],
        startedAt: 1_600_000_000_003,
      },
      waiter: {
        status: 'suspended',
        payload: {},
        suspendPayload: { reason: 'needs approval', empty: {}, list: [] },
        suspendedAt: 1_600_000_000_004,
        startedAt: 1_600_000_000_003,
      },
    },
    serializedStepGraph: [
      { type: 'step', step: { id: 'step1', description: 'first' } },
      { type: 'foreach', step: { id: 'each' }, opts: { concurrency: 2 } },
      { type: 'parallel', steps: [{ type: 'step', step: { id: 'waiter' } }] },
    ],
    activePaths: [2],
    activeStepsPath: { waiter: [2, 0] },
    suspendedPaths: { waiter: [2, 0] },
    resumeLabels: { approve: { stepId: 'waiter', foreachIndex: 0 } },
    waitingPaths: {},
    requestContext: { userId: 'u-1', flags: { beta: true }, nothing: null },
    result: undefined,
    error: null,
  });
}

/** A snapshot in the "agentic loop" layout: a suspended step carries the thread id in its stream state. */
export function agenticLoopSnapshot(runId: string, threadId: string, stepStatus = 'suspended'): WorkflowRunState {
  return makeSnapshot(runId, {
    status: 'suspended',
    context: {
      input: { prompt: 'x' },
      'agentic-step': {
        status: stepStatus,
        payload: {},
        suspendPayload: { __streamState: { messageList: { memoryInfo: { threadId, resourceId: 'r' } } } },
        suspendedAt: 1,
        startedAt: 1,
      },
    },
  });
}

/** A snapshot in the "durable loop" layout: the thread id sits in the serialized workflow input. */
export function durableLoopSnapshot(runId: string, threadId: string): WorkflowRunState {
  return makeSnapshot(runId, {
    status: 'running',
    context: { input: { messageListState: { memoryInfo: { threadId, resourceId: 'r' } } } },
  });
}

/** Shared with the memory suites: rejectionOf, the error-shape check, the seeded PRNG. */
export { expectNativeError, prng, rejectionOf, type Rng } from './memory-fixtures';

/** Real Date equal to the millisecond. */
export function expectDate(actual: unknown, expected: Date | number) {
  expect(actual).toBeInstanceOf(Date);
  expect((actual as Date).getTime()).toBe(typeof expected === 'number' ? expected : expected.getTime());
}

/** Real Date within [lo, hi] (ms, inclusive). */
export function expectDateBetween(actual: unknown, lo: number, hi: number) {
  expect(actual).toBeInstanceOf(Date);
  const t = (actual as Date).getTime();
  expect(t).toBeGreaterThanOrEqual(lo);
  expect(t).toBeLessThanOrEqual(hi);
}
