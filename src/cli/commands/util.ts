import { resolve } from 'node:path';
import { openArchiveStore, type ArchiveStore } from '../../server/archive-store.js';

/** Resolves on SIGINT or SIGTERM (for long-running commands). */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

export function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`not a port number: ${v}`);
  return n;
}

/**
 * Opens a server data folder for one CLI command, runs `fn`, and closes it whatever happens.
 * `create: false` refuses a folder without an archive key (not a server's data folder).
 */
export async function withArchive<T>(dataDir: string, opts: { create: boolean }, fn: (archive: ArchiveStore) => Promise<T>): Promise<T> {
  const archive = await openArchiveStore(resolve(dataDir), opts);
  try {
    return await fn(archive);
  } finally {
    await archive.close();
  }
}
