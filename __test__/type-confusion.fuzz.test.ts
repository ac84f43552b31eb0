// Type confusion: every public method of every domain (and of NativeStore's flat API) is
// called with each argument, and each field of its argument objects, replaced in turn by a
// value of another type. Each call must either fail with a USER MastraError and leave the
// database as it was, or give what a well-typed call gives: a value of the same JSON type
// (a string for a string), or — for undefined and null — exactly what the call without that
// field gives. No read may return a row of a resource other than the one it names.
//
// Seeded (MNS_FUZZ_SEED) and sized by MNS_FUZZ_EXTRA (random values added to the fixed set
// for each field; 2 by default). On every native target: SQLite and PostgreSQL.
import { describe, expect, it } from 'vitest';
import { NativeStore } from '../index.js';
import { nativeConfig, nativeTargets, tmpDbUrl, type Target } from './helpers/stores';
import { at, makeMessage, makeThread, prng, textContent } from './helpers/memory-fixtures';
import { agentInput, versionInput } from './helpers/agent-fixtures';
import { makeSnapshot } from './helpers/workflow-fixtures';

const SEED = Number(process.env.MNS_FUZZ_SEED ?? 18);
const EXTRA = Number(process.env.MNS_FUZZ_EXTRA ?? 2);
const CALL_TIMEOUT_MS = 15_000;

type Path = (string | number)[];
type Kind = 'string' | 'number' | 'boolean' | 'object' | 'array' | 'date' | 'null' | 'undefined' | 'other';

const kindOf = (v: unknown): Kind =>
  v === null
    ? 'null'
    : v === undefined
      ? 'undefined'
      : Array.isArray(v)
        ? 'array'
        : v instanceof Date
          ? 'date'
          : typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'object'
            ? (typeof v as Kind)
            : 'other';

/** The fixed set of wrong values, then EXTRA seeded ones per field. */
function badValues(rng: ReturnType<typeof prng>): unknown[] {
  const fixed: unknown[] = [
    42, 0, -1, 1.5, NaN, Infinity, true, false, {}, { $ne: null }, { $gt: '' }, [], ['x'], [1, 2], null, undefined,
    'x'.repeat(1 << 20), 'a\u0000b', '\u0000', 10n,
  ];
  const random = () => {
    switch (rng.int(5)) {
      case 0:
        return rng.int(2 ** 31) - 2 ** 30;
      case 1:
        return Array.from({ length: rng.int(40) }, () => String.fromCodePoint(rng.int(0x2fff))).join('');
      case 2:
        return { [`k${rng.int(9)}`]: rng.int(9) };
      case 3:
        return [rng.int(9), `s${rng.int(9)}`];
      default:
        return new Date(rng.int(2 ** 40));
    }
  };
  return [...fixed, ...Array.from({ length: EXTRA }, random)];
}

interface Case {
  /** The method, by name, on `stores[domain]` or on the store itself ('store'). */
  domain: 'memory' | 'workflows' | 'agents' | 'store';
  method: string;
  args: () => unknown[];
  write: boolean;
  /** Where the resource the call names sits in its arguments (reads only). */
  scope?: Path;
  /** Other kinds a field accepts, by path joined with '.' (e.g. a threadId list). */
  accepts?: Record<string, Kind[]>;
  /**
   * Fields holding the caller's own data (metadata, a snapshot, a step result, message
   * content): replaced as a whole, but what they hold is free-form, so not walked into.
   */
  data?: string[];
  /** Fields where null is a value, not an absence (a metadata filter's null matches null). */
  nullIsValue?: string[];
}

const DATE_OR_STRING: Kind[] = ['date', 'string'];
const ANY: Kind[] = ['string', 'number', 'boolean', 'object', 'array', 'date', 'null'];
const SCALAR: Kind[] = ['string', 'number', 'boolean', 'null'];

const cases: Case[] = [
  // ---- memory ---------------------------------------------------------------------------
  { domain: 'memory', method: 'getThreadById', args: () => [{ threadId: 't1', resourceId: 'r1' }], write: false, scope: [0, 'resourceId'] },
  { domain: 'memory', method: 'saveThread', args: () => [{ thread: makeThread('t9', 'r1', { metadata: { kind: 'z' } }) }], write: true, accepts: { '0.thread.createdAt': DATE_OR_STRING, '0.thread.updatedAt': DATE_OR_STRING }, data: ['0.thread.metadata'] },
  { domain: 'memory', method: 'updateThread', args: () => [{ id: 't1', title: 'renamed', metadata: { k: 1 } }], write: true, data: ['0.metadata'] },
  { domain: 'memory', method: 'deleteThread', args: () => [{ threadId: 't2' }], write: true },
  {
    domain: 'memory',
    method: 'listThreads',
    args: () => [{ filter: { resourceId: 'r1', metadata: { kind: 'a' } }, page: 0, perPage: 10, orderBy: { field: 'createdAt', direction: 'ASC' } }],
    write: false,
    scope: [0, 'filter', 'resourceId'],
    accepts: { '0.perPage': ['boolean'], '0.filter.metadata.kind': SCALAR },
    nullIsValue: ['0.filter.metadata.kind'],
  },
  {
    domain: 'memory',
    method: 'cloneThread',
    args: () => [
      {
        sourceThreadId: 't1',
        newThreadId: 't8',
        resourceId: 'r1',
        title: 'copy',
        metadata: { c: 1 },
        options: { messageLimit: 5, messageFilter: { startDate: at(0), endDate: at(100), messageIds: ['m1', 'm2'] } },
      },
    ],
    write: true,
    accepts: { '0.options.messageFilter.startDate': DATE_OR_STRING, '0.options.messageFilter.endDate': DATE_OR_STRING },
    data: ['0.metadata'],
  },
  { domain: 'memory', method: 'patchThread', args: () => [{ id: 't1', title: 'patched', metadata: { p: 1 } }], write: true, data: ['0.metadata'] },
  { domain: 'memory', method: 'updateThreadResourceId', args: () => [{ threadId: 't2', resourceId: 'r1' }], write: true },
  {
    domain: 'memory',
    method: 'saveMessages',
    args: () => [{ messages: [makeMessage('m9', 't1', 'r1', 9)] }],
    write: true,
    accepts: { '0.messages.0.createdAt': DATE_OR_STRING, '0.messages.0.content': ['string'] },
    data: ['0.messages.0.content'],
  },
  {
    domain: 'memory',
    method: 'listMessages',
    args: () => [
      {
        threadId: 't1',
        resourceId: 'r1',
        include: [{ id: 'm2', withPreviousMessages: 1, withNextMessages: 1 }],
        filter: { dateRange: { start: at(0), end: at(100) } },
        page: 0,
        perPage: 10,
        orderBy: { field: 'createdAt', direction: 'DESC' },
        includeTotal: true,
      },
    ],
    write: false,
    scope: [0, 'resourceId'],
    accepts: { '0.threadId': ['array'], '0.perPage': ['boolean'], '0.filter.dateRange.start': DATE_OR_STRING, '0.filter.dateRange.end': DATE_OR_STRING },
  },
  {
    domain: 'memory',
    method: 'listMessagesByResourceId',
    args: () => [{ resourceId: 'r1', page: 0, perPage: 10, orderBy: { field: 'createdAt', direction: 'ASC' }, filter: { dateRange: { start: at(0) } } }],
    write: false,
    scope: [0, 'resourceId'],
    accepts: { '0.perPage': ['boolean'], '0.filter.dateRange.start': DATE_OR_STRING },
  },
  { domain: 'memory', method: 'listMessagesById', args: () => [{ messageIds: ['m1', 'm3'] }], write: false },
  { domain: 'memory', method: 'updateMessages', args: () => [{ messages: [{ id: 'm1', content: textContent('edited') }] }], write: true, accepts: { '0.messages.0.content': ['string'] }, data: ['0.messages.0.content'] },
  { domain: 'memory', method: 'deleteMessages', args: () => [['m2'], 't1'], write: true },
  { domain: 'memory', method: 'getResourceById', args: () => [{ resourceId: 'r1' }], write: false },
  {
    domain: 'memory',
    method: 'saveResource',
    args: () => [{ resource: { id: 'r1', workingMemory: 'wm2', metadata: { m: 1 }, createdAt: at(0), updatedAt: at(1) } }],
    write: true,
    accepts: { '0.resource.createdAt': DATE_OR_STRING, '0.resource.updatedAt': DATE_OR_STRING },
    data: ['0.resource.metadata'],
  },
  { domain: 'memory', method: 'updateResource', args: () => [{ resourceId: 'r1', workingMemory: 'wm3', metadata: { n: 2 } }], write: true, data: ['0.metadata'] },

  // ---- workflows ------------------------------------------------------------------------
  {
    domain: 'workflows',
    method: 'persistWorkflowSnapshot',
    args: () => [{ workflowName: 'wf', runId: 'run9', resourceId: 'r1', snapshot: makeSnapshot('run9'), createdAt: at(5), updatedAt: at(6) }],
    write: true,
    accepts: { '0.createdAt': DATE_OR_STRING, '0.updatedAt': DATE_OR_STRING },
    data: ['0.snapshot'],
  },
  { domain: 'workflows', method: 'loadWorkflowSnapshot', args: () => [{ workflowName: 'wf', runId: 'run1' }], write: false },
  { domain: 'workflows', method: 'getWorkflowRunById', args: () => [{ runId: 'run1', workflowName: 'wf' }], write: false },
  { domain: 'workflows', method: 'deleteWorkflowRunById', args: () => [{ runId: 'run2', workflowName: 'wf' }], write: true },
  {
    domain: 'workflows',
    method: 'listWorkflowRuns',
    args: () => [{ workflowName: 'wf', resourceId: 'r1', fromDate: at(0), toDate: at(1000), page: 0, perPage: 10, status: 'running' }],
    write: false,
    scope: [0, 'resourceId'],
    accepts: { '0.fromDate': DATE_OR_STRING, '0.toDate': DATE_OR_STRING, '0.perPage': ['boolean'] },
  },
  {
    domain: 'workflows',
    method: 'updateWorkflowResults',
    args: () => [{ workflowName: 'wf', runId: 'run1', stepId: 's1', result: { status: 'success', output: 1 }, requestContext: { u: 1 } }],
    write: true,
    accepts: { '0.result': ANY },
    data: ['0.result', '0.requestContext'],
  },
  {
    domain: 'workflows',
    method: 'updateWorkflowState',
    args: () => [{ workflowName: 'wf', runId: 'run1', opts: { status: 'suspended', expectedStatus: 'running' } }],
    write: true,
    accepts: { '0.opts.expectedStatus': ['array'] },
  },

  // ---- agents ---------------------------------------------------------------------------
  { domain: 'agents', method: 'getById', args: () => ['a1'], write: false },
  { domain: 'agents', method: 'create', args: () => [{ agent: agentInput('a9', { authorId: 'u1', metadata: { team: 'x' } }) }], write: true, accepts: { '0.agent.instructions': ['array'], '0.agent.model': ANY }, data: ['0.agent.metadata', '0.agent.model'] },
  { domain: 'agents', method: 'update', args: () => [{ id: 'a1', status: 'published', authorId: 'u2', metadata: { more: 1 } }], write: true, data: ['0.metadata'] },
  { domain: 'agents', method: 'delete', args: () => ['a2'], write: true },
  {
    domain: 'agents',
    method: 'list',
    args: () => [{ page: 0, perPage: 10, orderBy: { field: 'createdAt', direction: 'ASC' }, authorId: 'u1', metadata: { team: 'x' } }],
    write: false,
    accepts: { '0.perPage': ['boolean'], '0.metadata.team': SCALAR },
    nullIsValue: ['0.metadata.team'],
  },
  { domain: 'agents', method: 'createVersion', args: () => [versionInput('a1', 3)], write: true, accepts: { '0.instructions': ['array'], '0.model': ANY }, data: ['0.model', '0.changedFields'] },
  { domain: 'agents', method: 'getVersion', args: () => ['a1-v1'], write: false },
  { domain: 'agents', method: 'getVersions', args: () => [['a1-v1', 'a1-v2']], write: false },
  { domain: 'agents', method: 'getVersionByNumber', args: () => ['a1', 1], write: false },
  { domain: 'agents', method: 'getLatestVersion', args: () => ['a1'], write: false },
  { domain: 'agents', method: 'listVersions', args: () => [{ agentId: 'a1', page: 0, perPage: 10, orderBy: { field: 'versionNumber', direction: 'ASC' } }], write: false, accepts: { '0.perPage': ['boolean'] } },
  { domain: 'agents', method: 'deleteVersion', args: () => ['a1-v2'], write: true },
  { domain: 'agents', method: 'deleteVersionsByParentId', args: () => ['a2'], write: true },
  { domain: 'agents', method: 'countVersions', args: () => ['a1'], write: false },
  { domain: 'agents', method: 'getByIdResolved', args: () => ['a1'], write: false },

  // ---- NativeStore's flat API -------------------------------------------------------------
  { domain: 'store', method: 'getThreadById', args: () => ['t1'], write: false },
  { domain: 'store', method: 'deleteThread', args: () => ['t2'], write: true },
  { domain: 'store', method: 'saveMessages', args: () => [[makeMessage('m8', 't1', 'r1', 8)]], write: true, accepts: { '0.0.createdAt': DATE_OR_STRING, '0.0.content': ['string'] } },
  { domain: 'store', method: 'deleteMessage', args: () => [{ id: 'm1', threadId: 't1' }], write: true },
  {
    domain: 'store',
    method: 'saveWorkflowRun',
    args: () => [{ workflow_name: 'wf', run_id: 'run7', resourceId: 'r1', snapshot: makeSnapshot('run7'), createdAt: at(1), updatedAt: at(2) }],
    write: true,
    accepts: { '0.snapshot': ['string'], '0.createdAt': DATE_OR_STRING, '0.updatedAt': DATE_OR_STRING },
    data: ['0.snapshot'],
  },
  { domain: 'store', method: 'getWorkflowRunById', args: () => ['run1', ['steps', 'result']], write: false },
  { domain: 'store', method: 'deleteWorkflowRun', args: () => ['run2'], write: true },
  { domain: 'store', method: 'getAgentByIdResolved', args: () => ['a1'], write: false },
  { domain: 'store', method: 'deleteAgent', args: () => ['a2'], write: true },
];

/** Every path to replace: each argument, each field of an argument object or array element, two levels down. */
function pathsOf(args: unknown[], data: string[] = []): Path[] {
  const out: Path[] = [];
  const walk = (v: unknown, path: Path, depth: number) => {
    out.push(path);
    if (depth === 3 || data.includes(path.join('.'))) return;
    if (Array.isArray(v)) {
      if (v.length) walk(v[0], [...path, 0], depth + 1);
    } else if (v && typeof v === 'object' && !(v instanceof Date)) {
      for (const k of Object.keys(v)) walk((v as any)[k], [...path, k], depth + 1);
    }
  };
  args.forEach((a, i) => walk(a, [i], 1));
  return out;
}

function getAt(root: unknown, path: Path): unknown {
  return path.reduce((v: any, k) => (v == null ? undefined : v[k]), root);
}

/** A copy of `args` with the value at `path` set (or, for `remove`, deleted). */
function setAt(args: unknown[], path: Path, value: unknown, remove = false): unknown[] {
  const copy = structuredClone(args);
  let parent: any = copy;
  for (const k of path.slice(0, -1)) parent = parent[k];
  const last = path[path.length - 1];
  if (remove && !Array.isArray(parent)) delete parent[last];
  else parent[last] = value;
  return copy;
}

const shown = (v: unknown) => {
  if (typeof v === 'string' && v.length > 40) return `'${v.slice(0, 8)}…' (${v.length} chars)`;
  if (typeof v === 'bigint') return `${v}n`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
};

/** Canonical text of a result, for comparing two calls' results. */
const canon = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x)) ?? 'undefined';

/** Every resourceId a result holds (threads, messages, runs), anywhere in it. */
function resourceIdsIn(v: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 6 || v == null || typeof v !== 'object') return out;
  if (Array.isArray(v)) {
    for (const x of v) resourceIdsIn(x, out, depth + 1);
    return out;
  }
  for (const [k, x] of Object.entries(v)) {
    if (k === 'resourceId' && typeof x === 'string') out.push(x);
    else resourceIdsIn(x, out, depth + 1);
  }
  return out;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: any };

async function attempt(fn: () => unknown): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const value = await Promise.race([
      Promise.resolve().then(fn),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${CALL_TIMEOUT_MS} ms`)), CALL_TIMEOUT_MS))),
    ]);
    return { ok: true, value };
  } catch (error) {
    return { ok: false, error };
  } finally {
    clearTimeout(timer);
  }
}

/** A typed USER error: bad input, or (for an id of the right type naming nothing) NOT_FOUND. */
const isUserError = (e: any) =>
  e?.constructor?.name === 'MastraError' &&
  e.category === 'USER' &&
  /^MASTRA_STORAGE_NATIVE_[A-Z_]+_FAILED$/.test(e.id) &&
  ['INVALID_ARGUMENT', 'NOT_FOUND', 'CONFLICT'].includes(e.details?.code);

describe.concurrent.each(nativeTargets)('type confusion [%s]', (target: Target) => {
  const domains = ['memory', 'workflows', 'agents', 'store'] as const;
  it.each(domains)('%s: every argument of the wrong type is a USER error or a well-typed answer', async domain => {
    const store = new NativeStore({ id: `fuzz-${target}-${domain}`, ...nativeConfig(target, tmpDbUrl(`fuzz-${target}-${domain}`)) });
    await store.init();
    const mem: any = store.stores.memory;
    const wf: any = store.stores.workflows;
    const ag: any = store.stores.agents;

    async function seed() {
      await Promise.all([mem.dangerouslyClearAll(), wf.dangerouslyClearAll(), ag.dangerouslyClearAll()]);
      await mem.saveThread({ thread: makeThread('t1', 'r1', { metadata: { kind: 'a' } }) });
      await mem.saveThread({ thread: makeThread('t2', 'r1', { metadata: { kind: 'a' } }) });
      await mem.saveThread({ thread: makeThread('t3', 'r2', { metadata: { kind: 'a' } }) });
      await mem.saveMessages({
        messages: [makeMessage('m1', 't1', 'r1', 1), makeMessage('m2', 't1', 'r1', 2), makeMessage('m3', 't2', 'r1', 3), makeMessage('m4', 't3', 'r2', 4)],
      });
      await mem.saveResource({ resource: { id: 'r1', workingMemory: 'wm', metadata: {}, createdAt: at(0), updatedAt: at(0) } });
      await wf.persistWorkflowSnapshot({ workflowName: 'wf', runId: 'run1', resourceId: 'r1', snapshot: makeSnapshot('run1'), createdAt: at(1), updatedAt: at(1) });
      await wf.persistWorkflowSnapshot({ workflowName: 'wf', runId: 'run2', resourceId: 'r2', snapshot: makeSnapshot('run2'), createdAt: at(2), updatedAt: at(2) });
      await ag.create({ agent: agentInput('a1', { authorId: 'u1', metadata: { team: 'x' } }) });
      await ag.createVersion(versionInput('a1', 2));
      await ag.create({ agent: agentInput('a2', { authorId: 'u2' }) });
    }

    /** Everything the store holds, as Mastra reads it. */
    async function dump(): Promise<string> {
      const threads = (await mem.listThreads({ perPage: false, orderBy: { field: 'createdAt', direction: 'ASC' } })).threads;
      const ids = threads.map((t: any) => t.id);
      const messages = ids.length ? (await mem.listMessages({ threadId: ids, perPage: false })).messages : [];
      const resources = await Promise.all(['r1', 'r2'].map(r => mem.getResourceById({ resourceId: r })));
      const runs = (await wf.listWorkflowRuns({})).runs.map((r: any) => ({ ...r, snapshot: r.snapshot }));
      const agents = (await ag.list({ perPage: false })).agents;
      const versions = await Promise.all(agents.map((a: any) => ag.listVersions({ agentId: a.id, perPage: false })));
      return canon({ threads, messages, resources, runs, agents, versions });
    }

    const call = (c: Case, args: unknown[]) => {
      const target: any = c.domain === 'store' ? store : c.domain === 'memory' ? mem : c.domain === 'workflows' ? wf : ag;
      return target[c.method](...args);
    };

    const rng = prng(SEED);
    const failures: string[] = [];
    let calls = 0;
    try {
      await seed();
      let baseline = await dump();
      for (const c of cases.filter(c => c.domain === domain)) {
        const original = c.args();
        // The well-typed call must itself work, or the cases below would prove nothing.
        const good = await attempt(() => call(c, c.args()));
        if (!good.ok) {
          failures.push(`${c.method}: the well-typed call failed: ${good.error?.message}`);
          continue;
        }
        if (c.write) {
          await seed();
          baseline = await dump();
        }
        for (const path of pathsOf(original, c.data)) {
          const was = getAt(original, path);
          const key = path.join('.');
          const okKinds = new Set<Kind>([kindOf(was), ...(c.accepts?.[key] ?? [])]);
          for (const value of badValues(rng)) {
            const args = setAt(original, path, value);
            const label = `${c.method} ${key} = ${shown(value)}`;
            calls++;
            const got = await attempt(() => call(c, args));
            let changed = false;
            if (!got.ok) {
              if (!isUserError(got.error)) {
                failures.push(`${label}: not a USER INVALID_ARGUMENT error: ${got.error?.constructor?.name} ${got.error?.category ?? ''} ${got.error?.details?.code ?? ''} ${String(got.error?.message).slice(0, 160)}`);
              }
              if (c.write && (await dump()) !== baseline) {
                failures.push(`${label}: failed but changed the database`);
                changed = true;
              }
            } else {
              const kind = kindOf(value);
              if (kind === 'undefined' || (kind === 'null' && !c.nullIsValue?.includes(key))) {
                // Must behave as the call without the field (a null as its absence).
                if (c.write) await seed();
                const without = await attempt(() => call(c, setAt(original, path, undefined, true)));
                if (!without.ok) failures.push(`${label}: succeeded where the call without it fails (${without.error?.message?.slice(0, 80)})`);
                else if (!c.write && canon(without.value) !== canon(got.value)) failures.push(`${label}: answered differently from the call without it`);
                changed = c.write;
              } else if (!okKinds.has(kind) && !(kind === 'date' && okKinds.has('string'))) {
                // (JSON carries a Date as its ISO text, so a Date where a string is expected
                // is exactly the call with that string.)
                failures.push(`${label}: accepted a ${kind} where a ${[...okKinds].join('/')} is expected`);
                changed = c.write;
              } else {
                changed = c.write;
              }
              // A read never answers with another resource's rows.
              if (c.scope && !c.write) {
                const named = getAt(args, c.scope);
                if (typeof named === 'string' && named !== '') {
                  const foreign = resourceIdsIn(got.value).filter(r => r !== named);
                  if (foreign.length) failures.push(`${label}: returned rows of resource(s) ${[...new Set(foreign)].join(', ')}`);
                }
              }
            }
            if (changed) {
              await seed();
              baseline = await dump();
            }
          }
        }
      }
    } finally {
      await store.close();
    }
    if (process.env.MNS_FUZZ_REPORT) {
      const { appendFileSync } = await import('node:fs');
      appendFileSync(process.env.MNS_FUZZ_REPORT, failures.map(f => `[${target}] ${f}\n`).join(''));
    }
    console.log(`[type confusion] ${target} ${domain}: ${calls} calls, ${failures.length} failing (seed ${SEED}, ${EXTRA} random values per field)`);
    expect(calls).toBeGreaterThan(100);
    expect(failures.slice(0, 40), `${failures.length} failing calls of ${calls} (seed ${SEED})`).toEqual([]);
  }, 300_000);
});
