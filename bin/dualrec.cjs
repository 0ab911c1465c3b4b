#!/usr/bin/env node
// The `dualrec` command (package.json "bin"). CommonJS on purpose: Node reads this file
// synchronously, so the line below runs before anything starts libuv's thread pool (Node 22
// releases before the synchronous ES module loader read every module, bin/dualrec.js included,
// through that pool, which then kept its default 4 threads). Then bin/dualrec.js does the rest.
//
// The booth's vault keeps up to 8 segments in flight, each file write waiting in fsync on a libuv
// thread; with 4 threads the reads of the next segments queued behind those fsyncs (bench:vault).
// The threads wait on the disk, not on the CPU. See docs/ARCHITECTURE.md.
'use strict';
if (!process.env.UV_THREADPOOL_SIZE) process.env.UV_THREADPOOL_SIZE = '16';
import('./dualrec.js').catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
