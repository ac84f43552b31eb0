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

// ---------------------------------------------------------------------------------------
// 2. Eight processes on one SQLite file, each running agent turns (Mastra Agent +
// @mastra/memory, a mock model) on its own thread and on shared ones, all at once: no store
// call may fail (no SQLITE_BUSY reaches anyone), and every message a process saved is in the
// file, each thread holding exactly what the processes say they saved to it.
const TURNS = num('MNS_DRILL_TURNS', 25);
const PROCESSES = 8;
const SHARED_THREADS = 2;

describe.runIf(nativeTargets.includes('native'))('8 processes, agent turns on one SQLite file [native]', () => {
  it(`${PROCESSES} × ${TURNS} turns: 0 errors, 0 lost messages`, { timeout: 60_000 + TURNS * 2_000 }, async () => {
    const location = tmpDbUrl('agents');
    const setup = new NativeStore({ id: 'drill-setup', url: location });
    await setup.init();
    await setup.close();
    const started = performance.now();
    const children = Array.from({ length: PROCESSES }, (_, i) => {
      const child = spawn(process.execPath, [join(fixtures, 'agent-turns.mjs'), location, String(i), String(TURNS), String(SHARED_THREADS)], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      return { child, out: lines(child) };
    });
    let reports: any[];
    let turnsMs = 0;
    try {
      await Promise.all(children.map(c => c.out.wait(l => l === 'ready', 30_000)));
      const go = performance.now();
      for (const c of children) c.child.stdin!.write('go\n');
      reports = await Promise.all(children.map(async c => JSON.parse(await c.out.wait(l => l.startsWith('{'), 30_000 + TURNS * 2_000))));
      turnsMs = performance.now() - go;
    } finally {
      for (const c of children) c.child.kill('SIGKILL');
    }
    const errors = reports.flatMap(r => [...r.errors, ...r.turnErrors]);
    expect(errors).toEqual([]);

    // What the processes saved, per thread, against what the file holds.
    const expected = new Map<string, Set<string>>();
    for (const r of reports) for (const [t, ids] of Object.entries<string[]>(r.saved)) for (const id of ids) (expected.get(t) ?? expected.set(t, new Set()).get(t)!).add(id);
    const store = new NativeStore({ id: 'drill-check', url: location });
    let lost = 0;
    let messages = 0;
    try {
      for (const [t, ids] of expected) {
        const { messages: stored } = await store.listMessages({ threadId: t, perPage: false });
        const have = new Set(stored.map(m => m.id));
        lost += [...ids].filter(id => !have.has(id)).length;
        messages += have.size;
        expect(have.size, `thread ${t}`).toBe(ids.size);
      }
    } finally {
      await store.close();
    }
    expect(lost).toBe(0);
    // Each turn stores the user's message and the reply, except that a reply Mastra merged
    // into another process's reply on a shared thread (see agent-turns.mjs) is saved under
    // that message's id.
    const merged = reports.reduce((n, r) => n + r.mergedReplies, 0);
    expect(messages).toBe(PROCESSES * TURNS * 2 - merged);
    expect(expected.size).toBe(PROCESSES + Math.min(SHARED_THREADS, Math.floor(TURNS / 2)));
    // eslint-disable-next-line no-console
    console.log(
      `[drill] 8 processes: ${PROCESSES}×${TURNS} turns in ${Math.round(turnsMs)} ms (${Math.round(performance.now() - started)} ms with startup), ${messages} messages on ${expected.size} threads (${merged} replies merged by Mastra into another's), errors ${errors.length}, lost ${lost}`,
    );
  });
});
