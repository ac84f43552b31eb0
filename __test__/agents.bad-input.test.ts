// Bad input against NativeStore's stored-agents domain. NativeStore deliberately rejects what
// @mastra/libsql silently accepts (unknown status/visibility/orderBy values, which libsql stores
// or ignores; a create over an existing id, which libsql turns into a replace that leaves a
// second "version 1"), so these run on NativeStore targets only. Every rejection must be a
// MastraError with id MASTRA_STORAGE_NATIVE_<OP>_FAILED, category USER and the documented
// details.code, and must leave the database exactly as it was.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AgentsStorage } from '@mastra/core/storage';
import { makeStore, nativeTargets, tmpDbUrl, type AnyStore } from './helpers/stores';
import { agentInput, agentsOf, expectNativeError, nextMs, rejectionOf, versionInput } from './helpers/agent-fixtures';

const INVALID = { category: 'USER', code: 'INVALID_ARGUMENT' } as const;

describe.each(nativeTargets)('agents bad input [%s]', target => {
  let store: AnyStore;
  let agents: AgentsStorage;

  beforeAll(async () => {
    store = await makeStore(target, { url: tmpDbUrl(`agents-bad-${target}`) });
    agents = await agentsOf(store);
  });

  beforeEach(async () => {
    await agents.dangerouslyClearAll();
    // A baseline: 'base' (two versions, v2 active, published, metadata) and 'other' (draft).
    await agents.create({ agent: agentInput('base', { authorId: 'alice', metadata: { team: 'core', n: 1 }, description: 'd' }) });
    await agents.createVersion(versionInput('base', 2));
    await agents.update({ id: 'base', activeVersionId: 'base-v2', status: 'published' });
    await nextMs();
    await agents.create({ agent: agentInput('other') });
    await nextMs();
  });

  afterAll(async () => {
    await store?.close();
  });

  /** Everything the domain holds: every thin record and every version of every agent. */
  async function snapshot() {
    const list = await agents.list({ perPage: false, orderBy: { field: 'createdAt', direction: 'ASC' } });
    const versions: Record<string, unknown> = {};
    for (const a of list.agents) versions[a.id] = (await agents.listVersions({ agentId: a.id, perPage: false })).versions;
    for (const id of ['ghost', 'new-agent', 'dup']) versions[id] = (await agents.listVersions({ agentId: id, perPage: false })).versions;
    return { list, versions };
  }

  /** Runs `fn` (which must reject), checks the error shape, and that nothing changed. */
  async function rejectsWithoutWriting(fn: () => Promise<unknown>, shape: Parameters<typeof expectNativeError>[1]) {
    const before = await snapshot();
    const err = await rejectionOf(fn());
    expectNativeError(err, shape);
    expect(await snapshot()).toEqual(before);
    return err;
  }

  // ---- unknown ids ----------------------------------------------------------------------
  it('unknown ids: getById null, update NOT_FOUND, delete resolves, versions null/0', async () => {
    expect(await agents.getById('ghost')).toBeNull();
    expect(await agents.getByIdResolved('ghost')).toBeNull();
    const err = await rejectsWithoutWriting(() => agents.update({ id: 'ghost', status: 'published', metadata: { a: 1 } }), {
      category: 'USER',
      code: 'NOT_FOUND',
      op: 'UPDATE_AGENT',
      message: /^Agent ghost not found$/,
    });
    expect(err.details.agentId).toBe('ghost');
    expect(await agents.getById('ghost')).toBeNull();
    await expect(agents.delete('ghost')).resolves.toBeUndefined();
    expect(await agents.getVersion('ghost')).toBeNull();
    expect(await agents.getVersion('')).toBeNull();
    expect(await agents.getVersionByNumber('ghost', 1)).toBeNull();
    expect(await agents.getLatestVersion('ghost')).toBeNull();
    expect(await agents.countVersions('ghost')).toBe(0);
    await expect(agents.deleteVersion('ghost')).resolves.toBeUndefined();
    await expect(agents.deleteVersionsByParentId('ghost')).resolves.toBeUndefined();
    expect((await agents.list()).total).toBe(2);
  });

  it('ids that look like SQL, LIKE patterns or JSON paths are opaque strings', async () => {
    const odd = [`x' OR '1'='1`, '%', '_', '$.metadata', 'a"b', '🚀 agent', ' spaced '];
    for (const id of odd) {
      expect(await agents.getById(id)).toBeNull();
      await agents.create({ agent: agentInput(id) });
      expect((await agents.getById(id))!.id).toBe(id);
      expect(await agents.countVersions(id)).toBe(1);
    }
    expect((await agents.list({ entityIds: ['%'] })).total).toBe(1);
    expect((await agents.list({ entityIds: odd })).total).toBe(odd.length);
    for (const id of odd) await agents.delete(id);
    expect((await agents.list()).total).toBe(2);
  });

  // ---- invalid enum values in list -------------------------------------------------------------
  it.each([
    ['status', { status: 'bogus' }],
    ['status (wrong case)', { status: 'Published' }],
    ['status (empty)', { status: '' }],
    ['visibility', { visibility: 'secret' }],
    ['orderBy.field', { orderBy: { field: 'name' } }],
    ['orderBy.field (version field)', { orderBy: { field: 'versionNumber', direction: 'ASC' } }],
    ['orderBy.direction', { orderBy: { field: 'createdAt', direction: 'UP' } }],
    ['orderBy.direction (lower case)', { orderBy: { direction: 'asc' } }],
  ])('list with an invalid %s is a USER INVALID_ARGUMENT error', async (_what, args) => {
    await rejectsWithoutWriting(() => agents.list(args as any), { ...INVALID, op: 'LIST_AGENTS' });
    await rejectsWithoutWriting(() => agents.listResolved(args as any), { ...INVALID, op: 'LIST_AGENTS' });
  });

  // ---- invalid enum values in update ---------------------------------------------------------
  it.each([
    ['status', { status: 'live' }],
    ['status (null)', { status: null }],
    ['visibility', { visibility: 'everyone' }],
    ['visibility (wrong case)', { visibility: 'Public' }],
  ])('update with an invalid %s is a USER INVALID_ARGUMENT error and applies none of the update', async (_what, bad) => {
    const before = (await agents.getById('base'))!;
    await rejectsWithoutWriting(
      () => agents.update({ id: 'base', metadata: { team: 'changed', extra: true }, authorId: 'mallory', activeVersionId: null, ...bad } as any),
      { ...INVALID, op: 'UPDATE_AGENT' },
    );
    const after = (await agents.getById('base'))!;
    expect(after).toEqual(before);
    expect(after.updatedAt.getTime()).toBe(before.updatedAt.getTime());
  });

  it('update with non-object metadata or a non-string authorId is a USER error and writes nothing', async () => {
    await rejectsWithoutWriting(() => agents.update({ id: 'base', metadata: 'x' as any }), { ...INVALID, op: 'UPDATE_AGENT' });
    await rejectsWithoutWriting(() => agents.update({ id: 'base', metadata: [1, 2] as any }), { ...INVALID, op: 'UPDATE_AGENT' });
    await rejectsWithoutWriting(() => agents.update({ id: 'base', authorId: 42 as any }), { ...INVALID, op: 'UPDATE_AGENT' });
  });

  // ---- invalid orderBy in listVersions --------------------------------------------------------
  it.each([
    ['orderBy.field', { orderBy: { field: 'name' } }],
    ['orderBy.field (agent field)', { orderBy: { field: 'updatedAt', direction: 'ASC' } }],
    ['orderBy.direction', { orderBy: { field: 'versionNumber', direction: 'sideways' } }],
    ['orderBy.direction (lower case)', { orderBy: { direction: 'desc' } }],
  ])('listVersions with an invalid %s is a USER INVALID_ARGUMENT error', async (_what, args) => {
    await rejectsWithoutWriting(() => agents.listVersions({ agentId: 'base', ...(args as any) }), { ...INVALID, op: 'LIST_VERSIONS' });
  });

  it.each([
    [{ page: -1 }, /page must be >= 0/],
    [{ page: 0.5, perPage: 2 }, /page must be >= 0/],
    [{ perPage: -5 }, /perPage must be >= 0/],
    [{ perPage: 1.5 }, /perPage must be >= 0/],
    [{ perPage: Number.NaN }, /perPage must be >= 0/],
  ])('bad pagination %o is a USER INVALID_ARGUMENT error (list, listResolved, listVersions)', async (bad, message) => {
    await rejectsWithoutWriting(() => agents.list(bad as any), { ...INVALID, op: 'LIST_AGENTS', message });
    await rejectsWithoutWriting(() => agents.listResolved(bad as any), { ...INVALID, op: 'LIST_AGENTS', message });
    await rejectsWithoutWriting(() => agents.listVersions({ agentId: 'base', ...(bad as any) }), { ...INVALID, op: 'LIST_VERSIONS', message });
  });

  it('an invalid metadata filter key or a non-scalar filter value is a USER error', async () => {
    await rejectsWithoutWriting(() => agents.list({ metadata: { 'a.b': 'x' } }), { ...INVALID, op: 'LIST_AGENTS' });
    await rejectsWithoutWriting(() => agents.list({ metadata: { "x') OR 1=1 --": 'x' } }), { ...INVALID, op: 'LIST_AGENTS' });
    await rejectsWithoutWriting(() => agents.list({ metadata: { team: { nested: 1 } } }), { ...INVALID, op: 'LIST_AGENTS' });
  });

  // ---- create conflicts and incomplete configs -------------------------------------------------
  it('create with an existing id is a USER CONFLICT error and leaves the existing agent untouched', async () => {
    const before = (await agents.getByIdResolved('base'))!;
    const v1 = (await agents.getVersionByNumber('base', 1))!;
    const err = await rejectsWithoutWriting(
      () => agents.create({ agent: agentInput('base', { name: 'Impostor', instructions: 'evil', metadata: { team: 'x' }, authorId: 'mallory' }) }),
      { category: 'USER', code: 'CONFLICT', op: 'CREATE_AGENT' },
    );
    expect(err.message).toMatch(/base/);
    expect(await agents.getByIdResolved('base')).toEqual(before);
    expect(await agents.getVersionByNumber('base', 1)).toEqual(v1);
    expect(await agents.countVersions('base')).toBe(2);
    // Also for a draft with no active version.
    await rejectsWithoutWriting(() => agents.create({ agent: agentInput('other') }), { category: 'USER', code: 'CONFLICT', op: 'CREATE_AGENT' });
  });

  it.each([
    ['model', { model: undefined }],
    ['model (null)', { model: null }],
    ['instructions', { instructions: undefined }],
    ['instructions (a number)', { instructions: 42 }],
    ['instructions (an object)', { instructions: { type: 'text', content: 'x' } }],
    ['name', { name: undefined }],
    ['name (a number)', { name: 7 }],
  ])('create without a valid %s is a USER error and leaves no thin record behind', async (_what, over) => {
    const input = agentInput('new-agent', over);
    await rejectsWithoutWriting(() => agents.create({ agent: input }), { ...INVALID, op: 'CREATE_AGENT' });
    expect(await agents.getById('new-agent')).toBeNull();
    expect(await agents.countVersions('new-agent')).toBe(0);
  });

  it.each([
    ['visibility', { visibility: 'friends' }],
    ['authorId', { authorId: 12 }],
    ['skillsFormat', { skillsFormat: 9 }],
    ['description', { description: { text: 'x' } }],
    ['id (empty)', { id: '' }],
    ['id (a number)', { id: 5 }],
  ])('create with an invalid %s is a USER error and writes nothing', async (_what, over) => {
    await rejectsWithoutWriting(() => agents.create({ agent: agentInput('new-agent', over) }), { ...INVALID, op: 'CREATE_AGENT' });
    expect(await agents.getById('new-agent')).toBeNull();
  });

  // ---- values JSON cannot hold ----------------------------------------------------------------
  it('a BigInt anywhere in create, update or createVersion input is a USER error and writes nothing', async () => {
    await rejectsWithoutWriting(() => agents.create({ agent: agentInput('new-agent', { tools: { t: { limit: 10n } } }) }), {
      ...INVALID,
      op: 'CREATE_AGENT',
    });
    await rejectsWithoutWriting(() => agents.create({ agent: agentInput('new-agent', { metadata: { big: 1n } }) }), {
      ...INVALID,
      op: 'CREATE_AGENT',
    });
    expect(await agents.getById('new-agent')).toBeNull();
    await rejectsWithoutWriting(() => agents.update({ id: 'base', metadata: { big: 2n } }), { ...INVALID, op: 'UPDATE_AGENT' });
    await rejectsWithoutWriting(() => agents.createVersion(versionInput('base', 3, { defaultOptions: { maxSteps: 3n } })), {
      ...INVALID,
      op: 'CREATE_VERSION',
    });
    const cyclic: any = { a: 1 };
    cyclic.self = cyclic;
    await rejectsWithoutWriting(() => agents.create({ agent: agentInput('new-agent', { memory: cyclic }) }), {
      ...INVALID,
      op: 'CREATE_AGENT',
    });
  });

  // ---- createVersion validation ------------------------------------------------------------------
  it.each([
    ['versionNumber 0', { versionNumber: 0 }],
    ['versionNumber -1', { versionNumber: -1 }],
    ['versionNumber 1.5', { versionNumber: 1.5 }],
    ['versionNumber as a string', { versionNumber: '3' }],
    ['no model', { model: undefined }],
    ['no name', { name: undefined }],
    ['no instructions', { instructions: undefined }],
    ['an empty id', { id: '' }],
    ['no agentId', { agentId: undefined }],
  ])('createVersion with %s is a USER error and writes nothing', async (_what, over) => {
    await rejectsWithoutWriting(() => agents.createVersion(versionInput('base', 3, over)), { ...INVALID, op: 'CREATE_VERSION' });
    expect(await agents.getVersion('base-v3')).toBeNull();
  });

  it('createVersion with an existing version id is rejected and the existing version is untouched', async () => {
    const before = await snapshot();
    await rejectionOf(agents.createVersion(versionInput('base', 3, { id: 'base-v2', instructions: 'overwrite?' })));
    expect(await snapshot()).toEqual(before);
    expect((await agents.getVersion('base-v2'))!.instructions).toBe('Instructions v2');
  });

  // A caller-supplied id that is already taken is the caller's mistake, as it is for create():
  // USER / CONFLICT, the same on both engines (not a raw SQLITE_CONSTRAINT / 23505 backend
  // code, category THIRD_PARTY, logged as a storage failure).
  it('createVersion with an existing version id is a USER CONFLICT error, like create', async () => {
    const err = await rejectionOf(agents.createVersion(versionInput('other', 2, { id: 'base-v2' })));
    expectNativeError(err, { category: 'USER', code: 'CONFLICT', op: 'CREATE_VERSION' });
  });
});
