// A crypto worker for tests: answers like the real one (src/platform/crypto-worker.ts), except that
// a request whose data or plaintext starts with "CRASH" kills the worker thread while it runs it,
// and one starting with "SEALCRASH" does so only when it is sealed (its hash works).
import { parentPort, workerData } from 'node:worker_threads';
import type * as CryptoWorker from '../../src/platform/crypto-worker.js';

// Loaded for runCryptoRequest only: with another mark, the real module does not serve requests too.
(workerData as { mark: string }).mark = 'crashing-crypto-worker';
const { runCryptoRequest } = (await import(new URL('../../src/platform/crypto-worker.ts', import.meta.url).href)) as typeof CryptoWorker;
const CRASH = Buffer.from('CRASH');
const SEALCRASH = Buffer.from('SEALCRASH');
const startsWith = (data: Uint8Array, prefix: Buffer) => Buffer.from(data.subarray(0, prefix.length)).equals(prefix);

parentPort!.on('message', (req: CryptoWorker.CryptoRequest) => {
  const input = req.op === 'sha256' ? req.data : req.plaintext;
  if (startsWith(input, CRASH) || (req.op === 'seal' && startsWith(input, SEALCRASH))) process.exit(7);
  parentPort!.postMessage({ id: req.id, ok: true, ...runCryptoRequest(req) });
});
