#!/usr/bin/env node
// Entry point of the `dualrec` command. The TypeScript sources are compiled to dist/ by `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(`dualrec needs Node.js >= 22.12; this is ${process.version}. See README.md ("Install").`);
  process.exit(1);
}
// 16 libuv threads for the vault's overlapping fsyncs: bin/dualrec.cjs (the installed command)
// sets it before any module is read; this covers `node bin/dualrec.js` on Node releases whose
// ES module loader reads synchronously (on older ones the pool has started with 4 by now).
if (!process.env.UV_THREADPOOL_SIZE) process.env.UV_THREADPOOL_SIZE = '16';
const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('dualrec is not built yet: run `npm run build` first (dist/cli/main.js is missing).');
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
