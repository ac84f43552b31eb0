// The timed workloads, as data. A scenario opens a fresh store per provider (its own file or
// schema), seeds it (untimed), then runs its phases in order; each phase is one table row,
// run interleaved across providers in rounds by harness.mjs. `op` is timed; `check` runs
// after each op and `verify` after the phase (both untimed): a failed check aborts the run.
//
//   { id, tag, providers?, params(quick) -> P, setup?(h, P) -> state,
//     phases: [{ row, unit?, perOp?, concurrency?, ops(P), op(h, state, i, P), check?(res, i, P), verify?(h, state, P) }] }
import { at, check, deepEqual, message, sameMessage, snapshot, thread } from './data.mjs';
import { DURABILITY_PROVIDERS, RAW_PROVIDERS, STORE_PROVIDERS } from './providers.mjs';

const DESC = { field: 'createdAt', direction: 'DESC' };
const ASC = { field: 'createdAt', direction: 'ASC' };
const pad = (n, w = 3) => String(n).padStart(w, '0');

/** Run `fn` over `items` with at most `c` in flight (for untimed seeding). */
async function pool(items, c, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(c, items.length) }, async () => {
      while (next < items.length) {
        const k = next++;
        await fn(items[k], k);
      }
    }),
  );
}

// ---- W1 saveMessages ------------------------------------------------------------------------

/** W1 data: `threads` threads of 100 messages each, thread-major (a batch of <=100 is one thread). */
function w1Params(quick, batch) {
  const threads = quick ? 10 : 200; // --quick: 1,000 messages
  const perThread = 100;
  const ts = Array.from({ length: threads }, (_, t) => thread(`w1-t${pad(t)}`, `w1-r${t % 10}`, t));
  const msgs = [];
  for (const t of ts)
    for (let k = 0; k < perThread; k++)
      msgs.push(message(`${t.id}-m${pad(k)}`, t.id, t.resourceId, k, k % 2 ? 'assistant' : 'user', msgs.length));
  const batches = [];
  for (let i = 0; i < msgs.length; i += batch) batches.push(msgs.slice(i, i + batch));
  return { threads: ts, perThread, msgs, batch, batches };
}

function w1Scenario(batch) {
  return {
    id: `W1-${batch}`,
    tag: `w1_${batch}`,
    // W1 ×1 (one commit per message) also measures what durability 'full' costs.
    providers: [...STORE_PROVIDERS, ...RAW_PROVIDERS, ...(batch === 1 ? DURABILITY_PROVIDERS : [])],
    params: quick => w1Params(quick, batch),
    openArgs: P => ({ threads: P.threads }),
    async setup(h, P) {
      if (!h.raw) await pool(P.threads, 8, t => h.memory.saveThread({ thread: t }));
    },
    phases: [
      {
        row: `W1 saveMessages ×${batch}`,
        unit: 'msg',
        perOp: batch,
        ops: P => P.batches.length,
        op: (h, _s, i, P) => (h.raw ? h.raw.saveMessages(P.batches[i]) : h.memory.saveMessages({ messages: P.batches[i] })),
        check(res, i, P) {
          const want = P.batches[i];
          if (typeof res === 'number') return check(res === want.length, `W1 raw batch ${i} saved ${res}`);
          check(res?.messages?.length === want.length, `W1 saveMessages #${i} returned ${res?.messages?.length} of ${want.length}`);
          if (i % 50 === 0) check(sameMessage(res.messages[0], want[0]), `W1 saveMessages #${i} returned a different message`, res.messages[0]);
        },
        async verify(h, _s, P) {
          // Every thread holds exactly its 100 messages…
          for (const t of P.threads) {
            const n = h.raw
              ? await h.raw.count(t.id)
              : (await h.memory.listMessages({ threadId: t.id, perPage: 1, page: 0 })).total;
            check(n === P.perThread, `W1 thread ${t.id} holds ${n} messages, want ${P.perThread}`);
          }
          // …and sampled threads read back in order with equal payloads.
          for (const t of [P.threads[0], P.threads[P.threads.length >> 1], P.threads.at(-1)]) {
            const want = P.msgs.filter(m => m.threadId === t.id);
            if (h.raw) {
              const rows = await h.raw.rows(t.id);
              check(rows.length === want.length, `W1 raw ${t.id} read ${rows.length}`);
              rows.forEach((r, k) => check(r.id === want[k].id && deepEqual(r.content, want[k].content), `W1 raw ${t.id} row ${k}`, r));
            } else {
              const got = (await h.memory.listMessages({ threadId: t.id, perPage: false, orderBy: ASC })).messages;
              check(got.length === want.length, `W1 ${t.id} listed ${got.length} of ${want.length}`);
              got.forEach((m, k) => check(sameMessage(m, want[k]), `W1 ${t.id} message ${k} differs`, { got: m, want: want[k] }));
            }
          }
        },
      },
    ],
  };
}

// ---- W2 listMessages -----------------------------------------------------------------------

const W2_INCLUDE_AT = [10, 30, 50]; // all older than the newest 40 of 100

function w2Params(quick) {
  const threads = Array.from({ length: quick ? 5 : 10 }, (_, t) => thread(`w2-t${t}`, 'w2-r', t));
  const byThread = threads.map(t =>
    Array.from({ length: 100 }, (_, k) => message(`${t.id}-m${pad(k)}`, t.id, t.resourceId, k, k % 2 ? 'assistant' : 'user', k * 31 + t.createdAt.getTime() / 1000)),
  );
  const newest40 = byThread.map(ms => ms.slice(60).reverse());
  const include = threads.map(t => W2_INCLUDE_AT.map(k => ({ id: `${t.id}-m${pad(k)}`, withPreviousMessages: 2, withNextMessages: 2 })));
  // DESC over everything returned: the page, then each ±2 window, newest first.
  const withInclude = byThread.map((ms, t) => [
    ...newest40[t],
    ...[...W2_INCLUDE_AT].reverse().flatMap(k => ms.slice(k - 2, k + 3).reverse()),
  ]);
  return { threads, byThread, newest40, include, withInclude, ops: quick ? 60 : 1000 };
}

function w2Phase(row, args, expected, { total } = {}) {
  return {
    row,
    ops: P => P.ops,
    op: (h, _s, i, P) => h.memory.listMessages(args(P, i % P.threads.length)),
    check(res, i, P) {
      const t = i % P.threads.length;
      const want = expected(P, t);
      const got = res?.messages;
      check(got?.length === want.length, `${row} #${i}: ${got?.length} messages, want ${want.length}`);
      for (let k = 0; k < want.length; k++) check(got[k].id === want[k].id, `${row} #${i}: message ${k} is ${got[k].id}, want ${want[k].id}`);
      if (i % 25 === 0) got.forEach((m, k) => check(sameMessage(m, want[k]), `${row} #${i}: payload of ${m.id}`, { got: m, want: want[k] }));
      if (total) check(res.total === 100 && res.hasMore === true, `${row} #${i}: total ${res.total} hasMore ${res.hasMore}`);
    },
  };
}

const W2 = {
  id: 'W2',
  tag: 'w2',
  params: w2Params,
  async setup(h, P) {
    for (const [t, th] of P.threads.entries()) {
      await h.memory.saveThread({ thread: th });
      await h.memory.saveMessages({ messages: P.byThread[t] });
    }
  },
  phases: [
    w2Phase(
      'W2 listMessages newest 40/100',
      (P, t) => ({ threadId: P.threads[t].id, perPage: 40, page: 0, orderBy: DESC, includeTotal: false }),
      (P, t) => P.newest40[t],
    ),
    w2Phase(
      'W2 … + include 3 ids ±2',
      (P, t) => ({ threadId: P.threads[t].id, perPage: 40, page: 0, orderBy: DESC, includeTotal: false, include: P.include[t] }),
      (P, t) => P.withInclude[t],
    ),
    w2Phase(
      'W2 … with total',
      (P, t) => ({ threadId: P.threads[t].id, perPage: 40, page: 0, orderBy: DESC }),
      (P, t) => P.newest40[t],
      { total: true },
    ),
  ],
};

// ---- W3 listThreads ------------------------------------------------------------------------

const TIERS = ['gold', 'silver', 'bronze', 'free'];

function w3Params(quick) {
  const total = quick ? 500 : 5000;
  const main = quick ? 100 : 1000;
  const others = total - main;
  // A deterministic permutation of updatedAt seconds, so "newest" is spread over insert order.
  const perm = Array.from({ length: total }, (_, k) => (k * 7919) % total); // 7919 is prime, coprime to total
  const threads = [];
  let m = 0;
  for (let k = 0; k < total; k++) {
    // Every 5th thread (while any are left) belongs to the main resource.
    const isMain = m < main && (k % Math.round(total / main) === 0 || total - k <= main - m);
    const resourceId = isMain ? 'w3-main' : `w3-r${k % 40}`;
    if (isMain) m++;
    threads.push(
      thread(`w3-t${pad(k, 5)}`, resourceId, k, 100_000 + perm[k], { tier: TIERS[k % 4], index: k, plan: { seats: k % 10, trial: k % 3 === 0 } }),
    );
  }
  const mainThreads = threads.filter(t => t.resourceId === 'w3-main').sort((a, b) => b.updatedAt - a.updatedAt);
  const gold = mainThreads.filter(t => t.metadata.tier === 'gold');
  check(mainThreads.length === main && others > 0, `W3 fixture: ${mainThreads.length} main threads`);
  return { threads, mainThreads, gold, ops: quick ? 60 : 1000 };
}

function w3Phase(row, metadata, pick) {
  return {
    row,
    ops: P => P.ops,
    op: h =>
      h.memory.listThreads({
        filter: { resourceId: 'w3-main', ...(metadata ? { metadata } : {}) },
        page: 0,
        perPage: 20,
        orderBy: { field: 'updatedAt', direction: 'DESC' },
      }),
    check(res, i, P) {
      const all = pick(P);
      const want = all.slice(0, 20);
      check(res?.threads?.length === 20, `${row} #${i}: ${res?.threads?.length} threads`);
      check(res.total === all.length && res.hasMore === true, `${row} #${i}: total ${res.total} (want ${all.length}) hasMore ${res.hasMore}`);
      res.threads.forEach((t, k) => check(t.id === want[k].id, `${row} #${i}: thread ${k} is ${t.id}, want ${want[k].id}`));
      if (i % 25 === 0)
        res.threads.forEach((t, k) =>
          check(
            deepEqual(t.metadata, want[k].metadata) &&
              t.title === want[k].title &&
              t.resourceId === 'w3-main' &&
              new Date(t.updatedAt).getTime() === want[k].updatedAt.getTime() &&
              new Date(t.createdAt).getTime() === want[k].createdAt.getTime(),
            `${row} #${i}: thread ${t.id} payload`,
            { got: t, want: want[k] },
          ),
        );
    },
  };
}

const W3 = {
  id: 'W3',
  tag: 'w3',
  params: w3Params,
  async setup(h, P) {
    await pool(P.threads, 8, t => h.memory.saveThread({ thread: t }));
  },
  phases: [
    w3Phase('W3 listThreads 20 of 1000/5000', null, P => P.mainThreads),
    w3Phase('W3 … + metadata filter', { tier: 'gold' }, P => P.gold),
  ],
};

// ---- W4 workflows --------------------------------------------------------------------------

const W4_NAMES = 4;

function w4Params(quick) {
  const runs = quick ? 120 : 2000;
  const snaps = Array.from({ length: runs }, (_, i) => snapshot(`run-${pad(i, 5)}`, i));
  // Per workflow: its runs newest first (createdAt = at(i), strictly increasing).
  const byName = Array.from({ length: W4_NAMES }, (_, w) =>
    snaps.map((s, i) => ({ runId: s.runId, i })).filter(r => r.i % W4_NAMES === w).reverse(),
  );
  return { runs, snaps, byName, listOps: quick ? 24 : 300 };
}

const W4 = {
  id: 'W4',
  tag: 'w4',
  params: w4Params,
  phases: [
    {
      row: 'W4 persistWorkflowSnapshot (5.5 KB)',
      ops: P => P.runs,
      op: (h, _s, i, P) =>
        h.workflows.persistWorkflowSnapshot({
          workflowName: `wf-${i % W4_NAMES}`,
          runId: P.snaps[i].runId,
          resourceId: `res-${i % 50}`,
          snapshot: P.snaps[i],
          createdAt: at(i),
          updatedAt: at(i),
        }),
    },
    {
      row: 'W4 loadWorkflowSnapshot',
      ops: P => P.runs,
      op: (h, _s, i, P) => h.workflows.loadWorkflowSnapshot({ workflowName: `wf-${i % W4_NAMES}`, runId: P.snaps[i].runId }),
      check(res, i, P) {
        check(deepEqual(res, P.snaps[i]), `W4 loadWorkflowSnapshot #${i} differs`, { got: res });
      },
    },
    {
      row: 'W4 listWorkflowRuns page of 50',
      ops: P => P.listOps,
      op: (h, _s, i) => h.workflows.listWorkflowRuns({ workflowName: `wf-${i % W4_NAMES}`, page: 0, perPage: 50 }),
      check(res, i, P) {
        const w = i % W4_NAMES;
        const want = P.byName[w];
        check(res?.runs?.length === Math.min(50, want.length), `W4 listWorkflowRuns #${i}: ${res?.runs?.length} runs`);
        check(res.total === want.length, `W4 listWorkflowRuns #${i}: total ${res.total}, want ${want.length}`);
        res.runs.forEach((r, k) =>
          check(r.runId === want[k].runId && r.workflowName === `wf-${w}`, `W4 listWorkflowRuns #${i}: run ${k} is ${r.runId}, want ${want[k].runId}`),
        );
        if (i % 10 === 0) {
          const r = res.runs[i % res.runs.length];
          const snap = typeof r.snapshot === 'string' ? JSON.parse(r.snapshot) : r.snapshot;
          check(deepEqual(snap, P.snaps[Number(r.runId.slice(4))]), `W4 listWorkflowRuns #${i}: snapshot of ${r.runId} differs`);
          check(new Date(r.createdAt).getTime() === at(Number(r.runId.slice(4))).getTime(), `W4 listWorkflowRuns #${i}: createdAt of ${r.runId}`);
        }
      },
    },
  ],
};

// ---- W5 agent turn -------------------------------------------------------------------------

const CONVERSATIONS = 16;
const SEEDED = 40;

function w5Params(quick) {
  const turns = quick ? 64 : 2000;
  const sets = ['seq', 'conc'].map(set =>
    Array.from({ length: CONVERSATIONS }, (_, c) => {
      const t = thread(`w5-${set}-c${pad(c, 2)}`, `w5-user-${c}`, c, c, { channel: 'web', turns: 0 });
      const seeded = Array.from({ length: SEEDED }, (_, k) => message(`${t.id}-s${pad(k)}`, t.id, t.resourceId, k, k % 2 ? 'assistant' : 'user', c * 1000 + k));
      // Each turn's two messages, built here so the timed turn measures store calls only.
      const turnMsgs = Array.from({ length: Math.ceil(turns / CONVERSATIONS) }, (_, seq) => {
        const s = SEEDED + 2 * seq;
        return [
          message(`${t.id}-turn${pad(seq, 4)}-u`, t.id, t.resourceId, s, 'user', c * 1000 + s),
          message(`${t.id}-turn${pad(seq, 4)}-a`, t.id, t.resourceId, s + 1, 'assistant', c * 1000 + s + 1),
        ];
      });
      return { thread: t, seeded, turnMsgs };
    }),
  );
  return { turns, sets };
}

/** One agent turn on conversation `i % 16` of a set: read thread, recall 20, save 2, update metadata. */
async function agentTurn(h, P, set, i) {
  const c = i % CONVERSATIONS;
  const seq = Math.floor(i / CONVERSATIONS);
  const { thread: t, seeded, turnMsgs } = P.sets[set][c];
  const th = await h.memory.getThreadById({ threadId: t.id });
  check(th?.id === t.id && th.metadata?.turns === seq, `W5 turn ${i}: thread ${t.id} turns=${th?.metadata?.turns}, want ${seq}`);
  const recalled = await h.memory.listMessages({ threadId: t.id, perPage: 20, page: 0, orderBy: DESC, includeTotal: false });
  const lastId = seq === 0 ? seeded.at(-1).id : `${t.id}-turn${pad(seq - 1, 4)}-a`;
  check(recalled.messages.length === 20 && recalled.messages[0].id === lastId, `W5 turn ${i}: recalled ${recalled.messages.length}, newest ${recalled.messages[0]?.id}, want ${lastId}`);
  await h.memory.saveMessages({ messages: turnMsgs[seq] });
  await h.memory.updateThread({ id: t.id, title: th.title, metadata: { ...th.metadata, turns: seq + 1 } });
}

function w5Phase(row, set, concurrency) {
  return {
    row,
    concurrency,
    ops: P => P.turns,
    op: (h, _s, i, P) => agentTurn(h, P, set, i),
    async verify(h, _s, P) {
      for (const [c, { thread: t }] of P.sets[set].entries()) {
        const turns = Math.floor(P.turns / CONVERSATIONS) + (c < P.turns % CONVERSATIONS ? 1 : 0);
        const th = await h.memory.getThreadById({ threadId: t.id });
        check(th.metadata.turns === turns && th.metadata.channel === 'web', `W5 ${t.id}: metadata`, th.metadata);
        const all = await h.memory.listMessages({ threadId: t.id, perPage: false, orderBy: ASC });
        check(all.messages.length === SEEDED + 2 * turns, `W5 ${t.id}: ${all.messages.length} messages, want ${SEEDED + 2 * turns}`);
        check(all.messages.at(-1).id === `${t.id}-turn${pad(turns - 1, 4)}-a`, `W5 ${t.id}: last message ${all.messages.at(-1).id}`);
      }
    },
  };
}

const W5 = {
  id: 'W5',
  tag: 'w5',
  params: w5Params,
  async setup(h, P) {
    for (const set of Object.values(P.sets))
      for (const { thread: t, seeded } of set) {
        await h.memory.saveThread({ thread: t });
        await h.memory.saveMessages({ messages: seeded });
      }
  },
  phases: [w5Phase('W5 agent turn (sequential)', 0, 1), w5Phase('W5 agent turn (16 concurrent)', 1, CONVERSATIONS)],
};

/** Every timed scenario, in run order. */
export const SCENARIOS = [w1Scenario(1), w1Scenario(20), w1Scenario(500), W2, W3, W4, W5];
export const scenarioById = Object.fromEntries(SCENARIOS.map(s => [s.id, s]));
