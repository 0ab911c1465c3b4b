// Imported first by the Electron main (index.ts), as bin/dualrec.cjs does for the CLI: 16 libuv
// threads for the vault's overlapping fsyncs (docs/ARCHITECTURE.md). libuv reads the variable when
// its thread pool starts, on first use; if Electron's own start-up used the pool already, this
// has no effect. Not verified here: the Electron binary cannot run on the build machines.
if (!process.env.UV_THREADPOOL_SIZE) process.env.UV_THREADPOOL_SIZE = '16';
export {};
