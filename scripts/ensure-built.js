// Build the native addon when it is missing or older than its Rust sources, so
// `npm test` and `npm run demo` work on a fresh clone. NATIVE_PROFILE=debug builds a
// debug addon (faster to compile, slower to run); the default is release.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function newest(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(path).map(f => newest(join(path, f))));
}

const addon = readdirSync(root).find(f => f.endsWith('.node'));
const sources = ['src', 'migrations', 'Cargo.toml', 'Cargo.lock', 'build.rs'].map(p => join(root, p)).filter(existsSync);
const stale =
  !addon ||
  !existsSync(join(root, 'native.cjs')) ||
  Math.max(...sources.map(newest)) > statSync(join(root, addon)).mtimeMs;

if (stale) {
  const profile = process.env.NATIVE_PROFILE === 'debug' ? [] : ['--release'];
  console.log(`building the native addon (${profile.length ? 'release' : 'debug'}); the first build takes a few minutes…`);
  // Build into a scratch folder, then rename into place: a process that has the old addon
  // loaded keeps its (unlinked) file instead of seeing it overwritten under it.
  const out = join(root, '.tmp', 'napi-out');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  execFileSync(
    'npx',
    ['napi', 'build', '--platform', ...profile, '-o', out, '--js', 'native.cjs', '--dts', 'native.d.ts'],
    { cwd: root, stdio: 'inherit' },
  );
  for (const f of readdirSync(out)) renameSync(join(out, f), join(root, f));
}
