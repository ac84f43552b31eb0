// A private PostgreSQL server for tests that stop and start it: the shared server (5432)
// serves every other test file at the same time and is never restarted. initdb into a temp
// directory, trust auth, a free port from 55432 up, the unix socket inside the directory.
// Run as the `postgres` OS user when we are root (initdb refuses to run as root).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, chownSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** The PostgreSQL binaries: MNS_PG_BIN, else PostgreSQL 15's Debian location, else pg_config's. */
export async function pgBinDir(): Promise<string | null> {
  const candidates = [process.env.MNS_PG_BIN, '/usr/lib/postgresql/15/bin'];
  try {
    candidates.push((await run('pg_config', ['--bindir'])).stdout.trim());
  } catch {
    // no pg_config on PATH
  }
  return candidates.find(d => d && existsSync(join(d, 'initdb')) && existsSync(join(d, 'pg_ctl'))) ?? null;
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

export type PrivatePg = {
  url: string;
  port: number;
  /** Stop the server: `immediate` is a crash (recovery on start), `fast` ends sessions with 57P01. */
  stop(mode: 'immediate' | 'fast'): Promise<void>;
  start(): Promise<void>;
  /** One statement on the server, on a connection of its own (survives restarts). */
  query(sql: string, params?: unknown[]): Promise<Record<string, any>[]>;
  /** Stop the server and remove its directory. */
  destroy(): Promise<void>;
};

export async function startPrivatePg(bin: string): Promise<PrivatePg> {
  const dir = mkdtempSync(join(tmpdir(), 'mns-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const uid = Number(stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    chownSync(dir, uid, gid);
  }
  const as = (cmd: string, args: string[]) => (asRoot ? run('runuser', ['-u', 'postgres', '--', cmd, ...args]) : run(cmd, args));
  const data = join(dir, 'data');
  await as(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  let port = 55432;
  while (!(await portIsFree(port))) port++;
  // fsync off: the drill stops the server process, not the machine; the WAL in the page
  // cache survives an immediate shutdown either way, and CI disks stay out of the timing.
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40`;
  const ctl = (args: string[]) => as(join(bin, 'pg_ctl'), ['-D', data, ...args]);
  const start = async () => {
    await ctl(['-o', opts, '-l', join(dir, 'server.log'), '-w', '-t', '30', 'start']);
  };
  await start();
  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  let running = true;
  return {
    url,
    port,
    async stop(mode) {
      await ctl(['-m', mode, '-w', '-t', '30', 'stop']);
      running = false;
    },
    async start() {
      await start();
      running = true;
    },
    async query(sql, params = []) {
      const c = new pg.Client({ connectionString: url, application_name: 'mns-tests', connectionTimeoutMillis: 3000 });
      c.on('error', () => {});
      await c.connect();
      try {
        return (await c.query(sql, params)).rows;
      } finally {
        await c.end().catch(() => {});
      }
    },
    async destroy() {
      if (running) await ctl(['-m', 'immediate', '-w', 'stop']).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
