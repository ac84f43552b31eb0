// The storage providers the benchmark compares, each opened fresh (its own SQLite file or
// PostgreSQL schema) for every scenario and torn down afterwards. NativeStore is paired
// with its anchor (the store it replaces) on each engine; the raw ceilings (better-sqlite3,
// node-postgres) take part in W1 only.
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { importNativeStore } from './addon.mjs';

export const PG_URL = process.env.DATABASE_URL ?? process.env.POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

/** Every scenario's stores live under one folder per benchmark run (removed at the end). */
export const runDir = runId => join(tmpdir(), `mns-bench-${runId}`);
/** PostgreSQL schemas of one benchmark run share this prefix (all dropped at the end). */
export const schemaPrefix = runId => `mns_bench_${runId}_`.toLowerCase().replace(/[^a-z0-9_]/g, '_');

let modules;
async function mods() {
  modules ??= {
    NativeStore: (await importNativeStore()).NativeStore,
    LibSQLStore: (await import('@mastra/libsql')).LibSQLStore,
    PostgresStore: (await import('@mastra/pg')).PostgresStore,
  };
  return modules;
}

/** A fresh SQLite file location for (run, scenario, provider). */
function freshFile(ctx, providerId) {
  const dir = join(runDir(ctx.runId), ctx.tag);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${providerId}.db`);
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true });
  return path;
}
function removeFile(path) {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true });
}

/** A fresh schema name for (run, scenario, provider). */
function freshSchema(ctx, providerId) {
  return `${schemaPrefix(ctx.runId)}${ctx.tag}_${providerId}`.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 63);
}
export async function dropSchema(schema) {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
/** Drop every schema of a benchmark run (also run at the very end as a safety net). */
export async function dropRunSchemas(runId) {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE $1`, [`${schemaPrefix(runId)}%`]);
    for (const { nspname } of rows) await client.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`);
    return rows.length;
  } finally {
    await client.end();
  }
}

/** Wrap an initialised Mastra composite store as a provider handle. */
async function storeHandle(store, location, cleanup) {
  await store.init();
  return {
    store,
    memory: await store.getStore('memory'),
    workflows: await store.getStore('workflows'),
    location,
    async close() {
      await store.close();
      await cleanup?.();
    },
  };
}

/**
 * The providers, in display order. `anchor` names the provider a NativeStore row is compared
 * with; `engine` groups the result tables.
 */
export const PROVIDERS = [
  {
    id: 'native-file',
    engine: 'sqlite-file',
    label: 'NativeStore (SQLite file)',
    anchor: 'libsql-file',
    async open(ctx) {
      const { NativeStore } = await mods();
      const path = freshFile(ctx, this.id);
      return storeHandle(new NativeStore({ id: `bench-${this.id}`, url: `file:${path}` }), path, () => removeFile(path));
    },
  },
  {
    // W1 ×1 only: what `durability: 'full'` (synchronous=FULL, a sync per commit) costs.
    id: 'native-file-full',
    engine: 'sqlite-file',
    label: "NativeStore (SQLite file, durability 'full')",
    anchor: 'libsql-file',
    extra: true,
    async open(ctx) {
      const { NativeStore } = await mods();
      const path = freshFile(ctx, this.id);
      return storeHandle(new NativeStore({ id: `bench-${this.id}`, url: `file:${path}`, durability: 'full' }), path, () => removeFile(path));
    },
  },
  {
    id: 'libsql-file',
    engine: 'sqlite-file',
    label: '@mastra/libsql (file)',
    async open(ctx) {
      const { LibSQLStore } = await mods();
      const path = freshFile(ctx, this.id);
      return storeHandle(new LibSQLStore({ id: `bench-${this.id}`, url: `file:${path}` }), path, () => removeFile(path));
    },
  },
  {
    id: 'native-mem',
    engine: 'sqlite-memory',
    label: 'NativeStore (:memory:)',
    anchor: 'libsql-mem',
    async open() {
      const { NativeStore } = await mods();
      return storeHandle(new NativeStore({ id: `bench-${this.id}`, url: ':memory:' }), ':memory:');
    },
  },
  {
    id: 'libsql-mem',
    engine: 'sqlite-memory',
    label: '@mastra/libsql (:memory:)',
    async open() {
      const { LibSQLStore } = await mods();
      // @libsql/client 0.18 keeps `:memory:` on one pooled connection, so transactions see
      // the same database (no shared-cache URL needed).
      return storeHandle(new LibSQLStore({ id: `bench-${this.id}`, url: ':memory:' }), ':memory:');
    },
  },
  {
    id: 'native-pg',
    engine: 'postgres',
    label: 'NativeStore (PostgreSQL)',
    anchor: 'pg',
    async open(ctx) {
      const { NativeStore } = await mods();
      const schema = freshSchema(ctx, this.id);
      await dropSchema(schema);
      return storeHandle(new NativeStore({ id: `bench-${this.id}`, url: PG_URL, schemaName: schema }), schema, () =>
        dropSchema(schema),
      );
    },
  },
  {
    id: 'pg',
    engine: 'postgres',
    label: '@mastra/pg',
    async open(ctx) {
      const { PostgresStore } = await mods();
      const schema = freshSchema(ctx, this.id);
      await dropSchema(schema);
      return storeHandle(new PostgresStore({ id: `bench-${this.id}`, connectionString: PG_URL, schemaName: schema }), schema, () =>
        dropSchema(schema),
      );
    },
  },
  // ---- W7: the ceilings (W1 only) ------------------------------------------------------------
  {
    id: 'raw-sqlite',
    engine: 'sqlite-file',
    label: 'better-sqlite3 raw (file)',
    raw: true,
    async open(ctx, { threads = [] } = {}) {
      // The tables and indexes NativeStore creates (mastra_messages is laid out as libsql's),
      // so the ceiling maintains exactly the same indexes; then plain prepared statements.
      const { NativeStore } = await mods();
      const path = freshFile(ctx, this.id);
      const ns = new NativeStore({ id: 'bench-raw-schema', url: `file:${path}` });
      await ns.init();
      await ns.close();
      const { default: Database } = await import('better-sqlite3');
      const db = new Database(path);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('busy_timeout = 5000');
      const insThread = db.prepare(
        `INSERT INTO mastra_threads (id, "resourceId", title, metadata, "createdAt", "updatedAt") VALUES (?, ?, ?, ?, ?, ?)`,
      );
      db.transaction(() => {
        for (const t of threads)
          insThread.run(t.id, t.resourceId, t.title, JSON.stringify(t.metadata), t.createdAt.toISOString(), t.updatedAt.toISOString());
      })();
      const ins = db.prepare(
        `INSERT INTO mastra_messages (id, thread_id, content, role, type, "createdAt", "resourceId") VALUES (?, ?, ?, ?, ?, ?, ?)`,
      );
      const bump = db.prepare(`UPDATE mastra_threads SET "updatedAt" = ? WHERE id = ?`);
      const save = db.transaction(messages => {
        for (const m of messages)
          ins.run(m.id, m.threadId, JSON.stringify(m.content), m.role, 'v2', m.createdAt.toISOString(), m.resourceId);
        // The one extra write saveMessages' contract needs: bump the touched threads' updatedAt.
        const now = new Date().toISOString();
        for (const id of new Set(messages.map(m => m.threadId))) bump.run(now, id);
      });
      const countQ = db.prepare(`SELECT count(*) AS n FROM mastra_messages WHERE thread_id = ?`);
      const rowsQ = db.prepare(`SELECT id, content, "createdAt" FROM mastra_messages WHERE thread_id = ? ORDER BY "createdAt", id`);
      return {
        location: path,
        raw: {
          async saveMessages(messages) {
            save(messages);
            return messages.length;
          },
          async count(threadId) {
            return countQ.get(threadId).n;
          },
          async rows(threadId) {
            return rowsQ.all(threadId).map(r => ({ id: r.id, content: JSON.parse(r.content), createdAt: r.createdAt }));
          },
        },
        async close() {
          db.close();
          removeFile(path);
        },
      };
    },
  },
  {
    id: 'raw-pg',
    engine: 'postgres',
    label: 'node-postgres raw (multi-row INSERT)',
    raw: true,
    async open(ctx, { threads = [] } = {}) {
      const { NativeStore } = await mods();
      const schema = freshSchema(ctx, this.id);
      await dropSchema(schema);
      const ns = new NativeStore({ id: 'bench-raw-schema', url: PG_URL, schemaName: schema });
      await ns.init();
      await ns.close();
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      const q = s => `"${schema}".${s}`;
      for (const t of threads)
        await client.query(`INSERT INTO ${q('mastra_threads')} (id, "resourceId", title, metadata, "createdAt", "updatedAt", "createdAtZ", "updatedAtZ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [
          t.id,
          t.resourceId,
          t.title,
          JSON.stringify(t.metadata),
          t.createdAt.toISOString(),
          t.updatedAt.toISOString(),
          t.createdAt.toISOString(),
          t.updatedAt.toISOString(),
        ]);
      const cols = '(id, thread_id, content, role, type, "createdAt", "resourceId", "createdAtZ")';
      return {
        location: schema,
        raw: {
          async saveMessages(messages) {
            // One statement per batch: a multi-row INSERT, with the thread bump in a CTE
            // (the one extra write saveMessages' contract needs), atomic and one round trip.
            const params = [];
            const values = messages.map(m => {
              const b = params.length;
              const iso = m.createdAt.toISOString();
              params.push(m.id, m.threadId, JSON.stringify(m.content), m.role, 'v2', iso, m.resourceId, iso);
              return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7}, $${b + 8})`;
            });
            const now = new Date().toISOString();
            params.push(now, now, [...new Set(messages.map(m => m.threadId))]);
            const n = params.length;
            await client.query(
              `WITH ins AS (INSERT INTO ${q('mastra_messages')} ${cols} VALUES ${values.join(', ')} RETURNING 1) ` +
                `UPDATE ${q('mastra_threads')} SET "updatedAt" = $${n - 2}, "updatedAtZ" = $${n - 1} WHERE id = ANY($${n})`,
              params,
            );
            return messages.length;
          },
          async count(threadId) {
            const { rows } = await client.query(`SELECT count(*)::int AS n FROM ${q('mastra_messages')} WHERE thread_id = $1`, [threadId]);
            return rows[0].n;
          },
          async rows(threadId) {
            const { rows } = await client.query(
              `SELECT id, content, "createdAt" FROM ${q('mastra_messages')} WHERE thread_id = $1 ORDER BY "createdAt", id`,
              [threadId],
            );
            return rows.map(r => ({ id: r.id, content: typeof r.content === 'string' ? JSON.parse(r.content) : r.content, createdAt: r.createdAt }));
          },
        },
        async close() {
          await client.end();
          await dropSchema(schema);
        },
      };
    },
  },
];

export const byId = Object.fromEntries(PROVIDERS.map(p => [p.id, p]));
export const STORE_PROVIDERS = PROVIDERS.filter(p => !p.raw && !p.extra).map(p => p.id);
/** Providers that take part in one row only (named by the workload that runs them). */
export const DURABILITY_PROVIDERS = PROVIDERS.filter(p => p.extra).map(p => p.id);
export const RAW_PROVIDERS = PROVIDERS.filter(p => p.raw).map(p => p.id);
