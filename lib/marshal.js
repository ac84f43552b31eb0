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

// Fields that hold the caller's own data, not walked into: JSON's NaN-to-null inside them
// is theirs to keep, as in @mastra/libsql. Anywhere else a non-finite number is a mistyped
// argument, except as a whole value where any JSON value is allowed (a step's result).
const DATA_KEYS = new Set(['metadata', 'snapshot', 'content', 'result', 'requestContext', 'value', 'context', 'output', 'model']);
const ANY_VALUE_KEYS = new Set(['result', 'value', 'output']);

/**
 * Refuse NaN and ±Infinity in an argument's own fields (two levels: a thread's title, a
 * message's createdAt, a workflow update's opts.status), which JSON would silently turn
 * into null, i.e. "not given". A walk over a few keys, not a JSON.stringify replacer
 * (which would slow every large save).
 */
function rejectNonFinite(op, value) {
  const walk = (o, prefix, depth) => {
    for (const k in o) {
      const v = o[k];
      if (typeof v === 'number' && !Number.isFinite(v) && !ANY_VALUE_KEYS.has(k)) {
        throw userError(op, `${prefix}${k} must be a finite number or a string, got ${v}`, { field: `${prefix}${k}` });
      }
      if (depth < 2 && !DATA_KEYS.has(k) && v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)) walk(v, `${prefix}${k}.`, depth + 1);
    }
  };
  if (Array.isArray(value)) {
    value.forEach((x, i) => {
      if (typeof x === 'number' && !Number.isFinite(x)) throw userError(op, `[${i}] must be a finite number or a string, got ${x}`);
      if (x && typeof x === 'object') walk(x, `[${i}].`, 1);
    });
  } else if (value && typeof value === 'object') {
    walk(value, '', 0);
  }
}

/** JSON text of a payload; values JSON cannot hold (BigInt, cycles) are a USER error. */
export function toJson(op, value) {
  rejectNonFinite(op, value);
  try {
    return JSON.stringify(value);
  } catch (error) {
    throw userError(op, `value is not JSON-serialisable: ${error?.message ?? error}`);
  }
}

// JSON turns NaN, ±Infinity and invalid Dates into null, which would read as "not given".
// Send non-finite numbers as a marker object no field accepts, so the core rejects them
// wherever they stand (perPage: NaN is an error, not the default; an id of NaN is not the
// string "NaN"), and refuse invalid Dates outright. `this[key]` is the value before toJSON.
function keepNonFinite(key, v) {
  const original = this[key];
  if (original instanceof Date && Number.isNaN(original.getTime())) throw new RangeError(`${key} is an invalid Date`);
  return typeof v === 'number' && !Number.isFinite(v) ? { $nonFinite: String(v) } : v;
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

// ---- argument types, checked before anything reaches the core --------------------------
// napi would refuse a non-string where a string is declared with a bare `StringExpected`
// (no field, category THIRD_PARTY), and a destructured `undefined` throws a TypeError.
// Each check below throws a USER MastraError naming the field instead.

const typeOf = v => (v === null ? 'null' : Array.isArray(v) ? 'array' : v instanceof Date ? 'Date' : typeof v);

/** `v` must be a string. */
export function str(op, field, v) {
  if (typeof v !== 'string') throw userError(op, `${field} must be a string, got ${typeOf(v)}`, { field });
  return v;
}

/** `v` must be a string, or absent (undefined or null, returned as null). */
export function optStr(op, field, v) {
  return v == null ? null : str(op, field, v);
}

/** `v` must be a plain object (not null, an array or a Date). */
export function obj(op, field, v) {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Date) {
    throw userError(op, `${field} must be an object, got ${typeOf(v)}`, { field });
  }
  return v;
}

/** `v` must be an object, or undefined (a method whose arguments are all optional). */
export function optObj(op, field, v) {
  return v === undefined ? {} : obj(op, field, v);
}

/** `v` must be an array. */
export function arr(op, field, v) {
  if (!Array.isArray(v)) throw userError(op, `${field} must be an array, got ${typeOf(v)}`, { field });
  return v;
}

/** `v` must be an array of strings. */
export function strs(op, field, v) {
  arr(op, field, v).forEach((s, i) => str(op, `${field}[${i}]`, s));
  return v;
}
