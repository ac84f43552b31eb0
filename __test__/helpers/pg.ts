// Where the PostgreSQL suites run, and whether they can. One URL for the whole run
// (DATABASE_URL, else POSTGRES_URL, else the local default); each store gets a schema of
// its own, named from the run id so concurrent runs never touch each other's schemas.
import { createHash } from 'node:crypto';
import pg from 'pg';

export const PG_URL = process.env.DATABASE_URL ?? process.env.POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

/** The run id global-setup.ts hands every worker (a fallback keeps single files runnable). */
export const RUN_ID = process.env.MNS_RUN_ID ?? `r${process.pid}`;
export const SCHEMA_PREFIX = `mns_t_${RUN_ID}_`;

/** Whether a PostgreSQL server answers at PG_URL (2 s timeout). */
export async function probePg(): Promise<string | null> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return (error as Error).message || String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * A schema for a store: derived from `location` (a tmpDbUrl) so reopening "the same
 * database" finds the same schema, or fresh when no location is given.
 */
export function schemaFor(location?: string): string {
  const tag = location
    ? createHash('sha256').update(location).digest('hex').slice(0, 16)
    : Math.random().toString(36).slice(2, 14);
  return `${SCHEMA_PREFIX}${tag}`;
}

/** Drop every schema this run created. */
export async function dropRunSchemas(): Promise<number> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT nspname FROM pg_namespace WHERE nspname LIKE $1', [`${SCHEMA_PREFIX}%`]);
    for (const { nspname } of rows) await client.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`);
    return rows.length;
  } finally {
    await client.end();
  }
}
