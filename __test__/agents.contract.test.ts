// Contract suite for the stored-agents domain (CONTRACT.md §4). Every `it` runs against each
// target in TEST_TARGETS; one store per target (a fresh temp file / PostgreSQL schema), wiped
// with dangerouslyClearAll before each test. @mastra/libsql 1.23.1 and @mastra/pg 1.27.1 are
// the references.
//
// Where a reference store falls short of the contract, the assertion is skipped for that
// store only (never for NativeStore):
//   * @mastra/pg's update() REPLACES metadata instead of merging it (its own comment says
//     "REPLACE metadata (not merge)"); the merge assertions skip 'pg'.
//   * Both references update metadata as an unlocked read-modify-write, so concurrent
//     metadata updates lose keys there; the conformance suite only asserts that they resolve,
//     which is checked everywhere, and "every key survives" is asserted for NativeStore only.
//   * @mastra/libsql's row reader JSON-parses any text column that looks like a JSON object,
//     so instructions '{"a":1}' come back as an object there; that read skips 'libsql'.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AgentsStorage } from '@mastra/core/storage';
import { makeStore, nativeTargets, targets, tmpDbUrl, type AnyStore, type Target } from './helpers/stores';
import {
  agentInput,
  agentsOf,
  expectDateBetween,
  FULL_CONFIG,
  JSON_CONFIG_FIELDS,
  MODEL,
  nextMs,
  rawSql,
  rejectionOf,
  seedFavorites,
  setAgentCreatedAt,
  versionInput,
  type RawSql,
} from './helpers/agent-fixtures';

describe.each(targets)('agents contract [%s]', target => {
  const isNative = (nativeTargets as Target[]).includes(target);
  let store: AnyStore;
  let agents: AgentsStorage;
  let url: string;
  let sql: RawSql;

  beforeAll(async () => {
    url = tmpDbUrl(`agents-contract-${target}`);
    store = await makeStore(target, { url });
    agents = await agentsOf(store);
    sql = await rawSql(target, url);
  });

  beforeEach(async () => {
    await agents.dangerouslyClearAll();
  });

  afterAll(async () => {
    await sql?.close();
    await store?.close();
  });

  const ids = (r: { agents: { id: string }[] }) => r.agents.map(a => a.id);
  const numbers = (r: { versions: { versionNumber: number }[] }) => r.versions.map(v => v.versionNumber);

  /** Create agents one millisecond apart (creation order = createdAt order). */
  async function createSpaced(idList: string[], over: (id: string, i: number) => Record<string, unknown> = () => ({})) {
    for (const [i, id] of idList.entries()) {
      await agents.create({ agent: agentInput(id, over(id, i)) });
      await nextMs();
    }
  }

  // ---------------------------------------------------------------------------------------
  describe('create', () => {
    it('returns a thin draft record with Date timestamps, no active version, and one version', async () => {
      const before = Date.now();
      const created = await agents.create({ agent: agentInput('a1') });
      const after = Date.now();
      expect(created.id).toBe('a1');
      expect(created.status).toBe('draft');
      expect(created.activeVersionId ?? null).toBeNull();
      expectDateBetween(created.createdAt, before, after);
      expectDateBetween(created.updatedAt, before, after);
      expect(created.updatedAt.getTime()).toBe(created.createdAt.getTime());
      expect(created.favoriteCount).toBe(0);
      for (const k of ['name', 'instructions', 'model', 'description', 'tools']) expect(created).not.toHaveProperty(k);
      expect(await agents.countVersions('a1')).toBe(1);

      const read = await agents.getById('a1');
      expect(read).toEqual({ ...created, activeVersionId: read!.activeVersionId, authorId: read!.authorId });
      expect(read!.createdAt).toBeInstanceOf(Date);
      expect(read!.createdAt.getTime()).toBe(created.createdAt.getTime());
    });

    it("visibility defaults to 'private' with an authorId, is absent or null without one, and an explicit value is kept", async () => {
      const owned = await agents.create({ agent: agentInput('owned', { authorId: 'user-1' }) });
      expect(owned.authorId).toBe('user-1');
      expect(owned.visibility).toBe('private');
      const unowned = await agents.create({ agent: agentInput('unowned') });
      expect(unowned.authorId ?? null).toBeNull();
      expect(unowned.visibility ?? null).toBeNull();
      const pub = await agents.create({ agent: agentInput('pub', { authorId: 'user-1', visibility: 'public' }) });
      expect(pub.visibility).toBe('public');
      const pubUnowned = await agents.create({ agent: agentInput('pub-unowned', { visibility: 'public' }) });
      expect(pubUnowned.visibility).toBe('public');

      expect((await agents.getById('owned'))!.visibility).toBe('private');
      expect((await agents.getById('unowned'))!.visibility ?? null).toBeNull();
      expect((await agents.getById('pub'))!.visibility).toBe('public');
      expect((await agents.getById('pub-unowned'))!.visibility).toBe('public');
    });

    it('metadata and favoriteCount round-trip through create and getById', async () => {
      const metadata = { team: 'core', tags: ['a', 'b'], nested: { deep: [1, null, { q: 'say "hi"' }] }, emoji: '🚀 ünï', n: 3.5, ok: true, none: null };
      const created = await agents.create({ agent: agentInput('meta', { metadata }) });
      expect(created.metadata).toEqual(metadata);
      expect(created.favoriteCount).toBe(0);
      const read = await agents.getById('meta');
      expect(read!.metadata).toEqual(metadata);
      expect(read!.favoriteCount).toBe(0);
      const none = await agents.create({ agent: agentInput('no-meta') });
      expect(none.metadata ?? undefined).toBeUndefined();
      expect((await agents.getById('no-meta'))!.metadata ?? undefined).toBeUndefined();
    });

    it("version 1 holds the whole config, changedFields = the config keys, changeMessage 'Initial version'", async () => {
      const input = { id: 'full', authorId: 'user-1', ...FULL_CONFIG, visibility: 'public', metadata: { m: 1 } };
      const before = Date.now();
      await agents.create({ agent: input as any });
      const after = Date.now();
      const v1 = (await agents.getVersionByNumber('full', 1))!;
      expect(v1).not.toBeNull();
      expect(typeof v1.id).toBe('string');
      expect(v1.id.length).toBeGreaterThan(0);
      expect(v1.agentId).toBe('full');
      expect(v1.versionNumber).toBe(1);
      expectDateBetween(v1.createdAt, before, after);
      for (const [k, v] of Object.entries(FULL_CONFIG)) expect((v1 as any)[k], k).toEqual(v);
      expect(v1.changedFields).toEqual(Object.keys(FULL_CONFIG));
      expect(v1.changeMessage).toBe('Initial version');
      // Thin-record fields stay off the version.
      for (const k of ['authorId', 'visibility', 'metadata', 'status', 'activeVersionId']) expect((v1 as any)[k]).toBeUndefined();
      expect(await agents.getLatestVersion('full')).toEqual(v1);
      expect(await agents.getVersion(v1.id)).toEqual(v1);
    });

    it('instructions round-trip as a string and as an array of blocks', async () => {
      const text = 'Line one.\n"Quoted" — [not json] {still not}';
      const blocks = [
        { type: 'text', content: 'first' },
        { type: 'prompt_block_ref', id: 'pb-9' },
      ];
      const jsonLooking = '["looks", "like", "json"]';
      await agents.create({ agent: agentInput('str', { instructions: text }) });
      await agents.create({ agent: agentInput('blocks', { instructions: blocks }) });
      await agents.create({ agent: agentInput('objtext', { instructions: '{"a":1}' }) });
      expect((await agents.getByIdResolved('str'))!.instructions).toBe(text);
      expect((await agents.getByIdResolved('blocks'))!.instructions).toEqual(blocks);
      // @mastra/libsql's row reader JSON-parses any text that looks like a JSON object.
      if (target !== 'libsql') expect((await agents.getByIdResolved('objtext'))!.instructions).toBe('{"a":1}');
      await agents.createVersion(versionInput('str', 2, { instructions: blocks }));
      expect((await agents.getVersionByNumber('str', 2))!.instructions).toEqual(blocks);
      expect((await agents.getByIdResolved('str', { status: 'draft' }))!.instructions).toEqual(blocks);
      // A string that merely looks like a JSON array is read back as an array (the stored
      // form cannot tell them apart); this matches the references.
      await agents.createVersion(versionInput('str', 3, { instructions: jsonLooking }));
      expect((await agents.getVersionByNumber('str', 3))!.instructions).toEqual(['looks', 'like', 'json']);
    });
  });

  // ---------------------------------------------------------------------------------------
  describe('getById', () => {
    it('returns only the thin record, null when missing, favoriteCount 0', async () => {
      await agents.create({ agent: agentInput('g1', { description: 'desc', tools: { t: {} } }) });
      const a = (await agents.getById('g1'))!;
      expect(Object.keys(a).sort()).toEqual(
        expect.arrayContaining(['id', 'status', 'createdAt', 'updatedAt', 'favoriteCount']),
      );
      for (const k of ['name', 'instructions', 'model', 'description', 'tools', 'resolvedVersionId']) expect(a).not.toHaveProperty(k);
      expect(a.favoriteCount).toBe(0);
      expect(await agents.getById('missing')).toBeNull();
      expect(await agents.getById('')).toBeNull();
    });

    it('favoriteCount reads as 0 when the column is NULL and as the number otherwise', async () => {
      await createSpaced(['fc-null', 'fc-7']);
      await sql.exec('UPDATE {t:mastra_agents} SET "favoriteCount" = NULL WHERE id = ?', ['fc-null']);
      await sql.exec('UPDATE {t:mastra_agents} SET "favoriteCount" = 7 WHERE id = ?', ['fc-7']);
      expect((await agents.getById('fc-null'))!.favoriteCount).toBe(0);
      expect((await agents.getById('fc-7'))!.favoriteCount).toBe(7);
      const listed = await agents.list({ orderBy: { field: 'createdAt', direction: 'ASC' } });
      expect(listed.agents.map(a => [a.id, a.favoriteCount])).toEqual([
        ['fc-null', 0],
        ['fc-7', 7],
      ]);
    });
  });

  // ---------------------------------------------------------------------------------------
  describe('getByIdResolved', () => {
    it('with no active version resolves the latest version', async () => {
      await agents.create({ agent: agentInput('r1', { description: 'first' }) });
      const r = (await agents.getByIdResolved('r1'))!;
      const v1 = (await agents.getVersionByNumber('r1', 1))!;
      expect(r.resolvedVersionId).toBe(v1.id);
      expect(r.name).toBe('Agent r1');
      expect(r.instructions).toBe('You are r1.');
      expect(r.model).toEqual(MODEL);
      expect(r.description).toBe('first');
      expect(r.status).toBe('draft');
      expect(r.createdAt).toBeInstanceOf(Date);
      // Version metadata does not leak into the resolved agent.
      for (const k of ['agentId', 'versionNumber', 'changedFields', 'changeMessage']) expect(r).not.toHaveProperty(k);
      await agents.createVersion(versionInput('r1', 2));
      const r2 = (await agents.getByIdResolved('r1'))!;
      expect(r2.resolvedVersionId).toBe('r1-v2');
      expect(r2.instructions).toBe('Instructions v2');
      expect(r2.id).toBe('r1');
      expect(r2.createdAt.getTime()).toBe(r.createdAt.getTime());
    });

    it('the active version wins over a newer one; status draft takes the latest; versionId selects one', async () => {
      await agents.create({ agent: agentInput('r2') });
      await agents.createVersion(versionInput('r2', 2));
      await agents.createVersion(versionInput('r2', 3));
      await agents.update({ id: 'r2', activeVersionId: 'r2-v2', status: 'published' });
      const active = (await agents.getByIdResolved('r2'))!;
      expect(active.resolvedVersionId).toBe('r2-v2');
      expect(active.instructions).toBe('Instructions v2');
      expect(active.status).toBe('published');
      expect(active.activeVersionId).toBe('r2-v2');
      expect((await agents.getByIdResolved('r2', { status: 'published' }))!.resolvedVersionId).toBe('r2-v2');
      const draft = (await agents.getByIdResolved('r2', { status: 'draft' }))!;
      expect(draft.resolvedVersionId).toBe('r2-v3');
      expect(draft.instructions).toBe('Instructions v3');
      const v1 = (await agents.getVersionByNumber('r2', 1))!;
      const pinned = (await agents.getByIdResolved('r2', { versionId: v1.id }))!;
      expect(pinned.resolvedVersionId).toBe(v1.id);
      expect(pinned.instructions).toBe('You are r2.');
      expect(pinned.name).toBe('Agent r2');
    });

    it('falls back to the latest version when the active one is gone', async () => {
      await agents.create({ agent: agentInput('r3') });
      await agents.createVersion(versionInput('r3', 2));
      await agents.createVersion(versionInput('r3', 3));
      await agents.update({ id: 'r3', activeVersionId: 'r3-v2' });
      await agents.deleteVersion('r3-v2');
      expect((await agents.getByIdResolved('r3'))!.resolvedVersionId).toBe('r3-v3');
      await agents.update({ id: 'r3', activeVersionId: 'no-such-version' });
      expect((await agents.getByIdResolved('r3'))!.resolvedVersionId).toBe('r3-v3');
    });

    it('returns null when the agent is missing (any option form)', async () => {
      expect(await agents.getByIdResolved('ghost')).toBeNull();
      expect(await agents.getByIdResolved('ghost', { status: 'draft' })).toBeNull();
      expect(await agents.getByIdResolved('ghost', { versionId: 'x' })).toBeNull();
    });

    it('an agent whose versions are all gone resolves to the bare thin record', async () => {
      await agents.create({ agent: agentInput('bare') });
      await agents.deleteVersionsByParentId('bare');
      const r = (await agents.getByIdResolved('bare'))!;
      expect(r.id).toBe('bare');
      expect(r.resolvedVersionId).toBeUndefined();
      expect(r).not.toHaveProperty('name');
    });

    it('description is null/undefined, tools undefined, and every unset JSON column undefined', async () => {
      await agents.create({ agent: agentInput('sparse') });
      const r = (await agents.getByIdResolved('sparse'))! as any;
      expect(r.description ?? null).toBeNull();
      expect(r.tools).toBeUndefined();
      for (const k of JSON_CONFIG_FIELDS) expect(r[k], k).toBeUndefined();
      expect(r.skillsFormat ?? null).toBeNull();
      const v = (await agents.getLatestVersion('sparse'))! as any;
      for (const k of JSON_CONFIG_FIELDS) expect(v[k], k).toBeUndefined();
      // Explicit nulls are stored as NULL too.
      await agents.createVersion(versionInput('sparse', 2, Object.fromEntries(JSON_CONFIG_FIELDS.map(k => [k, null]))));
      const v2 = (await agents.getVersionByNumber('sparse', 2))! as any;
      for (const k of JSON_CONFIG_FIELDS) expect(v2[k], k).toBeUndefined();
    });
  });

  // ---------------------------------------------------------------------------------------
  describe('update', () => {
    it('changes only thin-record fields: config fields are ignored and no version is created', async () => {
      await agents.create({ agent: agentInput('u1', { description: 'orig' }) });
      const updated = await agents.update({
        id: 'u1',
        name: 'Renamed',
        instructions: 'New instructions',
        description: 'changed',
        model: { provider: 'x', name: 'y' },
        tools: { t: {} },
        memory: null,
        authorId: 'user-9',
        visibility: 'public',
      } as any);
      expect(updated.authorId).toBe('user-9');
      expect(updated.visibility).toBe('public');
      for (const k of ['name', 'instructions', 'model']) expect(updated).not.toHaveProperty(k);
      expect(await agents.countVersions('u1')).toBe(1);
      const r = (await agents.getByIdResolved('u1'))!;
      expect(r.name).toBe('Agent u1');
      expect(r.instructions).toBe('You are u1.');
      expect(r.description).toBe('orig');
      expect(r.model).toEqual(MODEL);
      expect(r.tools).toBeUndefined();
      expect(r.authorId).toBe('user-9');
    });

    it.skipIf(target === 'pg')('merges metadata ({...old, ...new})', async () => {
      await agents.create({ agent: agentInput('u2', { metadata: { keep: 'k', over: 'old', nested: { a: 1 } } }) });
      const u = await agents.update({ id: 'u2', metadata: { over: 'new', added: [1, 2] } });
      const expected = { keep: 'k', over: 'new', nested: { a: 1 }, added: [1, 2] };
      expect(u.metadata).toEqual(expected);
      expect((await agents.getById('u2'))!.metadata).toEqual(expected);
      // Shallow: a nested object is replaced, not deep-merged.
      await agents.update({ id: 'u2', metadata: { nested: { b: 2 } } });
      expect((await agents.getById('u2'))!.metadata).toEqual({ ...expected, nested: { b: 2 } });
      // No metadata in the update: unchanged.
      await agents.update({ id: 'u2', status: 'archived' });
      expect((await agents.getById('u2'))!.metadata).toEqual({ ...expected, nested: { b: 2 } });
      // An agent created without metadata gets exactly the patch.
      await agents.create({ agent: agentInput('u2b') });
      expect((await agents.update({ id: 'u2b', metadata: { only: 1 } })).metadata).toEqual({ only: 1 });
    });

    it("setting activeVersionId leaves status 'draft'; status changes only when given", async () => {
      await agents.create({ agent: agentInput('u3') });
      await agents.createVersion(versionInput('u3', 2));
      const u = await agents.update({ id: 'u3', activeVersionId: 'u3-v2' });
      expect(u.activeVersionId).toBe('u3-v2');
      expect(u.status).toBe('draft');
      expect((await agents.getById('u3'))!.status).toBe('draft');
      expect((await agents.update({ id: 'u3', status: 'published' })).status).toBe('published');
      expect((await agents.getById('u3'))!.activeVersionId).toBe('u3-v2');
      expect((await agents.update({ id: 'u3', status: 'archived' })).status).toBe('archived');
      expect(await agents.countVersions('u3')).toBe(2);
    });

    it('bumps updatedAt and keeps createdAt', async () => {
      const created = await agents.create({ agent: agentInput('u4') });
      await nextMs();
      const before = Date.now();
      const u = await agents.update({ id: 'u4', metadata: { x: 'y' } });
      const after = Date.now();
      expect(u.createdAt.getTime()).toBe(created.createdAt.getTime());
      expect(u.updatedAt).toBeInstanceOf(Date);
      expect(u.updatedAt.getTime()).toBeGreaterThan(created.updatedAt.getTime());
      expectDateBetween(u.updatedAt, before, after);
      const read = (await agents.getById('u4'))!;
      expect(read.updatedAt.getTime()).toBe(u.updatedAt.getTime());
      expect(read.createdAt.getTime()).toBe(created.createdAt.getTime());
    });

    it('concurrent metadata updates all resolve (and, on NativeStore, every key survives)', async () => {
      await agents.create({ agent: agentInput('u5', { metadata: { base: 'b' } }) });
      const N = 16;
      const results = await Promise.all(Array.from({ length: N }, (_, i) => agents.update({ id: 'u5', metadata: { [`k${i}`]: i } })));
      expect(results).toHaveLength(N);
      for (const r of results) expect(r.id).toBe('u5');
      const final = (await agents.getById('u5'))!;
      if (isNative) {
        expect(final.metadata).toEqual({ base: 'b', ...Object.fromEntries(Array.from({ length: N }, (_, i) => [`k${i}`, i])) });
      }
      expect(await agents.countVersions('u5')).toBe(1);
    });

    it("an unknown id is a USER error 'Agent <id> not found' and creates nothing", async () => {
      const err = await rejectionOf(agents.update({ id: 'nobody', status: 'published' }));
      expect(err.constructor?.name).toBe('MastraError');
      expect(err.category).toBe('USER');
      expect(err.message).toBe('Agent nobody not found');
      expect(await agents.getById('nobody')).toBeNull();
      expect((await agents.list()).total).toBe(0);
    });

    it('authorId and visibility can be changed, and activeVersionId cleared with null', async () => {
      await agents.create({ agent: agentInput('u6', { authorId: 'a' }) });
      await agents.createVersion(versionInput('u6', 2));
      await agents.update({ id: 'u6', authorId: 'b', visibility: 'public', activeVersionId: 'u6-v2' });
      let a = (await agents.getById('u6'))!;
      expect([a.authorId, a.visibility, a.activeVersionId]).toEqual(['b', 'public', 'u6-v2']);
      await agents.update({ id: 'u6', activeVersionId: null as any, visibility: 'private' });
      a = (await agents.getById('u6'))!;
      expect(a.activeVersionId ?? null).toBeNull();
      expect(a.visibility).toBe('private');
      expect((await agents.getByIdResolved('u6'))!.resolvedVersionId).toBe('u6-v2'); // latest
    });
  });

  // ---------------------------------------------------------------------------------------
  describe('delete', () => {
    it('removes the agent and every version, leaving other agents alone', async () => {
      await agents.create({ agent: agentInput('d1') });
      await agents.createVersion(versionInput('d1', 2));
      await agents.createVersion(versionInput('d1', 3));
      await agents.create({ agent: agentInput('d2') });
      await agents.createVersion(versionInput('d2', 2));
      const v1 = (await agents.getVersionByNumber('d1', 1))!;
      expect(await agents.delete('d1')).toBeUndefined();
      expect(await agents.getById('d1')).toBeNull();
      expect(await agents.getByIdResolved('d1')).toBeNull();
      expect(await agents.countVersions('d1')).toBe(0);
      expect(await agents.getVersion(v1.id)).toBeNull();
      expect(await agents.getVersion('d1-v2')).toBeNull();
      expect(await agents.getLatestVersion('d1')).toBeNull();
      expect((await agents.listVersions({ agentId: 'd1' })).total).toBe(0);
      expect(await agents.countVersions('d2')).toBe(2);
      expect(ids(await agents.list())).toEqual(['d2']);
    });

    it('is idempotent: a missing or repeated delete resolves to undefined', async () => {
      await agents.create({ agent: agentInput('d3') });
      await expect(agents.delete('d3')).resolves.toBeUndefined();
      await expect(agents.delete('d3')).resolves.toBeUndefined();
      await expect(agents.delete('never-existed')).resolves.toBeUndefined();
      // The id can be used again afterwards, starting from version 1.
      await agents.create({ agent: agentInput('d3', { name: 'again' }) });
      expect(await agents.countVersions('d3')).toBe(1);
      expect((await agents.getByIdResolved('d3'))!.name).toBe('again');
    });
  });

  // ---------------------------------------------------------------------------------------
  describe('list', () => {
    it('empty store: no agents, total 0, hasMore false', async () => {
      expect(await agents.list()).toEqual({ agents: [], total: 0, page: 0, perPage: 100, hasMore: false });
      expect(await agents.list({ perPage: false })).toEqual({ agents: [], total: 0, page: 0, perPage: false, hasMore: false });
    });

    it('5 agents: one page, hasMore false, newest first by default, thin records', async () => {
      await createSpaced(['a', 'b', 'c', 'd', 'e']);
      const r = await agents.list();
      expect(r.total).toBe(5);
      expect(r.page).toBe(0);
      expect(r.perPage).toBe(100);
      expect(r.hasMore).toBe(false);
      expect(ids(r)).toEqual(['e', 'd', 'c', 'b', 'a']);
      for (const a of r.agents) {
        expect(a).not.toHaveProperty('name');
        expect(a.createdAt).toBeInstanceOf(Date);
      }
    });

    it('15 agents in pages of 5: hasMore true, true, false; no gaps or overlaps', async () => {
      const all = Array.from({ length: 15 }, (_, i) => `p${String(i).padStart(2, '0')}`);
      await createSpaced(all);
      const seen: string[] = [];
      for (let page = 0; page < 3; page++) {
        const r = await agents.list({ page, perPage: 5 });
        expect(r.total).toBe(15);
        expect(r.page).toBe(page);
        expect(r.perPage).toBe(5);
        expect(r.agents).toHaveLength(5);
        expect(r.hasMore).toBe(page < 2);
        seen.push(...ids(r));
      }
      expect(seen).toEqual([...all].reverse());
      const beyond = await agents.list({ page: 3, perPage: 5 });
      expect(beyond.agents).toEqual([]);
      expect(beyond.total).toBe(15);
      expect(beyond.hasMore).toBe(false);
      const partial = await agents.list({ page: 1, perPage: 10 });
      expect(partial.agents).toHaveLength(5);
      expect(partial.hasMore).toBe(false);
    });

    it('perPage false returns everything with perPage false and hasMore false', async () => {
      await createSpaced(Array.from({ length: 7 }, (_, i) => `f${i}`));
      const r = await agents.list({ perPage: false });
      expect(r.agents).toHaveLength(7);
      expect(r.total).toBe(7);
      expect(r.perPage).toBe(false);
      expect(r.hasMore).toBe(false);
    });

    it('orders by createdAt / updatedAt, ASC and DESC', async () => {
      await createSpaced(['o1', 'o2', 'o3', 'o4']);
      await agents.update({ id: 'o2', metadata: { touched: 'yes' } });
      await nextMs();
      await agents.update({ id: 'o1', status: 'published' });
      expect(ids(await agents.list({ orderBy: { field: 'createdAt', direction: 'ASC' } }))).toEqual(['o1', 'o2', 'o3', 'o4']);
      expect(ids(await agents.list({ orderBy: { field: 'createdAt', direction: 'DESC' } }))).toEqual(['o4', 'o3', 'o2', 'o1']);
      expect(ids(await agents.list({ orderBy: { field: 'createdAt' } }))).toEqual(['o4', 'o3', 'o2', 'o1']);
      expect(ids(await agents.list({ orderBy: { field: 'updatedAt', direction: 'DESC' } }))).toEqual(['o1', 'o2', 'o4', 'o3']);
      expect(ids(await agents.list({ orderBy: { field: 'updatedAt', direction: 'ASC' } }))).toEqual(['o3', 'o4', 'o2', 'o1']);
      expect(ids(await agents.list({ orderBy: { direction: 'ASC' } }))).toEqual(['o1', 'o2', 'o3', 'o4']);
    });

    it('ties on the order field are broken by id ASC in both directions, across pages', async () => {
      await createSpaced(['t-c', 't-a', 'solo-new', 't-b', 't-d']);
      const tie = new Date(Date.UTC(2024, 0, 1));
      for (const id of ['t-c', 't-a', 't-b', 't-d']) await setAgentCreatedAt(sql, id, tie);
      await setAgentCreatedAt(sql, 'solo-new', new Date(Date.UTC(2024, 0, 2)));
      expect(ids(await agents.list({ orderBy: { field: 'createdAt', direction: 'ASC' } }))).toEqual(['t-a', 't-b', 't-c', 't-d', 'solo-new']);
      expect(ids(await agents.list({ orderBy: { field: 'createdAt', direction: 'DESC' } }))).toEqual(['solo-new', 't-a', 't-b', 't-c', 't-d']);
      const paged: string[] = [];
      for (let page = 0; page < 3; page++) paged.push(...ids(await agents.list({ page, perPage: 2, orderBy: { field: 'createdAt', direction: 'ASC' } })));
      expect(paged).toEqual(['t-a', 't-b', 't-c', 't-d', 'solo-new']);
      expect((await agents.getById('t-a'))!.createdAt.getTime()).toBe(tie.getTime());
    });

    it('filters by status, authorId and visibility (no default status filter)', async () => {
      await createSpaced(['s1', 's2', 's3', 's4', 's5'], (_id, i) => ({
        authorId: i < 3 ? 'alice' : i === 3 ? 'bob' : undefined,
        ...(i === 1 ? { visibility: 'public' } : {}),
      }));
      await agents.update({ id: 's2', status: 'published' });
      await agents.update({ id: 's4', status: 'published' });
      await agents.update({ id: 's5', status: 'archived' });
      expect(ids(await agents.list({ orderBy: { direction: 'ASC' } }))).toEqual(['s1', 's2', 's3', 's4', 's5']);
      expect(ids(await agents.list({ status: 'published', orderBy: { direction: 'ASC' } }))).toEqual(['s2', 's4']);
      expect(ids(await agents.list({ status: 'draft' }))).toEqual(['s3', 's1']);
      expect(ids(await agents.list({ status: 'archived' }))).toEqual(['s5']);
      expect(ids(await agents.list({ authorId: 'alice', orderBy: { direction: 'ASC' } }))).toEqual(['s1', 's2', 's3']);
      expect(ids(await agents.list({ authorId: 'nobody' }))).toEqual([]);
      expect(ids(await agents.list({ visibility: 'public' }))).toEqual(['s2']);
      expect(ids(await agents.list({ visibility: 'private', orderBy: { direction: 'ASC' } }))).toEqual(['s1', 's3', 's4']);
      const combined = await agents.list({ authorId: 'alice', visibility: 'private', status: 'draft', orderBy: { direction: 'ASC' } });
      expect(ids(combined)).toEqual(['s1', 's3']);
      expect(combined.total).toBe(2);
    });

    it('filters by metadata (every key must match) and by entityIds; entityIds [] is empty', async () => {
      await createSpaced(['m1', 'm2', 'm3', 'm4'], (_id, i) => ({
        metadata: [{ team: 'core', env: 'prod' }, { team: 'core', env: 'dev' }, { team: 'web' }, undefined][i],
      }));
      expect(ids(await agents.list({ metadata: { team: 'core' }, orderBy: { direction: 'ASC' } }))).toEqual(['m1', 'm2']);
      expect(ids(await agents.list({ metadata: { team: 'core', env: 'dev' } }))).toEqual(['m2']);
      expect(ids(await agents.list({ metadata: { team: 'web', env: 'dev' } }))).toEqual([]);
      expect(ids(await agents.list({ metadata: { team: 'nope' } }))).toEqual([]);
      expect((await agents.list({ metadata: {} })).total).toBe(4);
      expect(ids(await agents.list({ entityIds: ['m3', 'm1', 'ghost'], orderBy: { direction: 'ASC' } }))).toEqual(['m1', 'm3']);
      expect(await agents.list({ entityIds: [] })).toEqual({ agents: [], total: 0, page: 0, perPage: 100, hasMore: false });
      const both = await agents.list({ entityIds: ['m1', 'm2', 'm3'], metadata: { team: 'core' }, perPage: 1 });
      expect(ids(both)).toEqual(['m2']);
      expect(both.total).toBe(2);
      expect(both.hasMore).toBe(true);
    });

    it('pinFavoritedFor lists the user\'s favourites first, each group in the requested order', async () => {
      await createSpaced(['fa', 'fb', 'fc', 'fd', 'fe']);
      await seedFavorites(sql, 'user-1', ['fb', 'fd']);
      await seedFavorites(sql, 'user-2', ['fa', 'fe']);
      expect(ids(await agents.list({ pinFavoritedFor: 'user-1' }))).toEqual(['fd', 'fb', 'fe', 'fc', 'fa']);
      expect(ids(await agents.list({ pinFavoritedFor: 'user-1', orderBy: { field: 'createdAt', direction: 'ASC' } }))).toEqual([
        'fb',
        'fd',
        'fa',
        'fc',
        'fe',
      ]);
      const page1 = await agents.list({ pinFavoritedFor: 'user-1', page: 1, perPage: 2 });
      expect(ids(page1)).toEqual(['fe', 'fc']);
      expect(page1.total).toBe(5);
      expect(page1.hasMore).toBe(true);
      expect(ids(await agents.list({ pinFavoritedFor: 'nobody' }))).toEqual(['fe', 'fd', 'fc', 'fb', 'fa']);
    });

    it('favoritedOnly returns only the favourites of pinFavoritedFor, and nothing without a user', async () => {
      // Favourites rows are not agent rows: dangerouslyClearAll leaves them, so each test uses its own users.
      await createSpaced(['fa', 'fb', 'fc', 'fd']);
      await seedFavorites(sql, 'fan-a', ['fb', 'fd', 'gone']);
      await seedFavorites(sql, 'fan-b', ['fa']);
      const only = await agents.list({ pinFavoritedFor: 'fan-a', favoritedOnly: true });
      expect(ids(only)).toEqual(['fd', 'fb']);
      expect(only.total).toBe(2);
      expect(ids(await agents.list({ pinFavoritedFor: 'fan-a', favoritedOnly: true, status: 'published' }))).toEqual([]);
      expect(ids(await agents.list({ pinFavoritedFor: 'fan-b', favoritedOnly: true }))).toEqual(['fa']);
      const none = await agents.list({ favoritedOnly: true });
      expect(none.agents).toEqual([]);
      expect(none.total).toBe(0);
      expect(none.hasMore).toBe(false);
    });
  });

  // ---------------------------------------------------------------------------------------
  describe('listResolved', () => {
    it("status 'draft' resolves each agent with its latest version, newest first by default", async () => {
      await createSpaced(['lr1', 'lr2', 'lr3']);
      await agents.createVersion(versionInput('lr2', 2));
      await agents.update({ id: 'lr2', activeVersionId: (await agents.getVersionByNumber('lr2', 1))!.id });
      const r = await agents.listResolved({ status: 'draft' });
      expect(r.total).toBe(3);
      expect(r.hasMore).toBe(false);
      expect(ids(r)).toEqual(['lr3', 'lr2', 'lr1']);
      expect(r.agents.map(a => a.instructions)).toEqual(['You are lr3.', 'Instructions v2', 'You are lr1.']);
      expect(r.agents[1].resolvedVersionId).toBe('lr2-v2');
      expect(r.agents[0].name).toBe('Agent lr3');
      expect(r.agents[0].model).toEqual(MODEL);
      const asc = await agents.listResolved({ status: 'draft', orderBy: { field: 'createdAt', direction: 'ASC' } });
      expect(ids(asc)).toEqual(['lr1', 'lr2', 'lr3']);
      expect(asc.agents.map(a => a.name)).toEqual(['Agent lr1', 'Agent lr2 v2', 'Agent lr3']);
    });

    it('without a status resolves the active version, falling back to the latest, and paginates', async () => {
      await createSpaced(['la', 'lb', 'lc']);
      await agents.createVersion(versionInput('la', 2));
      await agents.createVersion(versionInput('lb', 2));
      const lbV1 = (await agents.getVersionByNumber('lb', 1))!.id;
      await agents.update({ id: 'lb', activeVersionId: lbV1, status: 'published' });
      await agents.update({ id: 'lc', activeVersionId: 'missing-version' });
      const r = await agents.listResolved({ orderBy: { field: 'createdAt', direction: 'ASC' } });
      expect(ids(r)).toEqual(['la', 'lb', 'lc']);
      expect(r.agents.map(a => a.resolvedVersionId)).toEqual(['la-v2', lbV1, (await agents.getVersionByNumber('lc', 1))!.id]);
      const published = await agents.listResolved({ status: 'published' });
      expect(ids(published)).toEqual(['lb']);
      expect(published.agents[0].instructions).toBe('You are lb.');
      const page = await agents.listResolved({ page: 1, perPage: 2, orderBy: { field: 'createdAt', direction: 'ASC' } });
      expect(ids(page)).toEqual(['lc']);
      expect(page.total).toBe(3);
      expect(page.hasMore).toBe(false);
    });
  });

  // ---------------------------------------------------------------------------------------
  describe('versions', () => {
    it('createVersion returns {...input, createdAt: Date} and stores the row', async () => {
      await agents.create({ agent: agentInput('v') });
      const input = versionInput('v', 2, { description: 'd2', tools: { t: { description: 'x' } }, skillsFormat: 'json' });
      const before = Date.now();
      const out = await agents.createVersion(input);
      const after = Date.now();
      const { createdAt, ...rest } = out;
      expect(rest).toEqual(input);
      expectDateBetween(createdAt, before, after);
      const read = (await agents.getVersion('v-v2'))!;
      expect(read).toEqual({ ...input, createdAt });
      expect(read.createdAt).toBeInstanceOf(Date);
      expect(read.createdAt.getTime()).toBe(createdAt.getTime());
      expect(await agents.countVersions('v')).toBe(2);
    });

    it('getVersion / getVersions / getVersionByNumber / getLatestVersion', async () => {
      await agents.create({ agent: agentInput('gv') });
      await agents.createVersion(versionInput('gv', 3));
      await agents.createVersion(versionInput('gv', 2));
      expect((await agents.getVersion('gv-v2'))!.versionNumber).toBe(2);
      expect(await agents.getVersion('nope')).toBeNull();
      const many = await agents.getVersions(['gv-v3', 'missing', 'gv-v2']);
      expect(many.map(v => v.id).sort()).toEqual(['gv-v2', 'gv-v3']);
      for (const v of many) expect(v.createdAt).toBeInstanceOf(Date);
      expect(await agents.getVersions([])).toEqual([]);
      expect((await agents.getVersionByNumber('gv', 3))!.id).toBe('gv-v3');
      expect((await agents.getVersionByNumber('gv', 1))!.changeMessage).toBe('Initial version');
      expect(await agents.getVersionByNumber('gv', 4)).toBeNull();
      expect(await agents.getVersionByNumber('other', 1)).toBeNull();
      // Highest number, not the most recently created.
      expect((await agents.getLatestVersion('gv'))!.id).toBe('gv-v3');
      expect(await agents.getLatestVersion('other')).toBeNull();
    });

    it('listVersions defaults: 20 per page, versionNumber DESC; orderBy versionNumber|createdAt both ways; perPage false', async () => {
      await agents.create({ agent: agentInput('lv') });
      await nextMs();
      // Created out of number order, so the two orderings differ.
      const createOrder = [5, 2, 4, 3, ...Array.from({ length: 20 }, (_, i) => 25 - i)];
      for (const n of createOrder) {
        await agents.createVersion(versionInput('lv', n));
        await nextMs();
      }
      const all = [1, ...createOrder];
      const d = await agents.listVersions({ agentId: 'lv' });
      expect(d.total).toBe(25);
      expect(d.page).toBe(0);
      expect(d.perPage).toBe(20);
      expect(d.hasMore).toBe(true);
      expect(numbers(d)).toEqual(Array.from({ length: 20 }, (_, i) => 25 - i));
      const d2 = await agents.listVersions({ agentId: 'lv', page: 1 });
      expect(numbers(d2)).toEqual([5, 4, 3, 2, 1]);
      expect(d2.hasMore).toBe(false);
      const asc = await agents.listVersions({ agentId: 'lv', perPage: false, orderBy: { field: 'versionNumber', direction: 'ASC' } });
      expect(numbers(asc)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
      expect(asc.perPage).toBe(false);
      expect(asc.hasMore).toBe(false);
      const byCreated = await agents.listVersions({ agentId: 'lv', perPage: false, orderBy: { field: 'createdAt', direction: 'ASC' } });
      expect(numbers(byCreated)).toEqual(all);
      const byCreatedDesc = await agents.listVersions({ agentId: 'lv', perPage: 30, orderBy: { field: 'createdAt' } });
      expect(numbers(byCreatedDesc)).toEqual([...all].reverse());
      const dirOnly = await agents.listVersions({ agentId: 'lv', perPage: 3, orderBy: { direction: 'ASC' } });
      expect(numbers(dirOnly)).toEqual([1, 2, 3]);
      expect(await agents.listVersions({ agentId: 'none' })).toEqual({ versions: [], total: 0, page: 0, perPage: 20, hasMore: false });
    });

    it('a 50-version history lists in pages of 7 with no gaps or overlaps, in every order', async () => {
      await agents.create({ agent: agentInput('h') });
      await nextMs();
      for (let n = 2; n <= 50; n++) {
        await agents.createVersion(versionInput('h', n));
        await nextMs();
      }
      const orders = [
        { field: 'versionNumber', direction: 'ASC' },
        { field: 'versionNumber', direction: 'DESC' },
        { field: 'createdAt', direction: 'ASC' },
        { field: 'createdAt', direction: 'DESC' },
      ] as const;
      for (const orderBy of orders) {
        const seen: number[] = [];
        for (let page = 0; page < 8; page++) {
          const r = await agents.listVersions({ agentId: 'h', page, perPage: 7, orderBy });
          expect(r.total).toBe(50);
          expect(r.page).toBe(page);
          expect(r.perPage).toBe(7);
          expect(r.versions).toHaveLength(page < 7 ? 7 : 1);
          expect(r.hasMore, `${orderBy.field} ${orderBy.direction} page ${page}`).toBe(page < 7);
          seen.push(...numbers(r));
        }
        const expected = Array.from({ length: 50 }, (_, i) => i + 1);
        expect(seen).toEqual(orderBy.direction === 'ASC' ? expected : expected.reverse());
        const beyond = await agents.listVersions({ agentId: 'h', page: 8, perPage: 7, orderBy });
        expect(beyond.versions).toEqual([]);
        expect(beyond.hasMore).toBe(false);
      }
    });

    it('deleteVersion removes one version; deleteVersionsByParentId removes one agent\'s versions only', async () => {
      await agents.create({ agent: agentInput('dv') });
      await agents.create({ agent: agentInput('keep') });
      for (const n of [2, 3, 4]) await agents.createVersion(versionInput('dv', n));
      await agents.createVersion(versionInput('keep', 2));
      expect(await agents.deleteVersion('dv-v3')).toBeUndefined();
      expect(await agents.getVersion('dv-v3')).toBeNull();
      expect(await agents.countVersions('dv')).toBe(3);
      expect(numbers(await agents.listVersions({ agentId: 'dv' }))).toEqual([4, 2, 1]);
      await expect(agents.deleteVersion('dv-v3')).resolves.toBeUndefined();
      await expect(agents.deleteVersion('never')).resolves.toBeUndefined();
      await agents.deleteVersion('dv-v4');
      expect((await agents.getLatestVersion('dv'))!.versionNumber).toBe(2);
      expect(await agents.deleteVersionsByParentId('dv')).toBeUndefined();
      expect(await agents.countVersions('dv')).toBe(0);
      expect(await agents.getLatestVersion('dv')).toBeNull();
      // The thin record stays; only versions go.
      expect((await agents.getById('dv'))!.id).toBe('dv');
      expect(await agents.countVersions('keep')).toBe(2);
      await expect(agents.deleteVersionsByParentId('nobody')).resolves.toBeUndefined();
    });

    it('countVersions counts per agent, 0 for unknown agents', async () => {
      await agents.create({ agent: agentInput('c1') });
      await agents.create({ agent: agentInput('c2') });
      await agents.createVersion(versionInput('c2', 2));
      await agents.createVersion(versionInput('c2', 3));
      expect(await agents.countVersions('c1')).toBe(1);
      expect(await agents.countVersions('c2')).toBe(3);
      expect(await agents.countVersions('c3')).toBe(0);
      expect(typeof (await agents.countVersions('c2'))).toBe('number');
    });
  });

  // ---------------------------------------------------------------------------------------
  describe('dangerouslyClearAll', () => {
    it('removes every agent and every version', async () => {
      await createSpaced(['x1', 'x2']);
      await agents.createVersion(versionInput('x1', 2));
      await agents.createVersion(versionInput('orphan', 1));
      await agents.dangerouslyClearAll();
      expect((await agents.list()).total).toBe(0);
      expect(await agents.countVersions('x1')).toBe(0);
      expect(await agents.countVersions('orphan')).toBe(0);
      expect(await agents.getVersion('x1-v2')).toBeNull();
      // Usable afterwards.
      await agents.create({ agent: agentInput('x1') });
      expect(await agents.countVersions('x1')).toBe(1);
    });
  });
});
