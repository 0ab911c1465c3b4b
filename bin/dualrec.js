#!/usr/bin/env node
// Entry point of the `dualrec` command. The TypeScript sources are compiled to dist/ by `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(`dualrec needs Node.js >= 22.12; this is ${process.version}. See README.md ("Install").`);
  process.exit(1);
}
// The booth's vault keeps up to 8 segments in flight, each file write waiting in fsync on a libuv
// thread; with libuv's default of 4 threads, reading the next segments waited behind those
// fsyncs (bench:vault: seal throughput about 15% lower). Threads block in I/O, not on the CPU.
// Must be set before anything uses the thread pool (it starts on first use). See docs/ARCHITECTURE.md.
process.env.UV_THREADPOOL_SIZE ??= '16';
const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('dualrec is not built yet: run `npm run build` first (dist/cli/main.js is missing).');
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
