// One timed workload (one or more scenarios, e.g. W1's three batch sizes) in a process of its
// own, so its peak RSS is its own; every provider side by side and interleaved. Started by
// bench/run.mjs with --expose-gc:
//   node --expose-gc bench/worker.mjs <scenarioId,...> <out.json> <runId> <rounds> <quick|full> [providers,...]
import { writeFileSync } from 'node:fs';
import { importNativeStore, loadedAddon } from './lib/addon.mjs';
import { runScenario } from './lib/harness.mjs';
import { scenarioById } from './lib/workloads.mjs';

const [ids, out, runId, rounds, quick, only] = process.argv.slice(2);
const scenarios = ids.split(',').map(id => {
  if (!scenarioById[id]) throw new Error(`unknown scenario ${id}`);
  return scenarioById[id];
});

await importNativeStore(); // throws unless the release addon is the one loaded
const results = [];
for (const scenario of scenarios) {
  process.stderr.write(`  ${scenario.id}\n`);
  results.push(
    await runScenario(scenario, {
      quick: quick === 'quick',
      runId,
      rounds: Number(rounds),
      only: only ? only.split(',') : null,
      log: line => process.stderr.write(line + '\n'),
    }),
  );
}
writeFileSync(out, JSON.stringify({ results, peakRssMb: process.resourceUsage().maxRSS / 1024, addon: loadedAddon() }, null, 1));
// Pools (pg idle timers and the like) must not keep a finished scenario alive.
process.exit(0);
