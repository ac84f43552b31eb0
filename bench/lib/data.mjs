// Realistic, deterministic benchmark data: MastraDBMessage v2 messages with ~400-character
// texts, threads with metadata, and 5-6 KB WorkflowRunState-like snapshots.
import { isDeepStrictEqual } from 'node:util';

/** 2024-01-01T00:00:00.000Z: every fixture timestamp is BASE + n seconds. */
export const BASE_MS = Date.UTC(2024, 0, 1);
export const at = s => new Date(BASE_MS + s * 1000);

/** Mulberry32: small seedable PRNG, identical for every provider. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'the agent called a tool to look up the weather and then summarised the forecast for the user ' +
  'who asked about tomorrow in Lisbon; it noted rain in the morning, clearing later, with a ' +
  'high of nineteen degrees and a light breeze from the north west — café, naïve, ✓, 東京, emoji 🚀'
).split(' ');

/** A ~`len`-character text, deterministic in `seed`. */
export function text(seed, len = 400) {
  const r = prng(seed * 7919 + 1);
  let s = `#${seed}:`;
  while (s.length < len) s += ' ' + WORDS[Math.floor(r() * WORDS.length)];
  // Cut by code point: a UTF-16 slice could split an emoji into a lone surrogate.
  return Array.from(s).slice(0, len).join('');
}

/** A MastraDBMessage v2 (format 2, one text part, `content` mirroring the text). */
export function message(id, threadId, resourceId, createdAtSec, role = 'user', seed = createdAtSec) {
  const t = text(seed);
  return {
    id,
    threadId,
    resourceId,
    role,
    createdAt: at(createdAtSec),
    content: { format: 2, parts: [{ type: 'text', text: t }], content: t },
  };
}

/** A thread (createdAt/updatedAt given in fixture seconds). */
export function thread(id, resourceId, createdSec, updatedSec = createdSec, metadata = {}) {
  return { id, resourceId, title: `Conversation ${id}`, metadata, createdAt: at(createdSec), updatedAt: at(updatedSec) };
}

/** A 5-6 KB WorkflowRunState-like snapshot: several steps, a step graph, paths, a result. */
export function snapshot(runId, i) {
  const stepIds = ['fetch-profile', 'classify-intent', 'retrieve-docs', 'call-llm', 'validate', 'persist'];
  const context = { input: { userId: `user-${i % 97}`, query: text(i + 1, 240), options: { locale: 'en-GB', maxTokens: 1024 } } };
  stepIds.forEach((id, k) => {
    context[id] = {
      status: k < 5 ? 'success' : 'running',
      payload: { from: k === 0 ? 'input' : stepIds[k - 1], attempt: 1, args: { k, i } },
      output: k < 5 ? { text: text(i * 10 + k, 500), tokens: 100 + k * 17, score: (k + 1) / 8, items: [k, i % 13, null, true] } : undefined,
      startedAt: 1_700_000_000_000 + i * 1000 + k * 10,
      ...(k < 5 ? { endedAt: 1_700_000_000_000 + i * 1000 + k * 10 + 7 } : {}),
    };
    if (context[id].output === undefined) delete context[id].output;
  });
  const snap = {
    runId,
    status: 'running',
    value: { phase: 'persist', counter: String(i) },
    context,
    serializedStepGraph: stepIds.map((id, k) => ({
      type: k === 2 ? 'parallel' : 'step',
      ...(k === 2
        ? { steps: [{ type: 'step', step: { id, description: `Step ${id}: ${text(k + 50, 60)}` } }] }
        : { step: { id, description: `Step ${id}: ${text(k + 50, 60)}`, component: 'agent' } }),
    })),
    activePaths: [5],
    activeStepsPath: { persist: [5] },
    suspendedPaths: {},
    resumeLabels: {},
    waitingPaths: {},
    requestContext: { tenant: `tenant-${i % 7}`, traceId: `trace-${runId}` },
    result: undefined,
    error: undefined,
    timestamp: 1_700_000_000_000 + i * 1000,
  };
  delete snap.result;
  delete snap.error;
  return snap;
}

/** A structural check that aborts the benchmark: a fast wrong answer must not win. */
export class CheckError extends Error {}
export function check(cond, what, detail) {
  if (!cond) {
    const more = detail === undefined ? '' : `: ${typeof detail === 'string' ? detail : JSON.stringify(detail).slice(0, 400)}`;
    throw new CheckError(`CHECK FAILED: ${what}${more}`);
  }
}

/** Same message payload: id, thread, resource, role, createdAt (to the ms) and content (deep). */
export function sameMessage(got, want) {
  return (
    got?.id === want.id &&
    got.threadId === want.threadId &&
    got.resourceId === want.resourceId &&
    got.role === want.role &&
    new Date(got.createdAt).getTime() === want.createdAt.getTime() &&
    isDeepStrictEqual(got.content, want.content)
  );
}

export { isDeepStrictEqual as deepEqual };
