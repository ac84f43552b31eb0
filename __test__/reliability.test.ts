// Lifecycle and concurrency: init (coalesced, idempotent, multi-process), disableInit,
// close, the shared in-memory database, backend failures surfacing as errors, and
// concurrent writers on one database from one and from several processes. Every block runs
// on each native target: SQLite (a temp file) and PostgreSQL (a schema of its own), the
// database inspected directly (@libsql/client / the `pg` package). PostgreSQL adds the
// connection-loss test: the server terminates the store's backends while it is in use.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createClient } from '@libsql/client';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { NativeStore } from '../index.js';
import { nativeConfig, nativeTargets, tmpDbUrl, type Target } from './helpers/stores';
import { PG_URL } from './helpers/pg';
import { endPgPool, pgClient, pgQuery, schemaExists, schemaOf, tablesOf } from './helpers/memory-pg';
import { ownBackends, terminateOwnBackends } from './helpers/pg-backends';

const run = promisify(execFile);
const worker = join(import.meta.dirname, 'fixtures', 'worker.mjs');

/**
 * Store construction for one suite: every store a test opens is closed after it. Each suite
 * has its own, so suites running at the same time never close each other's stores.
 */
function storeTracker() {
  const open: NativeStore[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map(s => s.close()));
  });
  return (config: Record<string, unknown>) => {
    const s = new NativeStore({ id: 'rel', ...config } as any);
    open.push(s);
    return s;
  };
}
afterAll(async () => {
  await endPgPool();
});

const at = (ms: number) => new Date(Date.UTC(2025, 0, 1) + ms);
const thread = (id: string, resourceId = 'r') => ({ id, resourceId, title: id, metadata: {}, createdAt: at(0), updatedAt: at(0) });
const message = (id: string, threadId: string, ms: number) => ({
  id,
  threadId,
  resourceId: 'r',
  role: 'user' as const,
  createdAt: at(ms),
  content: { format: 2 as const, parts: [{ type: 'text' as const, text: id }] },
});

async function sqlite(url: string, sql: string) {
  const c = createClient({ url });
  try {
    return (await c.execute(sql)).rows;
  } finally {
    c.close();
  }
}

const rejection = (p: Promise<unknown>) =>
  p.then(
    () => null,
    e => e,
  );

/**
 * One native target's database, looked at directly: a location (tmpDbUrl) is a SQLite file,
 * or a PostgreSQL schema of its own.
 */
function engineOf(target: Target) {
  const pg = target === 'native-pg';
  const schema = (location: string) => schemaOf(target, location)!;
  const table = (location: string, name: string) => (pg ? `"${schema(location)}".${name}` : name);
  return {
    pg,
    config: (location: string, extra: Record<string, unknown> = {}) => ({ ...nativeConfig(target, location), ...extra }),
    /** Rows of a query on the database (table names via `t`). */
    async sql(location: string, text: (t: (name: string) => string) => string): Promise<Record<string, unknown>[]> {
      const q = text(name => table(location, name));
      return pg ? pgQuery(q) : (await sqlite(location, q)).map(r => ({ ...r }));
    },
    async tables(location: string): Promise<string[]> {
      if (pg) return tablesOf(schema(location));
      return (await sqlite(location, "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")).map(r => String(r.name));
    },
    /** The worker's leading arguments for this database. */
    worker: (location: string, ...rest: string[]) => (pg ? [worker, PG_URL, ...rest, `--schema=${schema(location)}`] : [worker, location, ...rest]),
  };
}

// The engines run concurrently (independent databases), each one's tests in order. The
// :memory: and connection-loss suites below run afterwards, on their own.
describe.concurrent.each(nativeTargets)('[%s]', target => {
  describe.sequential(target === 'native-pg' ? 'PostgreSQL' : 'SQLite', () => {
    const store = storeTracker();
    const db = engineOf(target);
    const migrationCounts = (location: string) =>
      db.sql(location, t => `SELECT version, COUNT(*) AS n FROM ${t('mastra_native_migrations')} GROUP BY version ORDER BY version`);

    describe('init', () => {
      it('is idempotent and coalesces concurrent calls', async () => {
        const location = tmpDbUrl();
        const s = store(db.config(location));
        await Promise.all([s.init(), s.init(), s.init(), s.init()]);
        await s.init();
        const second = store(db.config(location));
        await second.init();
        const rows = await migrationCounts(location);
        expect(rows.length).toBeGreaterThanOrEqual(2);
        for (const r of rows) expect(Number(r.n)).toBe(1);
      });

      it(`several processes initialising one new ${db.pg ? 'schema' : 'file'} at once apply each migration once`, async () => {
        const location = tmpDbUrl('multi-init');
        await Promise.all(Array.from({ length: 4 }, () => run(process.execPath, db.worker(location, 'init'))));
        const rows = await migrationCounts(location);
        expect(rows.length).toBeGreaterThanOrEqual(2);
        expect(rows.map(r => Number(r.n))).toEqual(rows.map(() => 1));
        expect(await db.tables(location)).toEqual(
          expect.arrayContaining(['mastra_messages', 'mastra_resources', 'mastra_threads', 'mastra_workflow_snapshot']),
        );
      });

      it('disableInit runs no DDL: init() is a no-op and calls fail on the missing tables', async () => {
        const location = tmpDbUrl('noinit');
        const s = store(db.config(location, { disableInit: true }));
        await s.init();
        const memory = (await s.getStore('memory'))!;
        const err = await rejection(memory.listThreads({}));
        expect(err?.id).toBe('MASTRA_STORAGE_NATIVE_LIST_THREADS_FAILED');
        expect(err?.category).toBe('THIRD_PARTY');
        if (db.pg) {
          expect(err?.message).toMatch(/mastra_threads" does not exist/);
          expect(err?.details?.code).toBe('42P01'); // undefined_table
          // Not even the schema was created.
          expect(await schemaExists(schemaOf(target, location)!)).toBe(false);
        } else {
          expect(err?.message).toMatch(/no such table/);
          expect(err?.details?.code).toBe('SQLITE_ERROR');
          expect(await sqlite(location, "SELECT name FROM sqlite_master WHERE type='table'")).toEqual([]);
        }
      });

      it('disableInit works against a schema another store created', async () => {
        const location = tmpDbUrl();
        const a = store(db.config(location));
        await a.init();
        await a.saveThread(thread('t1'));
        const b = store(db.config(location, { disableInit: true }));
        expect((await b.getThreadById('t1'))?.title).toBe('t1');
      });
    });

    describe('close', () => {
      it('is idempotent, and later calls reject with code CLOSED', async () => {
        const s = store(db.pg ? db.config(tmpDbUrl('close')) : { url: ':memory:' });
        await s.init();
        await s.close();
        await s.close();
        const err = await rejection(s.getThreadById('x'));
        expect(err?.details?.code).toBe('CLOSED');
        expect(err?.id).toBe('MASTRA_STORAGE_NATIVE_GET_THREAD_BY_ID_FAILED');
        // init() after close reports CLOSED too, instead of reopening.
        expect((await rejection(s.init()))?.details?.code).toBe('CLOSED');
      });

      it('a process whose store is closed exits by itself', async () => {
        const location = tmpDbUrl('exit');
        const started = Date.now();
        const { stderr } = await run(process.execPath, db.worker(location, 'idle'), { timeout: 20_000 });
        expect(stderr).toBe('');
        expect(Date.now() - started).toBeLessThan(20_000);
      });

      it.runIf(db.pg && process.platform === 'linux')('releases every server connection of the store', async () => {
        const s = store(db.config(tmpDbUrl('close-conns')));
        await s.init();
        await Promise.all(Array.from({ length: 6 }, () => s.listThreads({})));
        const mine = await ownBackends();
        expect(mine.length).toBeGreaterThan(0);
        await s.close();
        // The server sees the disconnects shortly after.
        const deadline = Date.now() + 5_000;
        let left = mine.length;
        while (Date.now() < deadline) {
          const rows = await pgQuery(`SELECT pid FROM pg_stat_activity WHERE pid = ANY($1)`, [mine.map(b => b.pid)]);
          left = rows.length;
          if (left === 0) break;
          await new Promise(r => setTimeout(r, 50));
        }
        expect(left).toBe(0);
      });
    });

    describe('backend failures are errors, never empty results', () => {
      it('reads re-throw with the operation in the id and the cause kept', async () => {
        const location = tmpDbUrl('broken');
        const s = store(db.config(location));
        await s.init();
        await s.saveThread(thread('t1'));
        await db.sql(location, t => `DROP TABLE ${t('mastra_messages')}`);
        for (const [call, pattern] of [
          [() => s.listMessages({ threadId: 't1' }), /LIST_MESSAGES_FAILED/],
          [() => s.listMessagesByResourceId({ resourceId: 'r' }), /LIST_MESSAGES_BY_RESOURCE_ID_FAILED/],
        ] as const) {
          const err = await rejection(call());
          expect(err?.id).toMatch(pattern);
          expect(err?.category).toBe('THIRD_PARTY');
          expect(err?.cause).toBeInstanceOf(Error);
          expect(err?.details?.code).toBe(db.pg ? '42P01' : 'SQLITE_ERROR');
        }
      });
    });

    describe('concurrent writers', () => {
      it(`50 concurrent batches on one store all land`, async () => {
        const s = store(db.config(tmpDbUrl('conc')));
        await s.init();
        await s.saveThread(thread('t'));
        await Promise.all(
          Array.from({ length: 50 }, (_, b) => s.saveMessages(Array.from({ length: 10 }, (_, i) => message(`b${b}-${i}`, 't', b * 10 + i)))),
        );
        const { total, messages } = await s.listMessages({ threadId: 't', perPage: false });
        expect(total).toBe(500);
        expect(messages.map(m => m.id)).toEqual(Array.from({ length: 500 }, (_, k) => `b${Math.floor(k / 10)}-${k % 10}`));
      });

      it(`two processes writing one ${db.pg ? 'schema' : 'file'} at once lose nothing`, async () => {
        const location = tmpDbUrl('procs');
        const s = store(db.config(location));
        await s.init();
        await Promise.all(['p1', 'p2'].map(tag => run(process.execPath, db.worker(location, 'write', '150', tag), { timeout: 60_000 })));
        for (const tag of ['p1', 'p2']) {
          const all = await s.listMessages({ threadId: `thread-${tag}`, perPage: false });
          expect(all.total).toBe(150);
          expect(all.messages.map(m => m.id)).toEqual(Array.from({ length: 150 }, (_, i) => `${tag}-${i}`));
        }
      });

      it('concurrent metadata updates of one thread keep every key', async () => {
        const s = store(db.config(tmpDbUrl()));
        await s.init();
        await s.saveThread(thread('t'));
        const memory = (await s.getStore('memory'))!;
        await Promise.all(Array.from({ length: 10 }, (_, i) => memory.updateThread({ id: 't', metadata: { [`k${i}`]: i } })));
        const t = await s.getThreadById('t');
        expect(t?.metadata).toEqual(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, i])));
      });

      it('concurrent metadata updates of one resource keep every key', async () => {
        const s = store(db.config(tmpDbUrl()));
        await s.init();
        const memory = (await s.getStore('memory'))!;
        await memory.updateResource({ resourceId: 'res', metadata: {} });
        await Promise.all(Array.from({ length: 10 }, (_, i) => memory.updateResource({ resourceId: 'res', metadata: { [`k${i}`]: i } })));
        const r = await memory.getResourceById({ resourceId: 'res' });
        expect(r?.metadata).toEqual(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, i])));
      });
    });
  });
});

describe.runIf(nativeTargets.includes('native'))(':memory: [native]', () => {
  const store = storeTracker();
  it('is one database for the whole store, and private to it', async () => {
    const a = store({ url: ':memory:' });
    const b = store({ url: 'file::memory:' });
    await Promise.all([a.init(), b.init()]);
    await Promise.all(Array.from({ length: 20 }, (_, i) => a.saveThread(thread(`t${i}`))));
    expect((await a.listThreads({ perPage: false })).total).toBe(20);
    expect((await b.listThreads({ perPage: false })).total).toBe(0);
  });
});

// SQLite calls run on the Node thread when they can finish at once (napi_api.rs `dispatch`).
// A write that meets another process's write lock must not stall the event loop while it
// waits: it is handed to the pool. Here the lock is released by a timer of this process, so
// a write that blocked the event loop would never see it released and fail with SQLITE_BUSY.
describe.runIf(nativeTargets.includes('native'))('another process holds the write lock [native]', () => {
  const store = storeTracker();
  const HOLDER = `
    const db = new (require('better-sqlite3'))(process.argv[1]);
    db.exec('BEGIN IMMEDIATE');
    console.log('locked');
    process.stdin.once('data', () => { db.exec('COMMIT'); db.close(); process.exit(0); });
  `;
  it('writes wait on the pool while the event loop runs; reads go on meanwhile', async () => {
    const location = tmpDbUrl('locked');
    const s = store({ url: location, busyTimeoutMs: 4000 });
    await s.init();
    await s.saveThread(thread('before'));
    const holder = spawn(process.execPath, ['-e', HOLDER, location.replace(/^file:/, '')], {
      cwd: join(import.meta.dirname, '..'),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    holder.stderr!.on('data', d => (stderr += d));
    const exited = once(holder, 'exit');
    try {
      const line = await Promise.race([
        once(holder.stdout!, 'data').then(([d]) => d),
        exited.then(([code]) => `holder exited (${code}): ${stderr}`),
      ]);
      expect(String(line)).toContain('locked');
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 5);
      const release = setTimeout(() => holder.stdin!.write('go\n'), 300);
      const started = performance.now();
      const write = s.saveThread(thread('during'));
      // A read is not held up by the other process's write lock (WAL).
      expect((await s.getThreadById('before'))?.id).toBe('before');
      await write;
      const waited = performance.now() - started;
      clearInterval(ticker);
      clearTimeout(release);
      expect(waited).toBeGreaterThanOrEqual(250);
      expect(ticks).toBeGreaterThan(5);
      expect((await s.getThreadById('during'))?.id).toBe('during');
      expect((await exited)[0]).toBe(0);
    } finally {
      holder.kill();
    }
  });
});

describe.runIf(nativeTargets.includes('native'))('a process killed while writing [native]', () => {
  // The WAL is written through our VFS shim (src/db/walbuf.rs), which holds a commit's
  // frames until its last one: a commit must still be complete on disk before its call
  // returns. Another SQLite build (better-sqlite3) recovers the file from its WAL, checking
  // every frame's checksum, and must find every message the killed process was told was saved.
  it('loses no acknowledged message, and leaves a file other SQLite builds recover', async () => {
    const location = tmpDbUrl('killed');
    const path = location.replace(/^file:/, '');
    const child = spawn(process.execPath, [worker, location, 'crash', '0', 'k'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', d => (stderr += d));
    let acked = -1;
    let buffered = '';
    const enough = new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', d => {
        buffered += d;
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) acked = Number(line.split(' ')[1]);
        if (acked >= 3000) resolve();
      });
      child.once('exit', code => reject(new Error(`worker exited (${code}): ${stderr}`)));
    });
    const exited = once(child, 'exit');
    try {
      await enough;
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    expect(acked).toBeGreaterThanOrEqual(3000);
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path);
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const ids = new Set((db.prepare('SELECT id FROM mastra_messages').pluck().all() as string[]));
      const missing = Array.from({ length: acked + 1 }, (_, i) => `k-${i}`).filter(id => !ids.has(id));
      expect(missing).toEqual([]);
    } finally {
      db.close();
    }
  });
});

// ---------------------------------------------------------------------------------------
// Connection loss (PostgreSQL). Only this process's own backends are terminated (see
// helpers/pg-backends.ts), so other test files using the same server are left alone.

/** Codes a call failing on a lost connection may carry: a SQLSTATE, or the IO/connection codes. */
const CONNECTION_CODE = /^([0-9A-Z]{5}|IO|DATABASE|POOL_TIMEOUT)$/;

describe.runIf(nativeTargets.includes('native-pg') && process.platform === 'linux')('connection loss [native-pg]', () => {
  const store = storeTracker();
  /** A store with data in it, and the checks that every later read must pass. */
  async function seeded(location = tmpDbUrl('conn-loss')) {
    const s = store(nativeConfig('native-pg', location));
    await s.init();
    await s.saveThread(thread('t'));
    await s.saveMessages([message('m1', 't', 1), message('m2', 't', 2), message('m3', 't', 3)]);
    // Several pooled connections, so more than one backend dies.
    await Promise.all(Array.from({ length: 6 }, () => s.listMessages({ threadId: 't' })));
    return s;
  }

  type Attempt = { ok: true; value: any } | { ok: false; error: any };
  const attemptCall = (p: Promise<any>): Promise<Attempt> =>
    p.then(
      value => ({ ok: true as const, value }),
      error => ({ ok: false as const, error }),
    );

  /** A failure on a lost connection must be a MastraError carrying the database's code. */
  function expectConnectionError(error: any) {
    expect(error?.id).toMatch(/^MASTRA_STORAGE_NATIVE_[A-Z_]+_FAILED$/);
    expect(error?.category).toBe('THIRD_PARTY');
    expect(String(error?.details?.code)).toMatch(CONNECTION_CODE);
  }

  /** The pid of this process's one active backend (other than `not`), once there is one. */
  async function activeBackend(not?: number): Promise<number> {
    for (const deadline = Date.now() + 5_000; Date.now() < deadline; ) {
      const active = (await ownBackends()).filter(b => b.state === 'active' && b.pid !== not);
      if (active.length === 1) return active[0].pid;
      await new Promise(r => setTimeout(r, 20));
    }
    throw new Error('no active backend of this process');
  }

  /** Run `call` until it succeeds: at most 1 + 2 retries; every failure is checked. */
  async function withRetries<T>(call: () => Promise<T>, failures: any[]): Promise<T> {
    for (let i = 0; ; i++) {
      const a = await attemptCall(call());
      if (a.ok) return a.value;
      expectConnectionError(a.error);
      failures.push(a.error);
      if (i === 2) throw a.error;
    }
  }

  it('after its idle backends are terminated, the next calls succeed on new connections, with the data', async () => {
    const s = await seeded();
    const before = await ownBackends();
    expect(before.length).toBeGreaterThan(0);
    expect(await terminateOwnBackends()).toBe(before.length);

    const failures: any[] = [];
    const list = await withRetries(() => s.listMessages({ threadId: 't' }), failures);
    // Never an empty result: the rows are all there.
    expect(list.total).toBe(3);
    expect(list.messages.map(m => m.id)).toEqual(['m1', 'm2', 'm3']);
    expect((await withRetries(() => s.getThreadById('t'), failures))?.id).toBe('t');
    await withRetries(() => s.saveMessages([message('m4', 't', 4)]), failures);
    expect((await s.listMessages({ threadId: 't' })).total).toBe(4);
    // The pool runs on new backends.
    const after = await ownBackends();
    expect(after.length).toBeGreaterThan(0);
    expect(after.map(b => b.pid).filter(pid => before.some(b => b.pid === pid))).toEqual([]);
  });

  it('connections idle for over half a second are checked before use: after the server ends them, no call fails', async () => {
    const s = await seeded();
    expect(await terminateOwnBackends()).toBeGreaterThan(0);
    // The pool skips the check for a connection used within the last 500 ms (a round trip
    // per call otherwise); past that, every idle connection is pinged before it is used.
    await new Promise(r => setTimeout(r, 700));
    const list = await s.listMessages({ threadId: 't' });
    expect(list.messages.map(m => m.id)).toEqual(['m1', 'm2', 'm3']);
    await s.saveMessages([message('m4', 't', 4)]);
    expect((await s.getThreadById('t'))?.id).toBe('t');
  });

  it('a transaction that ends without commit releases its row locks at once', async () => {
    const location = tmpDbUrl('conn-rollback');
    const s = store(nativeConfig('native-pg', location));
    await s.init();
    const wf = (await s.getStore('workflows'))!;
    const snapshot = { runId: 'r1', status: 'running', value: {}, context: { input: {} }, serializedStepGraph: [], activePaths: [], suspendedPaths: {}, waitingPaths: {}, timestamp: 1 };
    await wf.persistWorkflowSnapshot({ workflowName: 'wf', runId: 'r1', snapshot: snapshot as any });
    // A compare-and-set that does not match: the row was read FOR UPDATE, nothing is written,
    // and the transaction ends without commit.
    expect(await wf.updateWorkflowState({ workflowName: 'wf', runId: 'r1', opts: { status: 'success', expectedStatus: 'suspended' } as any })).toBeUndefined();
    // Another client can lock the row right away (a rollback left queued until the
    // connection's next use would hold it until then).
    const other = await pgClient();
    try {
      await other.query('BEGIN');
      await other.query(`SET LOCAL lock_timeout = '3s'`);
      const { rows } = await other.query(`SELECT run_id FROM "${schemaOf('native-pg', location)}".mastra_workflow_snapshot WHERE run_id = 'r1' FOR UPDATE`);
      expect(rows).toEqual([{ run_id: 'r1' }]);
      await other.query('ROLLBACK');
    } finally {
      await other.end();
    }
    expect(((await wf.loadWorkflowSnapshot({ workflowName: 'wf', runId: 'r1' })) as any)?.status).toBe('running');
  });

  it('a read whose backend is terminated mid-query runs again on a new backend and returns the data', async () => {
    const location = tmpDbUrl('conn-loss-mid');
    const s = await seeded(location);
    // Hold a lock the read must wait for, so its backend is busy when it is terminated.
    const locker = await pgClient();
    try {
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE "${schemaOf('native-pg', location)}".mastra_messages IN ACCESS EXCLUSIVE MODE`);
      const inflight = attemptCall(s.listMessages({ threadId: 't' }));
      const first = await activeBackend();
      await pgQuery(`SELECT pg_terminate_backend($1)`, [first]);
      // The read got no answer, so it changed nothing: the store runs it again on a new
      // backend (which waits for the lock in turn) instead of failing the call.
      const second = await activeBackend(first);
      expect(second).not.toBe(first);
      await locker.query('ROLLBACK');
      const o = await inflight;
      expect(o.ok, o.ok ? '' : String(o.error)).toBe(true);
      if (o.ok) expect(o.value.messages.map((m: any) => m.id)).toEqual(['m1', 'm2', 'm3']);
    } finally {
      await locker.query('ROLLBACK').catch(() => {});
      await locker.end();
    }
  });

  it('a write whose backend is terminated mid-statement fails with the server\'s code and outcome unknown, and is not run again', async () => {
    const location = tmpDbUrl('conn-loss-mid-write');
    const s = await seeded(location);
    const locker = await pgClient();
    try {
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE "${schemaOf('native-pg', location)}".mastra_messages IN ACCESS EXCLUSIVE MODE`);
      // One message: a single autocommit statement on PostgreSQL.
      const inflight = attemptCall(s.saveMessages([message('m4', 't', 4)]));
      const pid = await activeBackend();
      await pgQuery(`SELECT pg_terminate_backend($1)`, [pid]);
      const o = await inflight;
      // A failure, reported as one, with the server's code; the statement was sent, so
      // whether it committed is not known to the store (here it did not: its backend died).
      expect(o.ok, 'the interrupted write must fail').toBe(false);
      if (!o.ok) {
        expectConnectionError(o.error);
        expect(o.error.details.code).toBe('57P01'); // admin_shutdown
        expect(o.error.details.outcome).toBe('unknown');
        expect(o.error.details.retryable).toBe(false);
      }
      // Not run again behind the caller's back: no backend of ours waits on the lock.
      await new Promise(r => setTimeout(r, 100));
      expect((await ownBackends()).filter(b => b.state === 'active')).toEqual([]);
    } finally {
      await locker.query('ROLLBACK').catch(() => {});
      await locker.end();
    }
    const failures: any[] = [];
    const list = await withRetries(() => s.listMessages({ threadId: 't' }), failures);
    expect(list.messages.map(m => m.id)).toEqual(['m1', 'm2', 'm3']);
  });

  it('calls in flight while the backends are terminated either fail with a connection code or return the real data', async () => {
    const s = await seeded();
    const failures: any[] = [];
    for (let round = 0; round < 3; round++) {
      const calls = Array.from({ length: 12 }, (_, i) =>
        attemptCall(
          i % 3 === 0
            ? s.saveThread(thread(`x${round}-${i}`))
            : i % 3 === 1
              ? s.listMessages({ threadId: 't' })
              : s.getThreadById('t'),
        ),
      );
      await terminateOwnBackends();
      const outcomes = await Promise.all(calls);
      for (const [i, o] of outcomes.entries()) {
        if (!o.ok) {
          expectConnectionError(o.error);
          failures.push(o.error);
        } else if (i % 3 === 1) {
          expect(o.value.messages.map((m: any) => m.id)).toEqual(['m1', 'm2', 'm3']);
        } else if (i % 3 === 2) {
          expect(o.value?.id).toBe('t');
        }
      }
    }
    // Afterwards everything works again (a couple of retries at most).
    const list = await withRetries(() => s.listMessages({ threadId: 't' }), failures);
    expect(list.messages.map(m => m.id)).toEqual(['m1', 'm2', 'm3']);
    const threads = await withRetries(() => s.listThreads({ perPage: false }), failures);
    expect(threads.total).toBeGreaterThanOrEqual(1);
    // eslint-disable-next-line no-console
    if (failures.length) console.log(`[connection loss] ${failures.length} call(s) failed, codes: ${[...new Set(failures.map(e => e.details?.code))].join(', ')}`);
  });
});
