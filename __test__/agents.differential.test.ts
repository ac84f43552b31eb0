// Differential test of the stored-agents domain: seeded random operation sequences (create,
// createVersion, update, delete, deleteVersion, deleteVersionsByParentId, list / listResolved
// with random filters, order and pagination, listVersions, getById, getByIdResolved in all three
// option forms, and the version reads) run against NativeStore and its reference store on each
// engine (native vs @mastra/libsql, native-pg vs @mastra/pg), and — strictly, with no
// anchor-specific allowances — NativeStore on SQLite against NativeStore on PostgreSQL. Every
// result must be deep-equal once two kinds of store-generated values are normalised:
//   * "now" timestamps: after every write the sequence waits for the next millisecond, so each
//     timestamp is mapped to the index of the operation that wrote it ("@17"); a timestamp
//     outside every write's window stays raw and fails the comparison;
//   * version 1's id (a random UUID) is mapped to (agentId, versionNumber 1, creating op).
//
// Where a reference store legitimately differs, the generator avoids the case or the
// comparison normalises it (never for the native vs native-pg comparison):
//   1. @mastra/pg's update() replaces metadata instead of merging it: against 'pg', updates send
//      the full merged metadata, so merge and replace agree. (SQLite and the cross-engine
//      comparison send patches.)
//   2. @mastra/pg's create() returns `undefined` for an unset authorId / activeVersionId where
//      every read returns null, and its createVersion() returns the stored row (unset text
//      columns null) rather than {...input, createdAt}: against 'pg', null-valued top-level
//      keys of create() and createVersion() results are dropped on both sides.
//   3. @mastra/libsql's metadata filter compares json_extract() with the JSON text of the value,
//      so numbers and booleans never match: against 'libsql', filters use string values only.
//   4. The references have no tie-break in listVersions and order agents by their stored "now"
//      timestamps; the one-write-per-millisecond rule makes every ordering deterministic.
//   5. @mastra/libsql JSON-parses any text column that looks like a JSON object: generated
//      strings never look like JSON.
//   6. The references accept invalid input (unknown status/visibility, a create over an
//      existing id, which libsql turns into a replace with a second "version 1"): the generator
//      sends only valid input and creates only absent ids (bad input: agents.bad-input.test.ts).
//   7. A null authorId / visibility list filter: the references compile it to `= NULL` (matches
//      nothing), NativeStore ignores it. The type does not allow null; never generated.
//   8. getVersions() order is unspecified: results are sorted by (normalised) id.
//   9. @mastra/libsql's listVersions() with perPage 0 drops the LIMIT and returns every version
//      (its list() and both pg methods return none): listVersions never gets perPage 0.
// Input shapes where NativeStore and the references disagree and the references are right are
// pinned by the "edge inputs" test at the end, not hidden.
import { describe, expect, it } from 'vitest';
import type { AgentsStorage } from '@mastra/core/storage';
import { enginePairs, makeStore, pgEnabled, targets, tmpDbUrl, type AnyStore, type Target } from './helpers/stores';
import { agentInput, agentsOf, FULL_CONFIG, nextMs, prng, rawSql, type Rng } from './helpers/agent-fixtures';

const SEEDS = Array.from({ length: 12 }, (_, i) => 4242 + i * 7919);
const OPS_PER_SEED = 90;

const AGENT_IDS = Array.from({ length: 10 }, (_, i) => `ag-${String(i).padStart(2, '0')}`);
const AUTHORS = ['alice', 'bob', 'carol'] as const;
const STATUSES = ['draft', 'published', 'archived'] as const;
const VISIBILITIES = ['private', 'public'] as const;
const FANS = ['fan-1', 'fan-2'] as const;
const FAVOURITES: Record<(typeof FANS)[number], string[]> = { 'fan-1': ['ag-01', 'ag-03', 'ag-04', 'ag-08'], 'fan-2': ['ag-00', 'ag-05'] };
const MODELS = [
  { provider: 'openai', name: 'gpt-4o-mini' },
  { provider: 'anthropic', name: 'claude-haiku', temperature: 0.2 },
  [{ value: { provider: 'openai', name: 'gpt-4o' }, rules: { operator: 'AND', conditions: [{ field: 'tier', operator: 'equals', value: 'pro' }] } }, { value: { provider: 'openai', name: 'gpt-4o-mini' } }],
] as const;
const OPTIONAL_CONFIG = Object.entries(FULL_CONFIG).filter(([k]) => !['name', 'instructions', 'model'].includes(k));

type Flavor = {
  /** Updates carry the full merged metadata (the reference replaces it). */
  mergedMetadata: boolean;
  /** Metadata filters may use numbers and booleans. */
  nonStringFilters: boolean;
  /** create() results are compared without their null-valued top-level keys. */
  dropCreateNulls: boolean;
};

type Ref = { agentId: string; n: number };
type Op =
  | { kind: 'create'; input: Record<string, unknown> }
  | { kind: 'createVersion'; input: Record<string, unknown> }
  | { kind: 'update'; patch: Record<string, unknown>; activate?: Ref | 'missing' | null }
  | { kind: 'delete'; id: string }
  | { kind: 'deleteVersion'; ref: Ref }
  | { kind: 'deleteVersions'; agentId: string }
  | { kind: 'list'; args: Record<string, unknown>; resolved: boolean }
  | { kind: 'listVersions'; args: Record<string, unknown> }
  | { kind: 'get'; id: string; how: 'plain' | 'default' | 'draft' | 'published' | 'version'; ref?: Ref }
  | { kind: 'versionReads'; agentId: string; ref: Ref; n: number; refs: Ref[] };

const WRITES = new Set<Op['kind']>(['create', 'createVersion', 'update', 'delete', 'deleteVersion', 'deleteVersions']);

// ---- the generator ------------------------------------------------------------------------------

type ModelAgent = { nextN: number; versions: number[]; metadata: Record<string, unknown> | undefined };

function randMetadata(rng: Rng): Record<string, unknown> {
  const m: Record<string, unknown> = {};
  if (rng.chance(0.7)) m.team = rng.pick(['core', 'web', 'ops']);
  if (rng.chance(0.5)) m.env = rng.pick(['prod', 'dev']);
  if (rng.chance(0.3)) m.extra = rng.pick([3, true, { nested: [1, 'x', null] }, 'ünï 🚀']);
  return m;
}

function randInstructions(rng: Rng, tag: string): unknown {
  return rng.chance(0.7)
    ? `Instructions ${tag}: be "precise".\nSecond line — ✓`
    : [
        { type: 'text', content: `Block ${tag}` },
        { type: 'prompt_block_ref', id: `pb-${rng.int(3)}` },
      ];
}

function randPaging(rng: Rng, allowZero = true): Record<string, unknown> {
  const r = rng.int(20);
  if (r < 9) return { page: rng.int(3), perPage: rng.pick([1, 2, 3, 5, 100]) };
  if (r < 12) return { perPage: false };
  if (r < 13) return allowZero ? { perPage: 0 } : { perPage: 1 };
  if (r < 14) return { page: 1 };
  return {};
}

function generate(seed: number, flavor: Flavor): Op[] {
  const rng = prng(seed);
  const model = new Map<string, ModelAgent>();
  const ops: Op[] = [];
  let versionCounter = 0;
  const existing = () => [...model.keys()];
  const anyId = () => (model.size > 0 && rng.chance(0.8) ? rng.pick(existing()) : rng.pick(AGENT_IDS));
  const anyRef = (agentId?: string): Ref => {
    const id = agentId ?? anyId();
    const a = model.get(id);
    if (a && a.versions.length > 0 && rng.chance(0.85)) return { agentId: id, n: rng.pick(a.versions) };
    return { agentId: id, n: 1 + rng.int(a ? a.nextN + 1 : 3) };
  };

  while (ops.length < OPS_PER_SEED) {
    const r = rng.int(100);
    if (r < 16 || model.size === 0) {
      const free = AGENT_IDS.filter(id => !model.has(id));
      if (free.length === 0) continue;
      const id = rng.pick(free);
      const input: Record<string, unknown> = {
        id,
        name: `Agent ${id} #${ops.length}`,
        instructions: randInstructions(rng, `${id}-1`),
        model: rng.pick(MODELS),
      };
      if (rng.chance(0.5)) input.description = `About ${id}`;
      for (const [k, v] of OPTIONAL_CONFIG) if (rng.chance(0.15)) input[k] = v;
      if (rng.chance(0.6)) input.authorId = rng.pick(AUTHORS);
      if (rng.chance(0.3)) input.visibility = rng.pick(VISIBILITIES);
      const metadata = rng.chance(0.6) ? randMetadata(rng) : undefined;
      if (metadata) input.metadata = metadata;
      model.set(id, { nextN: 2, versions: [1], metadata });
      ops.push({ kind: 'create', input });
    } else if (r < 32) {
      const agentId = rng.pick(existing());
      const a = model.get(agentId)!;
      const n = a.nextN++;
      a.versions.push(n);
      const input: Record<string, unknown> = {
        id: `${agentId}.v${n}.${versionCounter++}`,
        agentId,
        versionNumber: n,
        name: `Agent ${agentId} v${n}`,
        instructions: randInstructions(rng, `${agentId}-${n}`),
        model: rng.pick(MODELS),
      };
      if (rng.chance(0.4)) input.description = `v${n} of ${agentId}`;
      for (const [k, v] of OPTIONAL_CONFIG) if (rng.chance(0.1)) input[k] = v;
      if (rng.chance(0.7)) input.changedFields = rng.subset(['name', 'instructions', 'model', 'description']);
      if (rng.chance(0.7)) input.changeMessage = `change ${n}`;
      ops.push({ kind: 'createVersion', input });
    } else if (r < 50) {
      const id = model.size > 0 && rng.chance(0.9) ? rng.pick(existing()) : rng.pick(AGENT_IDS);
      const a = model.get(id);
      const patch: Record<string, unknown> = { id };
      let activate: Ref | 'missing' | null | undefined;
      if (rng.chance(0.35)) patch.status = rng.pick(STATUSES);
      if (rng.chance(0.35)) {
        const k = rng.int(10);
        activate = k < 7 ? anyRef(id) : k < 8 ? anyRef() : k < 9 ? 'missing' : null;
      }
      if (rng.chance(0.4)) {
        const delta = randMetadata(rng);
        const merged = { ...(a?.metadata ?? {}), ...delta };
        patch.metadata = flavor.mergedMetadata ? merged : delta;
        if (a) a.metadata = merged;
      }
      if (rng.chance(0.2)) patch.authorId = rng.pick(AUTHORS);
      if (rng.chance(0.2)) patch.visibility = rng.pick(VISIBILITIES);
      // Config fields an update must ignore.
      if (rng.chance(0.2)) Object.assign(patch, { name: 'ignored', instructions: 'ignored', model: { provider: 'x', name: 'y' } });
      ops.push({ kind: 'update', patch, activate });
    } else if (r < 55) {
      const id = anyId();
      model.delete(id);
      ops.push({ kind: 'delete', id });
    } else if (r < 60) {
      const ref = anyRef();
      const a = model.get(ref.agentId);
      if (a) a.versions = a.versions.filter(n => n !== ref.n);
      ops.push({ kind: 'deleteVersion', ref });
    } else if (r < 62) {
      const agentId = anyId();
      const a = model.get(agentId);
      if (a) a.versions = [];
      ops.push({ kind: 'deleteVersions', agentId });
    } else if (r < 78) {
      const args: Record<string, unknown> = { ...randPaging(rng) };
      if (rng.chance(0.4)) args.status = rng.pick(STATUSES);
      if (rng.chance(0.2)) args.authorId = rng.pick(AUTHORS);
      if (rng.chance(0.2)) args.visibility = rng.pick(VISIBILITIES);
      if (rng.chance(0.25)) {
        const f: Record<string, unknown> = {};
        if (rng.chance(0.7)) f.team = rng.pick(['core', 'web', 'ops']);
        if (rng.chance(0.4)) f.env = rng.pick(['prod', 'dev']);
        if (flavor.nonStringFilters && rng.chance(0.3)) f.extra = rng.pick([3, true, 'ünï 🚀']);
        args.metadata = f;
      }
      if (rng.chance(0.15)) args.entityIds = rng.chance(0.15) ? [] : rng.subset(AGENT_IDS, 0.4);
      if (rng.chance(0.6)) {
        const o: Record<string, unknown> = {};
        if (rng.chance(0.8)) o.field = rng.pick(['createdAt', 'updatedAt']);
        if (rng.chance(0.8)) o.direction = rng.pick(['ASC', 'DESC']);
        args.orderBy = o;
      }
      if (rng.chance(0.15)) {
        args.pinFavoritedFor = rng.pick(FANS);
        if (rng.chance(0.5)) args.favoritedOnly = true;
      } else if (rng.chance(0.03)) {
        args.favoritedOnly = true;
      }
      ops.push({ kind: 'list', args, resolved: rng.chance(0.45) });
    } else if (r < 86) {
      const args: Record<string, unknown> = { agentId: anyId(), ...randPaging(rng, false) };
      if (rng.chance(0.6)) {
        const o: Record<string, unknown> = {};
        if (rng.chance(0.8)) o.field = rng.pick(['versionNumber', 'createdAt']);
        if (rng.chance(0.8)) o.direction = rng.pick(['ASC', 'DESC']);
        args.orderBy = o;
      }
      ops.push({ kind: 'listVersions', args });
    } else if (r < 95) {
      const id = anyId();
      const how = rng.pick(['plain', 'default', 'draft', 'published', 'version'] as const);
      ops.push({ kind: 'get', id, how, ref: how === 'version' ? anyRef(rng.chance(0.8) ? id : undefined) : undefined });
    } else {
      const agentId = anyId();
      ops.push({
        kind: 'versionReads',
        agentId,
        ref: anyRef(agentId),
        n: rng.int(6),
        refs: Array.from({ length: rng.int(4) }, () => anyRef()),
      });
    }
  }
  return ops;
}

// ---- running and normalising --------------------------------------------------------------------

/** One store's side of a run: the write windows and the generated-id labels it has seen. */
class Side {
  windows: { op: number; lo: number; hi: number }[] = [];
  ids = new Map<string, string>(); // `${agentId}#${n}` → actual version id
  labels = new Map<string, string>(); // generated (UUID) version id → label
  constructor(
    public name: string,
    public agents: AgentsStorage,
  ) {}

  versionId(ref: Ref): string {
    return this.ids.get(`${ref.agentId}#${ref.n}`) ?? `no-such-${ref.agentId}-${ref.n}`;
  }

  norm(v: unknown): unknown {
    if (v instanceof Date) {
      const t = v.getTime();
      const w = this.windows.find(x => x.lo <= t && t <= x.hi);
      return w ? `@${w.op}` : `?${v.toISOString()}`;
    }
    if (typeof v === 'string') return this.labels.get(v) ?? v;
    if (Array.isArray(v)) return v.map(x => this.norm(x));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this.norm(x)]));
    return v;
  }
}

async function settle<T>(p: Promise<T>): Promise<{ ok: T } | { error: { category: unknown; message: string } }> {
  try {
    return { ok: await p };
  } catch (e: any) {
    return { error: { category: e?.category, message: String(e?.message) } };
  }
}

const dropNulls = (o: any) => (o && typeof o === 'object' ? Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null)) : o);

/** Run one op on one side; returns the raw result (normalised by the caller). */
async function runOp(side: Side, op: Op, index: number, flavor: Flavor): Promise<unknown> {
  const a = side.agents;
  const lo = Date.now();
  let out: unknown;
  switch (op.kind) {
    case 'create': {
      const created = await settle(a.create({ agent: structuredClone(op.input) as any }));
      const id = op.input.id as string;
      const v1 = await a.getVersionByNumber(id, 1);
      if (v1) {
        side.ids.set(`${id}#1`, v1.id);
        side.labels.set(v1.id, `v1:${id}:@${index}`);
      }
      out = { created: 'ok' in created && flavor.dropCreateNulls ? { ok: dropNulls(created.ok) } : created, v1 };
      break;
    }
    case 'createVersion': {
      const input = structuredClone(op.input) as any;
      side.ids.set(`${input.agentId}#${input.versionNumber}`, input.id);
      const made = await settle(a.createVersion(input));
      out = 'ok' in made && flavor.dropCreateNulls ? { ok: dropNulls(made.ok) } : made;
      break;
    }
    case 'update': {
      const patch: any = structuredClone(op.patch);
      if (op.activate !== undefined) {
        patch.activeVersionId = op.activate === null ? null : op.activate === 'missing' ? 'missing-version' : side.versionId(op.activate);
      }
      out = await settle(a.update(patch));
      break;
    }
    case 'delete':
      out = await settle(a.delete(op.id));
      break;
    case 'deleteVersion':
      out = await settle(a.deleteVersion(side.versionId(op.ref)));
      break;
    case 'deleteVersions':
      out = await settle(a.deleteVersionsByParentId(op.agentId));
      break;
    case 'list':
      out = await settle(op.resolved ? a.listResolved(structuredClone(op.args) as any) : a.list(structuredClone(op.args) as any));
      break;
    case 'listVersions':
      out = await settle(a.listVersions(structuredClone(op.args) as any));
      break;
    case 'get':
      out = await settle(
        op.how === 'plain'
          ? a.getById(op.id)
          : op.how === 'default'
            ? a.getByIdResolved(op.id)
            : op.how === 'version'
              ? a.getByIdResolved(op.id, { versionId: side.versionId(op.ref!) })
              : a.getByIdResolved(op.id, { status: op.how }),
      );
      break;
    case 'versionReads':
      out = {
        version: await settle(a.getVersion(side.versionId(op.ref))),
        byNumber: await settle(a.getVersionByNumber(op.agentId, op.n)),
        latest: await settle(a.getLatestVersion(op.agentId)),
        count: await settle(a.countVersions(op.agentId)),
        many: await settle(
          a.getVersions(op.refs.map(r => side.versionId(r))).then(vs => {
            const key = (v: { id: string }) => String(side.norm(v.id));
            return [...vs].sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
          }),
        ),
      };
      break;
  }
  if (WRITES.has(op.kind)) side.windows.push({ op: index, lo, hi: Date.now() });
  return out;
}

/** Everything both stores hold, for the end-of-sequence comparison. */
async function dump(side: Side) {
  const all = await side.agents.listResolved({ perPage: false, status: 'draft', orderBy: { field: 'createdAt', direction: 'ASC' } });
  const versions: Record<string, unknown> = {};
  for (const id of AGENT_IDS) versions[id] = (await side.agents.listVersions({ agentId: id, perPage: false, orderBy: { direction: 'ASC' } })).versions;
  return side.norm({ all, versions });
}

type Pair = { left: Target; right: Target; label: string; flavor: Flavor };

const pairs: Pair[] = [
  ...enginePairs
    .filter(p => targets.includes(p.native) && targets.includes(p.anchor))
    .map(p => ({
      left: p.native,
      right: p.anchor,
      label: `${p.native} vs ${p.anchor}`,
      flavor:
        p.engine === 'postgres'
          ? { mergedMetadata: true, nonStringFilters: true, dropCreateNulls: true }
          : { mergedMetadata: false, nonStringFilters: false, dropCreateNulls: false },
    })),
  ...(pgEnabled && targets.includes('native') && targets.includes('native-pg')
    ? [{ left: 'native' as Target, right: 'native-pg' as Target, label: 'native vs native-pg', flavor: { mergedMetadata: false, nonStringFilters: true, dropCreateNulls: false } }]
    : []),
];

if (pairs.length === 0) {
  describe('agents differential', () => {
    it.skip('needs a NativeStore target and its reference (or both NativeStore engines) in TEST_TARGETS', () => {});
  });
}

describe.each(pairs)('agents differential: $label', ({ left, right, flavor }) => {
  /** A fresh pair of stores with the favourites rows seeded; closed by the caller. */
  async function freshPair(seed: number) {
    const urls = [tmpDbUrl(`agents-diff-${left}-${seed}`), tmpDbUrl(`agents-diff-${right}-${seed}`)];
    const stores = [await makeStore(left, { url: urls[0] }), await makeStore(right, { url: urls[1] })];
    const sides: [Side, Side] = [new Side(left, await agentsOf(stores[0])), new Side(right, await agentsOf(stores[1]))];
    for (const [i, target] of [left, right].entries()) {
      const sql = await rawSql(target, urls[i]);
      try {
        const fav = `INSERT INTO {t:mastra_favorites} ("userId", "entityType", "entityId", "createdAt") VALUES (?, 'agent', ?, ?)`;
        const now = new Date().toISOString();
        await sql.batch(Object.entries(FAVOURITES).flatMap(([user, agentIds]) => agentIds.map(id => [fav, [user, id, now]] as [string, unknown[]])));
      } finally {
        await sql.close();
      }
    }
    return { stores, sides };
  }

  // Seeds run concurrently, each on stores of its own; every sequence keeps its own
  // one-write-per-millisecond rule, so interleaving does not affect any result.
  it.concurrent.for(SEEDS)('seed %i: every result agrees', async (seed, { expect }) => {
    const { stores, sides } = await freshPair(seed);
    try {
      const ops = generate(seed, flavor);
      let lastWriteEnd = 0;
      for (const [i, op] of ops.entries()) {
        if (WRITES.has(op.kind)) await nextMs(lastWriteEnd);
        const l = await runOp(sides[0], op, i, flavor);
        const r = await runOp(sides[1], op, i, flavor);
        if (WRITES.has(op.kind)) lastWriteEnd = Date.now();
        expect(sides[0].norm(l), `seed ${seed} op ${i}: ${JSON.stringify(op)}`).toEqual(sides[1].norm(r));
      }
      expect(await dump(sides[0])).toEqual(await dump(sides[1]));
    } finally {
      for (const s of stores) await s.close();
    }
  });

  it('the generator covers the interesting cases across all seeds', () => {
    const count: Record<string, number> = {};
    const bump = (k: string) => (count[k] = (count[k] ?? 0) + 1);
    for (const seed of SEEDS) {
      for (const op of generate(seed, flavor)) {
        bump(op.kind);
        if (op.kind === 'update') {
          if (op.activate && op.activate !== 'missing') bump('activate');
          if (op.patch.metadata) bump('metadata-update');
          if (op.patch.name) bump('ignored-config');
        }
        if (op.kind === 'list') {
          if (op.resolved) bump('listResolved');
          if (op.args.metadata) bump('metadata-filter');
          if (op.args.pinFavoritedFor) bump('favourites');
          if (Array.isArray(op.args.entityIds) && op.args.entityIds.length === 0) bump('entityIds-empty');
          if (typeof op.args.perPage === 'number' && typeof op.args.page === 'number' && op.args.page > 0) bump('paged');
        }
        if (op.kind === 'get') bump(`get-${op.how}`);
      }
    }
    for (const k of ['create', 'createVersion', 'update', 'delete', 'deleteVersion', 'deleteVersions', 'list', 'listVersions', 'versionReads'])
      expect(count[k], k).toBeGreaterThan(10);
    for (const k of ['activate', 'metadata-update', 'ignored-config', 'listResolved', 'metadata-filter', 'favourites', 'paged', 'get-plain', 'get-default', 'get-draft', 'get-published', 'get-version'])
      expect(count[k], k).toBeGreaterThan(10);
    expect(count['entityIds-empty'], 'entityIds-empty').toBeGreaterThan(0);
  });
});

// -----------------------------------------------------------------------------------------------
// Edge inputs where the references agree with each other: NativeStore must match them.

describe.each(enginePairs.filter(p => targets.includes(p.native) && targets.includes(p.anchor)))(
  'agents edge inputs: $native vs $anchor',
  ({ native, anchor }) => {
    async function withStore<T>(target: Target, fn: (a: AgentsStorage) => Promise<T>): Promise<T> {
      const store = await makeStore(target, { url: tmpDbUrl(`agents-edge-${target}`) });
      try {
        return await fn(await agentsOf(store));
      } finally {
        await store.close();
      }
    }

    // An empty authorId is no owner: the references default visibility only for a truthy one.
    it("an empty-string authorId gets no default visibility", async () => {
      const run = (target: Target) =>
        withStore(target, async a => {
          const created = await a.create({ agent: agentInput('empty-author', { authorId: '' }) });
          return { created: created.visibility ?? null, read: (await a.getById('empty-author'))!.visibility ?? null };
        });
      expect(await run(native)).toEqual(await run(anchor));
    });

    // changedFields is Object.keys() of the input's config: a key present with an undefined
    // value is still listed.
    it('changedFields of version 1 lists config keys whose value is undefined', async () => {
      const run = (target: Target) =>
        withStore(target, async a => {
          await a.create({ agent: { ...agentInput('undef-key'), description: undefined, tools: undefined } });
          return (await a.getVersionByNumber('undef-key', 1))!.changedFields;
        });
      expect(await run(native)).toEqual(await run(anchor));
    });
  },
);
