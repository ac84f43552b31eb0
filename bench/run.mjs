#!/usr/bin/env node
// mastra-native-store benchmark: NativeStore (release build) vs @mastra/libsql and @mastra/pg,
// side by side and interleaved, every answer checked. `npm run bench` (full, < 15 min on
// 2 cores) or `npm run bench -- --quick` (smoke, < 1 min).
//
// Options: --quick                 ≈10× smaller, 3 rounds, 25k-call RSS loops
//          --only=W1-1,W2,W6,MEM   run only these parts (W1-1 W1-20 W1-500 W2 W3 W4 W5 W6 MEM)
//          --providers=a,b         only these providers (ids as in bench/lib/providers.mjs)
//          --rounds=N              interleaving rounds per phase (default 8, quick 3)
//          --no-settle             no sync(1) between slices (see lib/harness.mjs)
//          --pause=MS              idle time between slices, untimed (default 100; --quick 0)
import { execSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describeAddon, ensureReleaseAddon, importNativeStore, loadedAddon, RELEASE_ADDON, ROOT } from './lib/addon.mjs';
import { runColdStarts, runRssLoops, runWorkloadChild } from './lib/children.mjs';
import { CheckError } from './lib/data.mjs';
import { dropRunSchemas, PG_URL, PROVIDERS, runDir } from './lib/providers.mjs';
import { betweenSlices } from './lib/harness.mjs';
import { buildReport } from './lib/report.mjs';
import { SCENARIOS } from './lib/workloads.mjs';

const argv = process.argv.slice(2);
const opt = name => argv.find(a => a.startsWith(`--${name}=`))?.split('=')[1];
const quick = argv.includes('--quick');
// Read by the workload children (lib/harness.mjs), which inherit this environment.
if (argv.includes('--no-settle')) process.env.BENCH_SETTLE = '0';
// --quick is a smoke test, not for comparison: no pause there, to stay under a minute.
if (opt('pause') !== undefined || quick) {
  const ms = Number(opt('pause') ?? 0);
  // A typo would otherwise silently run without a pause (NaN > 0 is false).
  if (!Number.isFinite(ms) || ms < 0) throw new Error(`--pause=${opt('pause')}: expected milliseconds, a number >= 0`);
  process.env.BENCH_PAUSE_MS = String(ms);
}
const settle = betweenSlices();
const onlyParts = opt('only')?.split(',');
let providers = opt('providers')?.split(',') ?? PROVIDERS.map(p => p.id);
const rounds = Number(opt('rounds') ?? (quick ? 3 : 8));
const wants = part => !onlyParts || onlyParts.includes(part);
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
const log = line => console.log(line);
const anomalies = [];

const sh = cmd => {
  try {
    return execSync(cmd, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '(unavailable)';
  }
};
const pkgVersion = name => {
  try {
    return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return '(not installed)';
  }
};

// 1. The release addon, built if stale, and proof that it is what NativeStore loads.
ensureReleaseAddon({ log });
await importNativeStore();
log(`NativeStore addon loaded: ${loadedAddon()}`);
log(`  ${describeAddon()}`);
if (loadedAddon() !== RELEASE_ADDON) throw new Error('the release addon was not the one loaded');

// 2. PostgreSQL, or the PostgreSQL providers sit out (reported as an anomaly).
let pgVersion = '(not reachable)';
try {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  await c.connect();
  pgVersion = (await c.query('SHOW server_version')).rows[0].server_version;
  await c.end();
} catch (error) {
  const pgIds = PROVIDERS.filter(p => p.engine === 'postgres').map(p => p.id);
  providers = providers.filter(id => !pgIds.includes(id));
  anomalies.push(`PostgreSQL unreachable at ${PG_URL} (${error.message}): ${pgIds.join(', ')} did not run`);
}

const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const makeHeader = (end = []) => [
  `## mastra-native-store benchmark${quick ? ' (--quick)' : ''}`,
  '',
  `- date: ${new Date().toISOString()}`,
  `- machine: ${sh('nproc')} CPUs (${sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").trim()}), ${sh('uname -sr')}`,
  `- node ${process.version}, ${sh('cargo --version')}, ${sh('rustc --version')}, PostgreSQL ${pgVersion}`,
  `- packages: mastra-native-store ${pkgVersion('../.')} @ ${sh('git rev-parse --short HEAD')}${sh('git status --porcelain -- src migrations Cargo.toml') ? ' (uncommitted Rust changes)' : ''}, ` +
    `@mastra/core ${pkgVersion('@mastra/core')}, @mastra/libsql ${pkgVersion('@mastra/libsql')} (@libsql/client ${pkgVersion('@libsql/client')}), ` +
    `@mastra/pg ${pkgVersion('@mastra/pg')}, pg ${pkgVersion('pg')}, better-sqlite3 ${pkgVersion('better-sqlite3')}`,
  `- addon: ${describeAddon()}`,
  `- rounds per phase: ${rounds}; providers: ${providers.join(', ')}; between slices: GC, ${settle.sync ? 'sync(1)' : 'no sync (--no-settle)'}, ${settle.pauseMs} ms pause`,
  `- load average at start: ${loadAtStart}`,
  ...end,
  '',
  '```',
  '$ free -g',
  sh('free -g'),
  '```',
].join('\n');
const loadAtStart = loadavg().map(x => x.toFixed(2)).join(' ');
log(makeHeader().replace(/^## /, ''));

const scenarios = [];
const workloads = [];
let cold = null;
let rss = null;
let aborted = null;
try {
  // 3. The timed workloads, each in a process of its own (W1's three batch sizes share one).
  const groups = new Map();
  for (const s of SCENARIOS) {
    const name = s.id.split('-')[0];
    if (!wants(s.id) && !wants(name)) continue;
    groups.set(name, [...(groups.get(name) ?? []), s]);
  }
  for (const [name, list] of groups) {
    const ids = [...new Set(list.flatMap(s => s.providers ?? PROVIDERS.filter(p => !p.raw).map(p => p.id)))].filter(id =>
      providers.includes(id),
    );
    log(`\n[${elapsed()}] ${name}: ${ids.join(', ')}`);
    const res = await runWorkloadChild(
      name,
      list.map(s => s.id),
      { runId, rounds, quick, only: ids },
    );
    workloads.push(res);
    for (const sr of res.results) {
      scenarios.push(sr);
      for (const f of sr.failures) anomalies.push(`${sr.scenario}: ${f.provider} could not run: ${f.error}`);
      for (const r of sr.rows)
        if (!r.error)
          log(`    ${r.row.padEnd(38)} ${r.provider.padEnd(12)} ${r.opsPerSec.toFixed(0).padStart(9)} ${r.unit}/s  p50 ${r.p50.toFixed(3)}  p99 ${r.p99.toFixed(3)} ms`);
    }
  }
  // 4. W6: cold starts.
  const storeIds = providers.filter(id => !PROVIDERS.find(p => p.id === id).raw);
  if (wants('W6')) {
    log(`\n[${elapsed()}] W6 cold start`);
    cold = await runColdStarts({ runId, runs: quick ? 1 : 5, providers: storeIds, log });
    for (const [pid, r] of Object.entries(cold)) if (r.error) anomalies.push(`W6: ${pid} could not run: ${r.error}`);
  }
  // 5. Memory: long statement loops.
  if (wants('MEM')) {
    const total = quick ? 25_000 : 250_000;
    log(`\n[${elapsed()}] memory: ${total} calls per provider`);
    // RSS, not speed, is measured here: --quick runs every loop at once to stay short.
    rss = await runRssLoops({ runId, total, providers: storeIds, parallel: quick ? storeIds.length : 3, log });
    for (const [pid, r] of Object.entries(rss)) if (r.error) anomalies.push(`memory: ${pid} could not run: ${r.error}`);
  }
} catch (error) {
  aborted = error;
} finally {
  // 6. Teardown: every schema and file of this run.
  try {
    const n = await dropRunSchemas(runId);
    if (n) log(`dropped ${n} leftover PostgreSQL schema(s)`);
  } catch (error) {
    if (providers.includes('pg')) log(`! could not drop this run's schemas: ${error.message}`);
  }
  rmSync(runDir(runId), { recursive: true, force: true });
}

if (aborted) {
  console.error(`\nBENCHMARK ABORTED after ${elapsed()}: ${aborted.message}`);
  if (!(aborted instanceof CheckError)) console.error(aborted.stack);
  process.exit(1);
}

// Context the numbers need: a busy machine, and anchors whose memory grows.
const cpus = availableParallelism();
for (const w of workloads) {
  const rows = w.results.flatMap(r => r.rows).filter(r => r.load != null);
  const load = rows.reduce((a, r) => a + r.load, 0) / (rows.length || 1);
  if (load > cpus) anomalies.push(`${w.workload} ran on a busy machine: mean load average ${load.toFixed(1)} on ${cpus} CPUs (other processes competed; interleaving spreads that over all providers, but p99s are inflated)`);
}
for (const [pid, r] of Object.entries(rss ?? {})) {
  const pts = r.samples?.filter(s => s.at > 0);
  if (!pts?.length || pid.startsWith('native')) continue;
  const growth = (pts.at(-1).rss - pts[0].rss) / pts[0].rss;
  if (growth > 0.1)
    anomalies.push(`note: anchor ${pid}'s RSS grew ${(growth * 100).toFixed(0)}% from ${pts[0].at / 1000}k to ${pts.at(-1).at / 1000}k calls (${(((pts.at(-1).rss - pts[0].rss) * 1048576) / (pts.at(-1).at - pts[0].at)).toFixed(0)} bytes per call retained)`);
}

const { text, misses } = buildReport({
  header: makeHeader([`- load average at end: ${loadavg().map(x => x.toFixed(2)).join(' ')}`, `- wall time: ${elapsed()}`]),
  scenarios,
  workloads,
  cold,
  rss,
  anomalies,
  quick,
  cpus,
});
const file = join(ROOT, 'bench', 'results', quick ? 'quick.md' : onlyParts || opt('providers') ? 'partial.md' : 'latest.md');
writeFileSync(file, text);
log('\n' + text);
log(`written to ${file} (${misses.length} target(s) missed)`);
process.exit(0);
