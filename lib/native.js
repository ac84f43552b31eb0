// The generated napi loader (CommonJS) seen from ESM. Private to this package.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** @type {import('../native.d.ts')} */
export const native = require('../native.cjs');
