// The benchmark's NativeStore runs on a RELEASE addon kept apart from the debug addon the
// tests use at the repo root: it is built into .tmp/release (only when missing or older
// than the Rust sources) and selected through NAPI_RS_NATIVE_LIBRARY_PATH, which the
// generated loader (native.cjs) honours, before index.js is first imported.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RELEASE_DIR = join(ROOT, '.tmp', 'release');
export const RELEASE_ADDON = join(RELEASE_DIR, 'mastra-native-store.linux-x64-gnu.node');

/** Newest mtime (ms) of a file, or of anything under a directory. */
function newest(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(path).map(f => newest(join(path, f))));
}

/** Whether the release addon is missing or older than src/, migrations/, Cargo.toml (and friends). */
export function releaseAddonStale() {
  if (!existsSync(RELEASE_ADDON)) return 'missing';
  const sources = ['src', 'migrations', 'Cargo.toml', 'Cargo.lock', 'build.rs'].map(p => join(ROOT, p)).filter(existsSync);
  const src = Math.max(...sources.map(newest));
  return src > statSync(RELEASE_ADDON).mtimeMs ? 'older than the Rust sources' : null;
}

/** Build the release addon into .tmp/release when needed (never touches the root debug addon). */
export function ensureReleaseAddon({ log = console.log } = {}) {
  const why = releaseAddonStale();
  if (!why) return ensureLoader();
  log(`release addon ${why}: building into .tmp/release (a cold build takes ~2-3 minutes)…`);
  execFileSync(
    'npx',
    ['napi', 'build', '--platform', '--release', '-o', '.tmp/release', '--js', 'native.cjs', '--dts', 'native.d.ts'],
    { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (!existsSync(RELEASE_ADDON)) throw new Error(`the release build did not produce ${RELEASE_ADDON}`);
  ensureLoader();
  return true;
}

// index.js loads the generated loader from the repo root, which only the test build writes;
// on a fresh clone the bench runs first, so give the root the (profile-independent) loader.
function ensureLoader() {
  for (const f of ['native.cjs', 'native.d.ts']) {
    if (!existsSync(join(ROOT, f))) copyFileSync(join(RELEASE_DIR, f), join(ROOT, f));
  }
  return false;
}

/** Point the generated loader at the release addon. Call before importing index.js. */
export function selectReleaseAddon() {
  if (!existsSync(RELEASE_ADDON)) throw new Error(`no release addon at ${RELEASE_ADDON}; run bench/run.mjs`);
  process.env.NAPI_RS_NATIVE_LIBRARY_PATH = RELEASE_ADDON;
}

/** Import NativeStore on the release addon and prove which .node file the process loaded. */
export async function importNativeStore() {
  selectReleaseAddon();
  const mod = await import('../../index.js');
  const loaded = loadedAddon();
  if (loaded !== RELEASE_ADDON) {
    throw new Error(`NativeStore loaded ${loaded ?? 'no .node file'} instead of the release addon ${RELEASE_ADDON}`);
  }
  return mod;
}

/** The mastra-native-store .node file in this process's CommonJS module cache. */
export function loadedAddon() {
  const require = createRequire(import.meta.url);
  return Object.keys(require.cache).find(k => k.endsWith('.node') && k.includes('mastra-native-store')) ?? null;
}

/** A one-line description of the release addon file (path, size, mtime). */
export function describeAddon(path = RELEASE_ADDON) {
  const st = statSync(path);
  return `${path} (${(st.size / 1048576).toFixed(1)} MiB, built ${st.mtime.toISOString()})`;
}
