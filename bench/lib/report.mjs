// Markdown tables for the benchmark's results, with the targets checked.
import { byId } from './providers.mjs';

const fmtRate = x => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const fmtMs = x => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));
const fmtRatio = x => (Number.isFinite(x) ? `${x.toFixed(2)}×` : 'n/a');

/** Speed targets NativeStore / anchor, by engine and row. */
export function targetFor(engine, row) {
  if (engine === 'postgres') return /^W[1235]\b/.test(row) ? 2 : null;
  if (/^W4 listWorkflowRuns/.test(row)) return 5;
  return /^W[1235]\b/.test(row) ? 3 : null;
}

function table(head, rows) {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map(r => `| ${r.join(' | ')} |`)].join('\n');
}

/** Index rows by `${row}\u0000${provider}`, keeping the table's row order. */
function indexRows(scenarios) {
  const at = new Map();
  const order = [];
  for (const s of scenarios)
    for (const r of s.rows) {
      if (!order.includes(r.row)) order.push(r.row);
      at.set(`${r.row}\u0000${r.provider}`, r);
    }
  return { at, order };
}

const cell = r => (!r ? ['—', '—', '—'] : r.error ? ['FAILED', '—', '—'] : [fmtRate(r.opsPerSec), fmtMs(r.p50), fmtMs(r.p99)]);

export function buildReport({ header, scenarios, workloads, cold, rss, anomalies, quick, cpus }) {
  const out = [];
  const misses = [];
  out.push(header);
  const { at, order } = indexRows(scenarios);

  out.push(
    '\nThroughput is ops/s (W1: messages/s), from the operations\' own time (concurrent rows: wall time); p50/p99 are per call, in ms. ' +
      '"ratio" = NativeStore ÷ anchor throughput (above 1 = NativeStore faster). Providers ran interleaved in one process per workload ' +
      '(rounds A B C … with rotating order), each on a fresh file or schema.',
  );
  for (const [native, engineTitle, vsTitle] of [
    ['native-file', 'SQLite file', 'NativeStore vs @mastra/libsql'],
    ['native-mem', 'SQLite :memory:', 'NativeStore vs @mastra/libsql'],
    ['native-pg', 'PostgreSQL', 'NativeStore vs @mastra/pg'],
  ]) {
    const anchor = byId[native].anchor;
    const engine = byId[native].engine;
    const rows = [];
    for (const row of order) {
      const n = at.get(`${row}\u0000${native}`);
      const a = at.get(`${row}\u0000${anchor}`);
      if (!n && !a) continue;
      const ratio = n?.opsPerSec && a?.opsPerSec ? n.opsPerSec / a.opsPerSec : NaN;
      const t = targetFor(engine, row);
      let verdict = '';
      if (t) {
        const ok = ratio >= t;
        verdict = Number.isFinite(ratio) ? `≥${t}× ${ok ? '✓' : '✗'}` : `≥${t}× ?`;
        if (!ok) misses.push(`${engineTitle} — ${row}: ${fmtRatio(ratio)} (target ≥${t}×)`);
      }
      rows.push([row, ...cell(n), ...cell(a), fmtRatio(ratio), verdict]);
    }
    out.push(`\n### ${engineTitle}: ${vsTitle}\n`);
    out.push(table(['workload', 'native ops/s', 'p50', 'p99', `${anchor} ops/s`, 'p50', 'p99', 'ratio', 'target'], rows));
  }

  // Durability: synchronous=FULL against the default NORMAL, on the one-commit-per-call row.
  const normal = at.get(`W1 saveMessages ×1\u0000native-file`);
  const full = at.get(`W1 saveMessages ×1\u0000native-file-full`);
  const libsqlFile = at.get(`W1 saveMessages ×1\u0000libsql-file`);
  if (full) {
    out.push("\n### SQLite file: durability 'full' (synchronous=FULL) on W1 saveMessages ×1\n");
    const r = (a, b) => (a?.opsPerSec && b?.opsPerSec ? fmtRatio(a.opsPerSec / b.opsPerSec) : '?');
    out.push(
      table(
        ['provider', 'ops/s', 'p50', 'p99', "÷ native 'normal'", '÷ @mastra/libsql'],
        [
          ["NativeStore 'normal' (default)", ...cell(normal), '1.00×', r(normal, libsqlFile)],
          ["NativeStore 'full'", ...cell(full), r(full, normal), r(full, libsqlFile)],
        ],
      ),
    );
  }

  // W7: the ceilings.
  const w7 = [];
  for (const row of order.filter(r => r.startsWith('W1'))) {
    const line = [row];
    for (const [native, raw] of [
      ['native-file', 'raw-sqlite'],
      ['native-pg', 'raw-pg'],
    ]) {
      const n = at.get(`${row}\u0000${native}`);
      const c = at.get(`${row}\u0000${raw}`);
      const ratio = n?.opsPerSec && c?.opsPerSec ? n.opsPerSec / c.opsPerSec : NaN;
      let verdict = '';
      if (/×500$/.test(row)) {
        const ok = ratio >= 1 / 1.3;
        verdict = Number.isFinite(ratio) ? ` ${ok ? '✓' : '✗'}` : ' ?';
        if (!ok) misses.push(`W7 ${native} ${row}: ${fmtRatio(ratio)} of the raw ceiling (target ≥ 0.77×, i.e. within 1.3×)`);
      }
      line.push(n?.opsPerSec ? fmtRate(n.opsPerSec) : '—', c?.opsPerSec ? fmtRate(c.opsPerSec) : c?.error ? 'FAILED' : '—', fmtRatio(ratio) + verdict);
    }
    w7.push(line);
  }
  out.push('\n### W7 ceiling: W1 rows inserted raw (messages/s)\n');
  out.push(
    'better-sqlite3: prepared INSERTs, one transaction per batch; node-postgres: one multi-row INSERT per batch. Both into the ' +
      'tables and indexes NativeStore creates, plus the one thread `updatedAt` bump the saveMessages contract needs. Target: W1 ×500 within 1.3× of the ceiling.\n',
  );
  out.push(table(['workload', 'native-file', 'better-sqlite3', 'native/raw', 'native-pg', 'pg multi-row', 'native/raw'], w7));

  // W6: cold start.
  if (cold) {
    const rows = [];
    for (const [pid, r] of Object.entries(cold)) {
      const anchor = byId[pid].anchor;
      let vs = '';
      if (anchor && cold[anchor] && !r.error && !cold[anchor].error) {
        const parts = [];
        for (const k of ['fresh', 'existing']) {
          if (r[k] == null || cold[anchor][k] == null) continue;
          const ok = r[k] <= cold[anchor][k];
          parts.push(`${k} ${(r[k] / cold[anchor][k]).toFixed(2)}× time ${ok ? '✓' : '✗'}`);
          if (!ok) misses.push(`W6 ${pid} cold start (${k}): ${fmtMs(r[k])} ms vs ${anchor} ${fmtMs(cold[anchor][k])} ms (target: no slower)`);
        }
        vs = parts.join(', ');
      }
      rows.push(
        r.error
          ? [pid, 'FAILED', '', '', '', '']
          : [pid, fmtMs(r.fresh), fmtMs(r.freshSelf), r.existing == null ? 'n/a' : fmtMs(r.existing), r.existingSelf == null ? 'n/a' : fmtMs(r.existingSelf), vs],
      );
    }
    const runs = Object.values(cold).find(r => r.runs)?.runs ?? 0;
    out.push(`\n### W6 cold start: process start → first saveThread completed (median of ${runs} runs, ms)\n`);
    out.push(
      '"spawn→done" is measured by the parent from spawn() to the child\'s first output line; "in-process" is the child\'s own ' +
        'performance.now() (time since its time origin). Each child imports its provider, constructs the store, runs init() ' +
        '(as new Mastra() does) and saves one thread. "existing" reopens a database that is already initialised and holds data.\n',
    );
    out.push(table(['provider', 'fresh spawn→done', 'fresh in-process', 'existing spawn→done', 'existing in-process', 'vs anchor (time ≤ 1× is the target)'], rows));
  }

  // Memory.
  if (rss) {
    const rows = [];
    let head = null;
    for (const [pid, r] of Object.entries(rss)) {
      if (r.error) {
        rows.push([pid, 'FAILED: ' + r.error.slice(0, 80)]);
        continue;
      }
      const pts = r.samples.filter(s => s.at > 0);
      head ??= ['provider', 'RSS at start', ...pts.map(s => `after ${s.at / 1000}k`), `growth ${pts[0].at / 1000}k→${pts.at(-1).at / 1000}k`, 'heap at end', 'seconds'];
      const first = pts[0].rss;
      const last = pts.at(-1).rss;
      const growth = (last - first) / first;
      const ok = growth <= 0.1;
      if (pid.startsWith('native') && !ok) misses.push(`RSS ${pid}: grew ${(growth * 100).toFixed(1)}% from ${pts[0].at / 1000}k to ${pts.at(-1).at / 1000}k calls (target ≤ 10%)`);
      rows.push([
        pid,
        r.samples[0].rss.toFixed(0),
        ...pts.map(s => s.rss.toFixed(1)),
        `${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)}% ${pid.startsWith('native') ? (ok ? '✓' : '✗') : ''}`,
        pts.at(-1).heap.toFixed(1),
        r.seconds.toFixed(0),
      ]);
    }
    const total = Object.values(rss).find(r => r.samples)?.samples.at(-1).at ?? 0;
    out.push(`\n### Memory: RSS (MB, after a full GC) over ${total.toLocaleString('en-US')} store calls per provider\n`);
    out.push(
      'Each provider in its own process: three getThreadById to one listMessages(20 newest) over 10 seeded threads, 8 calls in flight, every answer checked. ' +
        'Target for NativeStore: RSS flat within 10% from the first sample (1/5 of the way) to the last. (Several loops ran at a time, so "seconds" is indicative only.)\n',
    );
    out.push(table(head ?? ['provider'], rows));
  }

  // Peak RSS per workload, and how busy the machine was meanwhile.
  out.push('\n### Peak RSS per workload, and the machine\'s load meanwhile\n');
  out.push(
    'Peak RSS is the whole worker process (every provider of that workload, interleaved in one process). ' +
      'Load is the mean 1-minute load average sampled at each round (this machine has ' + cpus + ' CPUs).\n',
  );
  out.push(
    table(
      ['workload', 'peak RSS (MB)', 'mean load avg'],
      workloads.map(w => {
        const rows = w.results.flatMap(r => r.rows).filter(r => r.load != null);
        const load = rows.reduce((a, r) => a + r.load, 0) / (rows.length || 1);
        return [w.workload, w.peakRssMb.toFixed(0), load.toFixed(1)];
      }),
    ),
  );
  out.push('\n### Targets missed\n');
  out.push(misses.length ? misses.map(m => `- ${m}`).join('\n') : '- none');
  out.push('\n### Anomalies\n');
  out.push(anomalies.length ? anomalies.map(m => `- ${m}`).join('\n') : '- none: every provider ran every workload and every check passed');
  if (quick) out.push('\n_--quick: scaled-down smoke run (≈10× smaller); not for comparison._');
  return { text: out.join('\n') + '\n', misses };
}
