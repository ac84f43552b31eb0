// Memory child: one provider's long statement loop in a process of its own: three
// getThreadById to one listMessages (20 newest) over 10 seeded threads, 8 calls in flight,
// checking each answer, and samples RSS (after a full GC) every `step` calls. Prints one
// JSON line.
//   node --expose-gc bench/rss-loop.mjs <provider> <total> <step> <runId>
import { importNativeStore } from './lib/addon.mjs';
import { check, message, thread } from './lib/data.mjs';
import { byId } from './lib/providers.mjs';

const [provider, total, step, runId] = process.argv.slice(2);
const N = Number(total);
const STEP = Number(step);
if (provider.startsWith('native')) await importNativeStore();

const h = await byId[provider].open({ runId, tag: 'rss' });
const threads = Array.from({ length: 10 }, (_, t) => thread(`rss-t${t}`, 'rss-r', t));
for (const t of threads) {
  await h.memory.saveThread({ thread: t });
  await h.memory.saveMessages({
    messages: Array.from({ length: 40 }, (_, k) => message(`${t.id}-m${String(k).padStart(2, '0')}`, t.id, t.resourceId, k, k % 2 ? 'assistant' : 'user')),
  });
}
const mb = () => {
  globalThis.gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss / 1048576, heap: m.heapUsed / 1048576, external: m.external / 1048576 };
};
const samples = [{ at: 0, ...mb() }];
const LANES = 8;
const call = async i => {
  const t = threads[i % 10];
  if (i % 4 !== 3) {
    const th = await h.memory.getThreadById({ threadId: t.id });
    check(th?.id === t.id, `rss ${provider}: getThreadById ${i}`);
  } else {
    const r = await h.memory.listMessages({ threadId: t.id, perPage: 20, page: 0, orderBy: { field: 'createdAt', direction: 'DESC' }, includeTotal: false });
    check(r.messages.length === 20 && r.messages[0].id === `${t.id}-m39`, `rss ${provider}: listMessages ${i}`);
  }
};
const t0 = performance.now();
for (let done = 0; done < N; ) {
  const end = Math.min(N, done + STEP);
  let next = done;
  await Promise.all(
    Array.from({ length: LANES }, async () => {
      while (next < end) await call(next++);
    }),
  );
  done = end;
  samples.push({ at: done, ...mb() });
}
const seconds = (performance.now() - t0) / 1000;
await h.close();
process.stdout.write(JSON.stringify({ provider, samples, seconds, peakRssMb: process.resourceUsage().maxRSS / 1024 }) + '\n');
process.exit(0);
