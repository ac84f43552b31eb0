// Shared fixtures for the stored-agents suites (agents.*.test.ts): the domain accessor, agent
// inputs, a seeded PRNG, error-shape helpers and raw SQL access to a store's database (to seed
// `mastra_favorites` rows and to set timestamps the API cannot set).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { AgentsStorage } from '@mastra/core/storage';
import { PG_URL, schemaFor } from './pg';
import type { AnyStore, Target } from './stores';

/** The agents domain of a store. */
export async function agentsOf(store: AnyStore): Promise<AgentsStorage> {
  const a = await store.getStore('agents');
  if (!a) throw new Error('store has no agents domain');
  return a as AgentsStorage;
}

export const sleepMs = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms));

/** Resolve once the wall clock has moved past `t` (default: now), so the next write gets a later millisecond. */
export async function nextMs(t = Date.now()) {
  while (Date.now() <= t) await sleepMs(1);
}

export const MODEL = { provider: 'openai', name: 'gpt-4o-mini' } as const;

/** A minimal valid create input: the three required config fields plus overrides. */
export function agentInput(id: string, over: Record<string, unknown> = {}): any {
  return { id, name: `Agent ${id}`, instructions: `You are ${id}.`, model: { ...MODEL }, ...over };
}

/** A version input for `createVersion` (config fields plus version metadata). */
export function versionInput(agentId: string, versionNumber: number, over: Record<string, unknown> = {}): any {
  return {
    id: `${agentId}-v${versionNumber}`,
    agentId,
    versionNumber,
    name: `Agent ${agentId} v${versionNumber}`,
    instructions: `Instructions v${versionNumber}`,
    model: { ...MODEL },
    changedFields: ['instructions'],
    changeMessage: `version ${versionNumber}`,
    ...over,
  };
}

/** Every config field a version row has, each with a non-trivial JSON value. */
export const FULL_CONFIG = {
  name: 'Full ✓ agent',
  description: 'Describes "everything" — ünïcödé 🚀',
  instructions: [
    { type: 'text', content: 'Be helpful.\nUse tools.' },
    { type: 'prompt_block_ref', id: 'pb-1' },
    { type: 'prompt_block', content: 'Only for admins', rules: { operator: 'AND', conditions: [{ field: 'role', operator: 'equals', value: 'admin' }] } },
  ],
  model: [
    { value: { provider: 'openai', name: 'gpt-4o' }, rules: { operator: 'OR', conditions: [{ field: 'tier', operator: 'in', value: ['pro', 'team'] }] } },
    { value: { provider: 'anthropic', name: 'claude', temperature: 0.25, maxTokens: 1024 } },
  ],
  tools: { search: { description: 'Search the web' }, calc: {} },
  defaultOptions: { maxSteps: 7, toolChoice: 'auto', requireToolApproval: false, modelSettings: { temperature: 0 } },
  workflows: { 'wf-1': { description: 'workflow' } },
  agents: { helper: {} },
  integrationTools: { composio: { tools: { GITHUB_STAR: {} } } },
  toolProviders: { composio: { toolSlugs: ['a', 'b'], connections: { github: 'conn-1' } } },
  inputProcessors: { steps: [{ type: 'step', step: { id: 'p1', providerId: 'moderation', config: { threshold: 0.5 } } }] },
  outputProcessors: { steps: [] },
  memory: { options: { lastMessages: 10, workingMemory: { enabled: true, scope: 'resource' } } },
  scorers: { relevance: { sampling: { type: 'ratio', rate: 0.5 } } },
  mcpClients: { 'mcp-1': { tools: { list: {} } } },
  requestContextSchema: { type: 'object', properties: { tier: { type: 'string' } }, required: ['tier'] },
  workspace: { type: 'id', workspaceId: 'ws-1' },
  skills: { 'skill-1': { description: 'override' } },
  skillsFormat: 'markdown',
  durable: { maxSteps: 3, cleanupTimeoutMs: 0 },
  browser: { type: 'inline', config: { headless: true, nested: [1, null, { x: 'y' }] } },
} as const;

/** The JSON-typed config columns (NULL in the row → undefined on read). */
export const JSON_CONFIG_FIELDS = [
  'tools',
  'defaultOptions',
  'workflows',
  'agents',
  'integrationTools',
  'toolProviders',
  'inputProcessors',
  'outputProcessors',
  'memory',
  'scorers',
  'mcpClients',
  'requestContextSchema',
  'workspace',
  'skills',
  'durable',
  'browser',
] as const;

/** Shared with the memory suites: rejectionOf, the error-shape check, the seeded PRNG. */
export { expectNativeError, prng, rejectionOf, type Rng } from './memory-fixtures';

/** A real Date within [lo, hi] (ms, inclusive). */
export function expectDateBetween(actual: unknown, lo: number, hi: number) {
  expect(actual).toBeInstanceOf(Date);
  const t = (actual as Date).getTime();
  expect(t).toBeGreaterThanOrEqual(lo);
  expect(t).toBeLessThanOrEqual(hi);
}

export const isPgTarget = (t: Target) => t === 'pg' || t === 'native-pg';

/**
 * Raw SQL on the database behind a store made with `makeStore(target, { url })`, written with
 * `?` placeholders and `{t:table}` for table names (both adapted to the engine):
 *   * PostgreSQL targets: `pg`, in the schema the location maps to (as `nativeConfig` /
 *     `makeStore` map it);
 *   * 'libsql': @libsql/client on the same file, in process (the same SQLite library the
 *     store uses, so its locks are shared correctly);
 *   * 'native': a child process (better-sqlite3). Opening the file in this process with a
 *     second copy of SQLite and closing it again drops the POSIX locks NativeStore's own
 *     SQLite holds on it — the "multiple copies of SQLite in one process" corruption hazard —
 *     and in practice produced SQLITE_CORRUPT.
 */
export async function rawSql(target: Target, url: string) {
  if (isPgTarget(target)) {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    const schema = schemaFor(url);
    const adapt = (sql: string) => {
      let n = 0;
      return sql.replace(/\{t:(\w+)\}/g, (_, t) => `"${schema}"."${t}"`).replace(/\?/g, () => `$${++n}`);
    };
    const exec = async (sql: string, args: unknown[] = []) => (await client.query(adapt(sql), args)).rows as Record<string, unknown>[];
    return {
      pg: true,
      exec,
      async batch(stmts: [string, unknown[]][]) {
        for (const [sql, args] of stmts) await exec(sql, args);
      },
      async close() {
        await client.end();
      },
    };
  }
  const adapt = (sql: string) => sql.replace(/\{t:(\w+)\}/g, (_, t) => `"${t}"`);
  if (target === 'native') {
    const file = url.replace(/^file:/, '');
    const run = (stmts: [string, unknown[]][]) => sqliteInChild(file, stmts.map(([sql, args]) => [adapt(sql), args]));
    return {
      pg: false,
      async exec(sql: string, args: unknown[] = []) {
        return (await run([[sql, args]]))[0];
      },
      async batch(stmts: [string, unknown[]][]) {
        await run(stmts);
      },
      async close() {},
    };
  }
  const { createClient } = await import('@libsql/client');
  const client = createClient({ url });
  const exec = async (sql: string, args: unknown[] = []) =>
    (await client.execute({ sql: adapt(sql), args: args as any[] })).rows as unknown as Record<string, unknown>[];
  return {
    pg: false,
    exec,
    async batch(stmts: [string, unknown[]][]) {
      for (const [sql, args] of stmts) await exec(sql, args);
    },
    async close() {
      client.close();
    },
  };
}

const CHILD_SQLITE = `
const Database = require('better-sqlite3');
const [file, json] = process.argv.slice(1);
const db = new Database(file);
db.pragma('busy_timeout = 10000');
const out = JSON.parse(json).map(([sql, args]) => {
  const st = db.prepare(sql);
  if (st.reader) return st.all(...args);
  st.run(...args);
  return [];
});
db.close();
process.stdout.write(JSON.stringify(out));
`;

/** Run statements on a SQLite file in a separate Node process; returns each statement's rows. */
function sqliteInChild(file: string, stmts: [string, unknown[]][]): Promise<Record<string, unknown>[][]> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-e', CHILD_SQLITE, file, JSON.stringify(stmts)],
      { cwd: fileURLToPath(new URL('../..', import.meta.url)), encoding: 'utf8' },
      (error, stdout, stderr) => (error ? reject(new Error(`child sqlite failed: ${stderr || error.message}`)) : resolve(JSON.parse(stdout))),
    );
  });
}

export type RawSql = Awaited<ReturnType<typeof rawSql>>;

/** Mark agents as favourites of a user (rows in `mastra_favorites`, as the favorites domain writes them). */
export async function seedFavorites(sql: RawSql, userId: string, agentIds: string[]) {
  const now = new Date().toISOString();
  await sql.batch(
    agentIds.map(id => [`INSERT INTO {t:mastra_favorites} ("userId", "entityType", "entityId", "createdAt") VALUES (?, 'agent', ?, ?)`, [userId, id, now]]),
  );
}

/** Set an agent's createdAt (and, on PostgreSQL, its createdAtZ twin) directly. */
export async function setAgentCreatedAt(sql: RawSql, agentId: string, at: Date) {
  const iso = at.toISOString();
  if (sql.pg) {
    await sql.exec(`UPDATE {t:mastra_agents} SET "createdAt" = ?, "createdAtZ" = ? WHERE id = ?`, [iso, iso, agentId]);
  } else {
    await sql.exec(`UPDATE {t:mastra_agents} SET "createdAt" = ? WHERE id = ?`, [iso, agentId]);
  }
}
