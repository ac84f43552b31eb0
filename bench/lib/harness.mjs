// Runs one scenario with every provider side by side in this process, INTERLEAVED: each
// phase's operations are cut into rounds, and every round runs each provider's slice in
// turn (the order rotating each round), so machine drift hits every provider alike.
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { CheckError } from './data.mjs';
import { byId } from './providers.mjs';

const rotate = (xs, r) => xs.map((_, k) => xs[(k + r) % xs.length]);

// Between slices, outside anyone's timing, the harness lets the previous slice's work
// finish, so each slice pays only for its own:
// - sync(1): SQLite in WAL mode with synchronous=NORMAL leaves its writes to the kernel's
//   writeback, which otherwise lands in whichever slice runs next, mostly a PostgreSQL one
//   whose commits wait on fsync behind it. BENCH_SETTLE=0 (`--no-settle`) turns it off.
// - a pause (BENCH_PAUSE_MS, `--pause=MS`, default 100): gc() returns before V8's
//   background threads finish sweeping, and a provider's own threads may still be busy.
//   On 2 cores that work took a core from the next slice's first calls: NativeStore on
//   PostgreSQL, whose calls need a worker thread as well as the Node thread, and whose
//   slice always follows @mastra/libsql's (the rotation keeps the cyclic order), saw its
//   W1 ×20 p99 go from ~5 ms to ~20 ms, while none of it showed in the server's durations.
// Read when called, not at import: bench/run.mjs sets the environment from its options.
export const betweenSlices = () => ({
  sync: process.env.BENCH_SETTLE !== '0',
  pauseMs: Number(process.env.BENCH_PAUSE_MS ?? 100),
});

export function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  const k = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[k];
}

/**
 * @returns {Promise<{ scenario: string, rows: object[], peakRssMb: number, failures: object[] }>}
 */
export async function runScenario(scenario, { quick, runId, rounds, only, log = () => {} }) {
  const P = scenario.params(quick);
  const ctx = { runId, tag: scenario.tag };
  const ids = (scenario.providers ?? Object.keys(byId).filter(id => !byId[id].raw)).filter(id => !only || only.includes(id));
  const handles = {};
  const states = {};
  const failed = {}; // provider -> error message: it sits out the rest of the scenario
  const fail = (pid, where, error) => {
    if (error instanceof CheckError) throw error; // a wrong answer aborts the whole benchmark
    failed[pid] = `${where}: ${error?.message ?? error}`;
    log(`  ! ${pid} failed in ${where}: ${error?.stack ?? error}`);
  };

  for (const pid of ids) {
    try {
      handles[pid] = await byId[pid].open(ctx, scenario.openArgs?.(P));
      states[pid] = (await scenario.setup?.(handles[pid], P)) ?? {};
    } catch (error) {
      fail(pid, 'setup', error);
    }
  }

  const settle = betweenSlices();
  const rows = [];
  try {
    for (const phase of scenario.phases) {
      const n = phase.ops(P);
      const c = phase.concurrency ?? 1;
      const R = Math.max(1, Math.min(rounds, n));
      const acc = Object.fromEntries(ids.map(pid => [pid, { lat: new Float64Array(n), wall: 0 }]));
      const t0 = performance.now();
      const loads = [];
      for (let r = 0; r < R; r++) {
        loads.push(loadavg()[0]);
        const lo = Math.floor((r * n) / R);
        const hi = Math.floor(((r + 1) * n) / R);
        for (const pid of rotate(ids, r)) {
          if (failed[pid]) continue;
          const h = handles[pid];
          const st = states[pid];
          const lat = acc[pid].lat;
          globalThis.gc?.(); // collect the previous provider's garbage outside anyone's timing
          if (settle.sync) spawnSync('sync', { stdio: 'ignore' }); // and flush its writes, likewise
          if (settle.pauseMs > 0) await new Promise(res => setTimeout(res, settle.pauseMs));
          const w0 = performance.now();
          try {
            // `c` workers; worker k takes the slice's indices i with i % c === k, in order
            // (so a W5 conversation's turns stay sequential while 16 conversations overlap).
            const settled = await Promise.allSettled(
              Array.from({ length: c }, async (_, k) => {
                let i = lo + ((((k - lo) % c) + c) % c);
                for (; i < hi; i += c) {
                  const s = performance.now();
                  const res = await phase.op(h, st, i, P);
                  lat[i] = performance.now() - s;
                  phase.check?.(res, i, P);
                }
              }),
            );
            const bad = settled.find(x => x.status === 'rejected');
            if (bad) throw bad.reason;
          } catch (error) {
            fail(pid, phase.row, error);
          }
          acc[pid].wall += performance.now() - w0;
        }
      }
      for (const pid of ids) {
        if (failed[pid]) continue;
        try {
          await phase.verify?.(handles[pid], states[pid], P);
        } catch (error) {
          fail(pid, `${phase.row} (verify)`, error);
        }
      }
      for (const pid of ids) {
        if (failed[pid]) {
          rows.push({ row: phase.row, provider: pid, error: failed[pid] });
          continue;
        }
        const lat = Array.from(acc[pid].lat).sort((a, b) => a - b);
        const busy = lat.reduce((a, b) => a + b, 0);
        // Sequential: throughput from the ops' own time (checks excluded); concurrent: wall time.
        const ms = c === 1 ? busy : acc[pid].wall;
        const perOp = phase.perOp ?? 1;
        rows.push({
          row: phase.row,
          provider: pid,
          ops: n,
          concurrency: c,
          unit: phase.unit ?? 'op',
          perOp,
          ms,
          opsPerSec: (n * perOp * 1000) / ms,
          p50: percentile(lat, 50),
          p99: percentile(lat, 99),
          load: loads.reduce((a, b) => a + b, 0) / loads.length,
        });
      }
      log(`  ${phase.row}: ${R} rounds × ${ids.length} providers, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
  } finally {
    for (const pid of ids) {
      try {
        await handles[pid]?.close();
      } catch (error) {
        log(`  ! ${pid}: close failed: ${error?.message ?? error}`);
      }
    }
  }
  return {
    scenario: scenario.id,
    rows,
    failures: Object.entries(failed).map(([provider, error]) => ({ provider, error })),
  };
}
