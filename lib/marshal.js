// Marshalling between Mastra's JS shapes and the Rust core's JSON text, and the one place
// Rust errors become MastraErrors. No data logic lives here.
import { ErrorCategory, ErrorDomain, MastraError } from '@mastra/core/error';

// `[CODE] text`, or `[CODE retry=safe] text` / `[CODE outcome=unknown] text` (src/error.rs `Retry`).
const CODE = /^\[([A-Z0-9_]+)(?: (retry=safe|outcome=unknown))?\] ([\s\S]*)$/;
const USER_CODES = new Set(['INVALID_ARGUMENT', 'NOT_FOUND', 'CONFLICT', 'UNSUPPORTED']);

/**
 * Wrap an error from the native core (message `[CODE] text`) as a MastraError with id
 * MASTRA_STORAGE_NATIVE_<OP>_FAILED; bad input is category USER, the rest THIRD_PARTY.
 * `details.retryable` says whether the call may simply run again: true only when the core
 * knows the failure is transient and the call changed nothing (a lost connection on a read
 * or before anything was sent, a transaction that never committed, a lock). A write whose
 * connection was lost before its commit was confirmed has `outcome: 'unknown'` instead.
 */
export function storageError(op, error, details = {}) {
  if (error instanceof MastraError) return error;
  const m = CODE.exec(error?.message ?? '');
  const code = m?.[1] ?? 'UNKNOWN';
  const text = m?.[3] ?? String(error?.message ?? error);
  if (error && typeof error === 'object' && m) error.code = code;
  const extra = code === 'NOT_FOUND' ? { status: 404 } : {};
  extra.retryable = m?.[2] === 'retry=safe';
  if (m?.[2] === 'outcome=unknown') extra.outcome = 'unknown';
  return new MastraError(
    {
      id: `MASTRA_STORAGE_NATIVE_${op}_FAILED`,
      domain: ErrorDomain.STORAGE,
      category: USER_CODES.has(code) ? ErrorCategory.USER : ErrorCategory.THIRD_PARTY,
      text,
      details: { ...details, ...extra, code },
    },
    error,
  );
}

/** A USER error raised in JS before anything reaches the core (input JSON cannot express). */
export function userError(op, text, details = {}) {
  return new MastraError({
    id: `MASTRA_STORAGE_NATIVE_${op}_FAILED`,
    domain: ErrorDomain.STORAGE,
    category: ErrorCategory.USER,
    text,
    details: { ...details, code: 'INVALID_ARGUMENT' },
  });
}

/** JSON text of a payload; values JSON cannot hold (BigInt, cycles) are a USER error. */
export function toJson(op, value) {
  try {
    return JSON.stringify(value);
  } catch (error) {
    throw userError(op, `value is not JSON-serialisable: ${error?.message ?? error}`);
  }
}

// JSON turns NaN, ±Infinity and invalid Dates into null, which would read as "not given".
// Send non-finite numbers as strings so the core rejects them (perPage: NaN is an error, not
// the default), and refuse invalid Dates outright. `this[key]` is the value before toJSON.
function keepNonFinite(key, v) {
  const original = this[key];
  if (original instanceof Date && Number.isNaN(original.getTime())) throw new RangeError(`${key} is an invalid Date`);
  return typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
}

/** JSON text of a small argument object (list options), keeping non-finite numbers visible. */
export function argsJson(op, value) {
  try {
    return JSON.stringify(value ?? {}, keepNonFinite);
  } catch (error) {
    throw userError(op, `arguments are not JSON-serialisable: ${error?.message ?? error}`);
  }
}

/** Revive a thread's timestamps. */
export function reviveThread(t) {
  if (t) {
    t.createdAt = new Date(t.createdAt);
    t.updatedAt = new Date(t.updatedAt);
  }
  return t;
}

/** Revive a message's timestamp. */
export function reviveMessage(m) {
  m.createdAt = new Date(m.createdAt);
  return m;
}

/** Revive a resource's timestamps. */
export function reviveResource(r) {
  if (r) {
    r.createdAt = new Date(r.createdAt);
    r.updatedAt = new Date(r.updatedAt);
  }
  return r;
}
