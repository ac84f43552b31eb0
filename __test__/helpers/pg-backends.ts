// This process's own PostgreSQL backends, for connection-loss tests: they are found by the
// local ports of this process's TCP sockets (/proc), so test files and other clients running
// against the same server at the same time are left alone. Linux only.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { pgQuery } from './memory-pg';

/** Runs one statement on some server; its rows (default: the shared test server). */
export type Query = (sql: string, params?: unknown[]) => Promise<Record<string, any>[]>;

/** Local TCP ports of this process's sockets (Linux /proc). */
export function ownTcpPorts(): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // the fd closed meanwhile
    }
  }
  const ports: number[] = [];
  for (const file of ['/proc/self/net/tcp', '/proc/self/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 9 && inodes.has(cols[9])) ports.push(parseInt(cols[1].split(':')[1], 16));
    }
  }
  return ports;
}

/** The server backends serving this process's NativeStore connections. */
export async function ownBackends(query: Query = pgQuery): Promise<{ pid: number; state: string }[]> {
  return (await query(
    `SELECT pid, state FROM pg_stat_activity
      WHERE application_name = 'mastra-native-store' AND pid <> pg_backend_pid() AND client_port = ANY($1)`,
    [ownTcpPorts()],
  )) as any;
}

/** Terminate them (the server side of a connection loss); how many were terminated. */
export async function terminateOwnBackends(query: Query = pgQuery): Promise<number> {
  const rows = await query(
    `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
      WHERE application_name = 'mastra-native-store' AND pid <> pg_backend_pid() AND client_port = ANY($1)`,
    [ownTcpPorts()],
  );
  return rows.filter(r => r.ok).length;
}
