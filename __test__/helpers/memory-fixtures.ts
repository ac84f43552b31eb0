// Small builders shared by the memory-domain suites. Every message gets a distinct
// createdAt (BASE + i seconds) so ordering assertions are deterministic.
import { expect } from 'vitest';
import type { MastraDBMessage, StorageThreadType } from '@mastra/core/memory';

/** 2024-01-01T00:00:00.000Z: far enough in the past that any "now" bump is strictly later. */
export const BASE_MS = Date.UTC(2024, 0, 1, 0, 0, 0, 0);

/** The i-th fixture timestamp: BASE + i seconds. */
export const at = (i: number): Date => new Date(BASE_MS + i * 1000);

let seq = 0;
/** A unique id with a readable prefix. */
export const uid = (prefix: string): string => `${prefix}-${process.pid}-${Date.now().toString(36)}-${seq++}`;

export const sleep = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms));

export function makeThread(
  id: string,
  resourceId: string,
  over: Partial<StorageThreadType> = {},
): StorageThreadType {
  return {
    id,
    resourceId,
    title: `Title of ${id}`,
    metadata: {},
    createdAt: at(0),
    updatedAt: at(0),
    ...over,
  };
}

export function textContent(text: string, extra: Record<string, unknown> = {}): MastraDBMessage['content'] {
  return { format: 2, parts: [{ type: 'text', text }], content: text, ...extra } as MastraDBMessage['content'];
}

/** A v2 message at fixture time `i` (BASE + i seconds). */
export function makeMessage(
  id: string,
  threadId: string,
  resourceId: string,
  i: number,
  over: Partial<MastraDBMessage> = {},
): MastraDBMessage {
  return {
    id,
    threadId,
    resourceId,
    role: i % 2 === 0 ? 'user' : 'assistant',
    createdAt: at(i),
    content: textContent(`message ${id}`),
    ...over,
  } as MastraDBMessage;
}

export const idsOf = (rows: { id: string }[]) => rows.map(r => r.id);

/** Resolve to the rejection reason; fail if the promise resolves. (Shared by every suite.) */
export async function rejectionOf(p: Promise<unknown>): Promise<any> {
  let value: unknown;
  try {
    value = await p;
  } catch (err) {
    return err;
  }
  let shown: string;
  try {
    shown = JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(value);
  } catch {
    shown = String(value);
  }
  throw new Error(`expected a rejection, got ${shown}`);
}

/**
 * Checks the NativeStore error shape: a MastraError with id MASTRA_STORAGE_NATIVE_<OP>_FAILED,
 * domain STORAGE, and (when given) its category, stable details.code, op and message.
 */
export function expectNativeError(
  err: any,
  opts: { category?: 'USER' | 'THIRD_PARTY' | 'SYSTEM'; code?: string | RegExp; op?: string; message?: RegExp } = {},
) {
  expect(err).toBeInstanceOf(Error);
  expect(err.constructor?.name).toBe('MastraError');
  expect(err.id).toMatch(/^MASTRA_STORAGE_NATIVE_[A-Z_]+_FAILED$/);
  if (opts.op) expect(err.id).toBe(`MASTRA_STORAGE_NATIVE_${opts.op}_FAILED`);
  expect(err.domain).toBe('STORAGE');
  if (opts.category) expect(err.category).toBe(opts.category);
  if (opts.code instanceof RegExp) expect(String(err.details?.code)).toMatch(opts.code);
  else if (opts.code) expect(err.details?.code).toBe(opts.code);
  if (opts.message) expect(String(err.message)).toMatch(opts.message);
}

/** Mulberry32: a small, fast, seedable PRNG (deterministic across runs and targets). */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const chance = (p: number) => next() < p;
  const subset = <T>(xs: readonly T[], p = 0.5): T[] => xs.filter(() => chance(p));
  return { next, int, pick, chance, subset };
}
export type Rng = ReturnType<typeof prng>;

/** Asserts the value is a real Date equal (to the ms) to `expected`. */
export function expectSameDate(actual: unknown, expected: Date) {
  expect(actual).toBeInstanceOf(Date);
  expect((actual as Date).getTime()).toBe(expected.getTime());
}
