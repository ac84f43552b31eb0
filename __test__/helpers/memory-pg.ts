// Direct SQL on the test PostgreSQL server for the memory-domain suites: resetting a
// schema's memory tables between tests (an init of @mastra/pg on a fresh schema costs
// seconds, so the PostgreSQL targets share one schema per suite and truncate instead),
// and looking at what a store left in its schema (columns, rows, whether it exists).
import pg from 'pg';
import { PG_URL, schemaFor } from './pg';
import type { Target } from './stores';

let pool: pg.Pool | null = null;
function sqlPool(): pg.Pool {
  // allowExitOnIdle: an idle pool never keeps a test process (or worker) alive.
  pool ??= new pg.Pool({ connectionString: PG_URL, max: 3, idleTimeoutMillis: 1000, allowExitOnIdle: true, application_name: 'mns-tests' });
  return pool;
}

/** Run one statement; its rows. */
export async function pgQuery<T extends Record<string, any> = Record<string, any>>(sql: string, params: unknown[] = []): Promise<T[]> {
  return (await sqlPool().query(sql, params)).rows as T[];
}

/** A dedicated connected client (for a transaction held open across calls); end() it. */
export async function pgClient(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: PG_URL, application_name: 'mns-tests' });
  await c.connect();
  return c;
}

/** Close the shared pool (afterAll of suites that used it). */
export async function endPgPool(): Promise<void> {
  const p = pool;
  pool = null;
  await p?.end();
}

/** The PostgreSQL schema a store of `target` at `location` (a tmpDbUrl) uses; null on SQLite. */
export function schemaOf(target: Target, location: string): string | null {
  return target === 'native-pg' || target === 'pg' ? schemaFor(location) : null;
}

const q = (schema: string, table: string) => `"${schema}"."${table}"`;

/** Empty the memory tables (and workflow snapshots) of a schema. */
export async function truncateMemory(schema: string): Promise<void> {
  const tables = ['mastra_messages', 'mastra_threads', 'mastra_resources', 'mastra_workflow_snapshot'];
  const present = (
    await pgQuery<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_name = ANY($2)`,
      [schema, tables],
    )
  ).map(r => r.table_name);
  if (present.length) await pgQuery(`TRUNCATE ${present.map(t => q(schema, t)).join(', ')}`);
}

/** Whether a schema exists. */
export async function schemaExists(schema: string): Promise<boolean> {
  return (await pgQuery(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [schema])).length > 0;
}

/** Tables of a schema, sorted. */
export async function tablesOf(schema: string): Promise<string[]> {
  return (
    await pgQuery<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
      [schema],
    )
  ).map(r => r.table_name);
}

/** information_schema.columns of some tables, in column order (schema-independent fields). */
export async function columnsOf(schema: string, tables: string[]) {
  const rows = await pgQuery(
    `SELECT table_name, column_name, ordinal_position, data_type, udt_name, is_nullable, column_default,
            character_maximum_length, datetime_precision
       FROM information_schema.columns WHERE table_schema = $1 AND table_name = ANY($2)
      ORDER BY table_name, ordinal_position`,
    [schema, tables],
  );
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const t of tables) out[t] = [];
  for (const r of rows) {
    const { table_name, ...col } = r;
    out[table_name].push(col);
  }
  return out;
}
