// Fault drills (issue 18), bounded for CI and scaled up by environment variables:
//   MNS_DRILL_KILLS  kill -9 cycles per engine (default 30)
//   MNS_DRILL_TURNS  agent turns per process in the 8-process drill (default 25)
//   MNS_DRILL_LOAD_MS  how long each phase of the PostgreSQL terminate/restart drill runs (default 1500)
//   MNS_SOAK_CALLS   calls in the soak (default 150000; 1000000 for the full soak)
//   MNS_DRILL_SEED   the PRNG seed choosing kill moments (default 18)
// Each drill prints its figures in one line starting with "[drill]".
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NativeStore } from '../index.js';
import { nativeConfig, nativeTargets, tmpDbUrl, type Target } from './helpers/stores';
import { endPgPool, pgQuery } from './helpers/memory-pg';
import { prng } from './helpers/memory-fixtures';

const fixtures = join(import.meta.dirname, 'fixtures');
const num = (name: string, fallback: number) => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
  return v;
};
const KILLS = num('MNS_DRILL_KILLS', 30);
const SEED = num('MNS_DRILL_SEED', 18);

afterAll(async () => {
  await endPgPool();
});

/** Lines a child writes to stdout, as they arrive; `stderr` kept for failure messages. */
function lines(child: ChildProcess) {
  const seen: string[] = [];
  const waiters: { match: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  let buffered = '';
  let stderr = '';
  child.stderr!.on('data', d => (stderr += d));
  child.stdout!.on('data', d => {
    buffered += d;
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    for (const l of parts) {
      seen.push(l);
      for (const w of waiters.splice(0)) (w.match(l) ? w.resolve(l) : waiters.push(w));
    }
  });
  const exited = once(child, 'exit');
  return {
    seen,
    stderr: () => stderr,
    exited,
    /** The first line matching, or a rejection if the child exits first or `ms` pass. */
    wait(match: (l: string) => boolean, ms: number): Promise<string> {
      const hit = seen.find(match);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching line within ${ms} ms; stderr: ${stderr}`)), ms);
        waiters.push({ match, resolve: l => (clearTimeout(timer), resolve(l)) });
        exited.then(([code, signal]) => {
          clearTimeout(timer);
          reject(new Error(`child exited (${code ?? signal}) before the line; stderr: ${stderr}`));
        });
      });
    },
  };
}

// ---------------------------------------------------------------------------------------
// 1. kill -9 mid-batch. A child saves 50-message batches (one saveMessages call, one
// transaction each) and is SIGKILLed at a moment a seeded PRNG picks; after every kill the
// database is opened again and every batch must be whole or absent, every acknowledged one
// present, and a SQLite file must pass integrity_check. The next child goes on numbering
// after the last batch present.

/** Messages per batch in the database, by batch number (ids are `b<batch>-<k>`). */
async function batchCounts(target: Target, location: string): Promise<{ counts: Map<number, number>; integrity: string }> {
  let ids: string[];
  let integrity = 'ok';
  if (target === 'native-pg') {
    const schema = nativeConfig(target, location).schemaName!;
    ids = (await pgQuery(`SELECT id FROM "${schema}".mastra_messages WHERE thread_id = 'drill'`)).map(r => r.id);
  } else {
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(location.replace(/^file:/, ''));
    try {
      integrity = String(db.pragma('integrity_check', { simple: true }));
      ids = db.prepare(`SELECT id FROM mastra_messages WHERE thread_id = 'drill'`).pluck().all() as string[];
    } finally {
      db.close();
    }
  }
  const counts = new Map<number, number>();
  for (const id of ids) {
    const b = Number(/^b(\d+)-\d+$/.exec(id)?.[1]);
    counts.set(b, (counts.get(b) ?? 0) + 1);
  }
  return { counts, integrity };
}

describe.concurrent.each(nativeTargets)('kill -9 mid-batch [%s]', target => {
  it(`${KILLS} kills: every batch whole or absent, every acknowledged batch present${target === 'native' ? ', integrity ok' : ''}`, { timeout: 60_000 + KILLS * 3_000 }, async () => {
    const location = tmpDbUrl('kill');
    const config = nativeConfig(target, location);
    // The schema or file exists before the first child, so every cycle can be counted.
    const setup = new NativeStore({ id: 'drill-setup', ...config } as any);
    await setup.init();
    await setup.close();
    const rng = prng(SEED + (target === 'native-pg' ? 1 : 0));
    const acked = new Set<number>();
    let next = 0;
    let partial = 0;
    let lost = 0;
    let corrupt = 0;
    let committedUnacked = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      const args = [join(fixtures, 'batch-writer.mjs'), config.url, String(next), ...(config.schemaName ? [`--schema=${config.schemaName}`] : [])];
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      const out = lines(child);
      try {
        // Mostly while batches are being written; one kill in ten during startup or init.
        if (rng.chance(0.1)) await new Promise(r => setTimeout(r, rng.int(300)));
        else {
          await out.wait(l => l === 'ready', 20_000);
          await new Promise(r => setTimeout(r, rng.int(150)));
        }
      } finally {
        child.kill('SIGKILL');
        await out.exited;
      }
      for (const l of out.seen) if (l.startsWith('acked ')) acked.add(Number(l.slice(6)));
      const { counts, integrity } = await batchCounts(target, location);
      if (integrity !== 'ok') corrupt++;
      for (const [b, n] of counts) {
        if (n !== 50) partial++;
        if (!acked.has(b) && b >= next) committedUnacked++;
      }
      for (const b of acked) if (counts.get(b) !== 50) lost++;
      expect({ kill, partial, lost, integrity }).toEqual({ kill, partial: 0, lost: 0, integrity: 'ok' });
      next = Math.max(next - 1, ...counts.keys()) + 1;
    }
    // And the store itself reads every batch back.
    const reopened = new NativeStore({ id: 'drill-reopen', ...config } as any);
    try {
      const { total } = await reopened.listMessages({ threadId: 'drill', perPage: 1 });
      expect(total).toBe(next * 50);
    } finally {
      await reopened.close();
    }
    // eslint-disable-next-line no-console
    console.log(
      `[drill] kill -9 [${target}]: ${KILLS} kills, ${next} batches present (${acked.size} acknowledged, ${committedUnacked} committed but killed before the ack), partial ${partial}, lost ${lost}, corrupt ${corrupt}`,
    );
  });
});
