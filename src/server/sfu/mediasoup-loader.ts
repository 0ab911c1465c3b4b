import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { DependencyError } from '../../core/errors.js';
import { isExecutable } from '../../platform/fs.js';

type Mediasoup = typeof import('mediasoup');

export interface WorkerBinary {
  path: string;
  /** Where it came from: the environment, the native/mediasoup build cache, or mediasoup's own install. */
  source: 'env' | 'cache' | 'package';
}

const require = createRequire(import.meta.url);

/** The installed mediasoup version (from its package.json), without loading mediasoup itself. */
export function mediasoupVersion(): string {
  const pkg = JSON.parse(readFileSync(require.resolve('mediasoup/package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * The mediasoup-worker binary to run, in this order:
 *  1. `MEDIASOUP_WORKER_BIN` (what mediasoup itself honours);
 *  2. the binary native/mediasoup/build-worker.sh built and cached for the installed version:
 *     `${DUALREC_CACHE_DIR:-~/.cache/dualrec}/mediasoup-worker-<version>/current/mediasoup-worker`;
 *  3. mediasoup's own `worker/out/Release/mediasoup-worker` (its postinstall's prebuilt download,
 *     on machines with internet).
 * Throws DependencyError naming the fix when none exists.
 */
export function resolveWorkerBinary(env: NodeJS.ProcessEnv = process.env): WorkerBinary {
  const fromEnv = env.MEDIASOUP_WORKER_BIN;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new DependencyError('sfu.worker_missing', `MEDIASOUP_WORKER_BIN=${fromEnv} is not an executable file`);
    return { path: fromEnv, source: 'env' };
  }
  const version = mediasoupVersion();
  const cacheRoot = env.DUALREC_CACHE_DIR ?? join(homedir(), '.cache', 'dualrec');
  const cached = join(cacheRoot, `mediasoup-worker-${version}`, 'current', 'mediasoup-worker');
  if (isExecutable(cached)) return { path: cached, source: 'cache' };
  const packaged = join(dirname(require.resolve('mediasoup/package.json')), 'worker', 'out', 'Release', 'mediasoup-worker');
  if (isExecutable(packaged)) return { path: packaged, source: 'package' };
  throw new DependencyError(
    'sfu.worker_missing',
    `no mediasoup-worker ${version} binary: run native/mediasoup/build-worker.sh (builds it against the system libraries into ${cached}) or set MEDIASOUP_WORKER_BIN`,
  );
}

let loaded: Promise<{ mediasoup: Mediasoup; worker: WorkerBinary }> | null = null;

/**
 * Loads mediasoup with the resolved worker binary. mediasoup reads MEDIASOUP_WORKER_BIN once, when
 * its module loads, so the variable is set before the first (dynamic) import and never changed.
 */
export function loadMediasoup(): Promise<{ mediasoup: Mediasoup; worker: WorkerBinary }> {
  if (!loaded) {
    loaded = (async () => {
      const worker = resolveWorkerBinary();
      process.env.MEDIASOUP_WORKER_BIN = worker.path;
      const mediasoup = (await import('mediasoup')) as Mediasoup;
      return { mediasoup, worker };
    })();
    loaded.catch(() => {
      loaded = null;
    });
  }
  return loaded;
}
