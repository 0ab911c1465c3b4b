// What the archive and review benches share: the booth code that seals a session, loaded from
// dist/ (see tests/helpers/media-session.ts), and wall + CPU measurement of one step.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SessionCode } from '../../helpers/media-session.js';

export const dist = (p: string) => pathToFileURL(join(import.meta.dirname, '../../../dist', p)).href;

/** The sealing code of the booth and the manifest schema, compiled. */
export async function distSessionCode(): Promise<SessionCode> {
  return {
    SessionSealer: ((await import(dist('booth/vault/sealer.js'))) as typeof import('../../../src/booth/vault/sealer.js')).SessionSealer,
    openSqlite: ((await import(dist('platform/db.js'))) as typeof import('../../../src/platform/db.js')).openSqlite,
    boothMigrations: ((await import(dist('booth/db/migrations/index.js'))) as typeof import('../../../src/booth/db/migrations/index.js')).boothMigrations,
    loadOrCreateDeviceKey: ((await import(dist('booth/identity.js'))) as typeof import('../../../src/booth/identity.js')).loadOrCreateDeviceKey,
    insertNewSession: ((await import(dist('booth/session-rows.js'))) as typeof import('../../../src/booth/session-rows.js')).insertNewSession,
    newDataKey: ((await import(dist('core/envelope.js'))) as typeof import('../../../src/core/envelope.js')).newDataKey,
    ...((await import(dist('core/keys.js'))) as typeof import('../../../src/core/keys.js')),
    SessionManifest: ((await import(dist('protocol/envelope.js'))) as typeof import('../../../src/protocol/envelope.js')).SessionManifest,
    createLogger: ((await import(dist('platform/log.js'))) as typeof import('../../../src/platform/log.js')).createLogger,
  };
}

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** CPU seconds used so far by this process (every thread) and by its finished children (FFmpeg, ffprobe): /proc/self/stat. */
export function cpuSeconds(): { self: number; children: number } {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields after the command: state(3) … utime(14) stime(15) cutime(16) cstime(17), 1-based from pid.
  const [cutime, cstime] = [Number(f[13]), Number(f[14])];
  const u = process.cpuUsage();
  return { self: (u.user + u.system) / 1e6, children: (cutime + cstime) / CLK_TCK };
}

/** Runs `fn` and measures its wall seconds and the CPU seconds of this process and its children. */
export async function measure<T>(fn: () => Promise<T>): Promise<{ value: T; wall: number; cpu: number }> {
  const c0 = cpuSeconds();
  const t0 = process.hrtime.bigint();
  const value = await fn();
  const c1 = cpuSeconds();
  return { value, wall: Number(process.hrtime.bigint() - t0) / 1e9, cpu: c1.self - c0.self + (c1.children - c0.children) };
}

export const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
