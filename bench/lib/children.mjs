// The benchmark's child processes: timed scenarios (worker.mjs), W6 cold starts
// (coldstart.mjs) and the long RSS loops (rss-loop.mjs).
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { RELEASE_ADDON, ROOT } from './addon.mjs';
import { CheckError } from './data.mjs';
import { runDir, schemaPrefix, STORE_PROVIDERS } from './providers.mjs';

const median = xs => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
const rotate = (xs, r) => xs.map((_, k) => xs[(k + r) % xs.length]);

/** Spawn node with the release addon selected; resolve with { code, stdout, stderr, firstLineMs }. */
function node(args, { echoStderr = false } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: RELEASE_ADDON },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let firstLineMs = null;
    child.stdout.on('data', d => {
      stdout += d;
      if (firstLineMs === null && stdout.includes('\n')) firstLineMs = performance.now() - t0;
    });
    child.stderr.on('data', d => {
      stderr += d;
      if (echoStderr) process.stderr.write(d);
    });
    child.on('error', reject);
    child.on('close', code => resolve({ code, stdout, stderr, firstLineMs }));
  });
}

/** Run one workload's scenarios in a process of its own. A failed check (or crash) aborts the benchmark. */
export async function runWorkloadChild(name, ids, { runId, rounds, quick, only }) {
  const dir = join(runDir(runId), 'results');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `${name}.json`);
  const args = ['--expose-gc', 'bench/worker.mjs', ids.join(','), out, runId, String(rounds), quick ? 'quick' : 'full'];
  if (only) args.push(only.join(','));
  const r = await node(args, { echoStderr: true });
  if (r.code !== 0) {
    const msg = r.stderr.split('\n').find(l => l.includes('CHECK FAILED')) ?? r.stderr.trim().split('\n').slice(-8).join('\n');
    throw new CheckError(`workload ${name} aborted (exit ${r.code}): ${msg}`);
  }
  return { workload: name, ...JSON.parse(readFileSync(out, 'utf8')) };
}

/**
 * W6: process start -> first saveThread completed, per provider, on a fresh database and on
 * an existing one (file or schema already initialised and holding data). Interleaved runs.
 */
export async function runColdStarts({ runId, runs, providers = STORE_PROVIDERS, log = () => {} }) {
  const dir = join(runDir(runId), 'w6');
  mkdirSync(dir, { recursive: true });
  const prefix = `${schemaPrefix(runId)}w6_`;
  const isPg = pid => pid === 'native-pg' || pid === 'pg';
  const isMem = pid => pid.endsWith('-mem');
  const loc = (pid, kind, r) =>
    isMem(pid)
      ? ':memory:'
      : isPg(pid)
        ? `${prefix}${pid.replace(/-/g, '_')}_${kind === 'existing' ? 'existing' : `f${r}`}`
        : join(dir, `${pid}-${kind === 'existing' ? 'existing' : `fresh${r}`}.db`);
  let seq = 0;
  const once = async (pid, location) => {
    const tid = `cold-${pid}-${seq++}`;
    const r = await node(['bench/coldstart.mjs', pid, location, tid]);
    if (r.code !== 0) throw new Error(`cold start of ${pid} failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-5).join(' | ')}`);
    const line = JSON.parse(r.stdout.trim().split('\n')[0]);
    if (!line.ok) throw new CheckError(`CHECK FAILED: W6 ${pid}: the thread saved at cold start was not read back`);
    if (pid.startsWith('native') && line.addon !== RELEASE_ADDON) throw new CheckError(`W6 ${pid} loaded ${line.addon}, not the release addon`);
    return { wall: r.firstLineMs, self: line.ms };
  };
  const res = Object.fromEntries(providers.map(p => [p, { fresh: [], existing: [], freshSelf: [], existingSelf: [] }]));
  const errors = {};
  for (let r = 0; r < runs; r++) {
    for (const pid of rotate(providers, r)) {
      if (errors[pid]) continue;
      try {
        // Run 0's fresh start creates the database that the "existing" starts then reopen.
        const freshLoc = r === 0 ? loc(pid, 'existing', 0) : loc(pid, 'fresh', r);
        const f = await once(pid, freshLoc);
        res[pid].fresh.push(f.wall);
        res[pid].freshSelf.push(f.self);
        if (r > 0 && !isPg(pid) && !isMem(pid)) for (const s of ['', '-wal', '-shm']) rmSync(freshLoc + s, { force: true });
        if (!isMem(pid)) {
          const e = await once(pid, loc(pid, 'existing', r));
          res[pid].existing.push(e.wall);
          res[pid].existingSelf.push(e.self);
        }
      } catch (error) {
        if (error instanceof CheckError) throw error;
        errors[pid] = error.message;
        log(`  ! W6 ${pid}: ${error.message}`);
      }
    }
    log(`  W6 cold start: run ${r + 1}/${runs} done`);
  }
  return Object.fromEntries(
    providers.map(pid => [
      pid,
      errors[pid]
        ? { error: errors[pid] }
        : {
            runs: res[pid].fresh.length,
            fresh: median(res[pid].fresh),
            freshSelf: median(res[pid].freshSelf),
            existing: res[pid].existing.length ? median(res[pid].existing) : null,
            existingSelf: res[pid].existingSelf.length ? median(res[pid].existingSelf) : null,
          },
    ]),
  );
}

/** Memory: each provider's long statement loop in its own process, `parallel` at a time (RSS, not speed, is measured). */
export async function runRssLoops({ runId, total, providers = STORE_PROVIDERS, parallel = 3, log = () => {} }) {
  const step = total / 5;
  const out = {};
  // The PostgreSQL loops mostly wait on the server: start them first, beside the SQLite ones.
  const queue = [...providers].sort((a, b) => b.endsWith('pg') - a.endsWith('pg'));
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (queue.length) {
        const pid = queue.shift();
        const r = await node(['--expose-gc', 'bench/rss-loop.mjs', pid, String(total), String(step), runId]);
        if (r.code !== 0) {
          if (r.stderr.includes('CHECK FAILED')) throw new CheckError(r.stderr.split('\n').find(l => l.includes('CHECK FAILED')));
          out[pid] = { error: r.stderr.trim().split('\n').slice(-5).join(' | ') };
          log(`  ! RSS ${pid}: ${out[pid].error}`);
          continue;
        }
        out[pid] = JSON.parse(r.stdout.trim().split('\n').at(-1));
        log(`  RSS ${pid}: ${total} calls in ${out[pid].seconds.toFixed(1)} s`);
      }
    }),
  );
  return out;
}
