// A booth vault without capture: a real booth database, real sealing (SessionSealer) of
// synthetic plaintext, enrolled with a real server over HTTP. For sync, purge and fault tests
// that do not need FFmpeg.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { boothMigrations } from '../../src/booth/db/migrations/index.js';
import type { BoothDb } from '../../src/booth/db/schema.js';
import { loadOrCreateDeviceKey, saveIdentity, type BoothIdentity, type DeviceKey } from '../../src/booth/identity.js';
import { ServerClient } from '../../src/booth/sync/server-client.js';
import { insertNewSession } from '../../src/booth/session-rows.js';
import { SessionSealer } from '../../src/booth/vault/sealer.js';
import { genesisLink } from '../../src/core/chain.js';
import { newDataKey } from '../../src/core/envelope.js';
import { wrapDataKey } from '../../src/core/keys.js';
import { openSqlite } from '../../src/platform/db.js';
import { createLogger } from '../../src/platform/log.js';
import { signSessionOff } from './media-session.js';
import { srcSessionCode } from './session-code.js';

export interface VaultFixture {
  dir: string;
  db: Kysely<BoothDb>;
  vaultDir: string;
  spoolDir: string;
  identity: BoothIdentity;
  deviceKey: DeviceKey;
  client: ServerClient;
}

export const silent = createLogger('test', process.env.DUALREC_LOG_LEVEL ?? 'silent');

/** Opens a booth database in `dir` and enrolls it with the server at `serverUrl` using `code`. */
export async function openVaultFixture(dir: string, serverUrl: string, code: string): Promise<VaultFixture> {
  const db = await openSqlite<BoothDb>(join(dir, 'booth.sqlite'), boothMigrations);
  const deviceKey = loadOrCreateDeviceKey(dir);
  const client = new ServerClient(serverUrl);
  const res = await client.enroll({ code, name: 'fixture', publicKey: deviceKey.publicKeyDer.toString('base64') });
  const identity: BoothIdentity = { boothId: res.boothId, token: res.token, archivePublicKeyDer: Buffer.from(res.archivePublicKey, 'base64'), archiveKeyId: res.archiveKeyId, serverUrl };
  await saveIdentity(db, identity);
  client.setToken(res.token);
  const vaultDir = join(dir, 'vault');
  const spoolDir = join(dir, 'spool');
  await mkdir(vaultDir, { recursive: true });
  await mkdir(spoolDir, { recursive: true });
  return { dir, db, vaultDir, spoolDir, identity, deviceKey, client };
}

/**
 * Records a finished session of `segments` sealed segments of `bytes` random plaintext each, with
 * a signed manifest, as the session service would. `prevLink` overrides the genesis link (to make
 * a segment the server must reject).
 */
export async function recordSession(fx: VaultFixture, opts: { segments: number; bytes?: number; prevLink?: string; finish?: boolean }): Promise<string> {
  const sessionId = randomUUID();
  const dataKey = newDataKey();
  const keyWrap = wrapDataKey(dataKey, fx.identity.archivePublicKeyDer);
  const genesis = genesisLink(sessionId);
  const now = new Date().toISOString();
  await insertNewSession(fx.db, { sessionId, productId: 'fund-1', phase: 'recording', keyWrap, startedAt: now });
  const ff = { ffmpeg: 'ffmpeg', ffprobe: null, source: 'system' as const, version: 'none' };
  const sealer = new SessionSealer(fx.db, fx.vaultDir, ff, sessionId, fx.identity.boothId, dataKey, opts.prevLink ?? genesis, silent);
  const spool = join(fx.spoolDir, sessionId);
  await mkdir(spool, { recursive: true });
  for (let i = 0; i < opts.segments; i++) {
    const path = join(spool, `seg-${String(i).padStart(6, '0')}.ts`);
    await writeFile(path, randomBytes(opts.bytes ?? 4096));
    const seg = { index: i, path, listStartSec: i * 2, listEndSec: i * 2 + 2 };
    await sealer.seal(seg as unknown as Parameters<SessionSealer['seal']>[0]);
  }
  sealer.destroy();
  if (opts.finish !== false) await signOff(fx, sessionId);
  return sessionId;
}

/** Signs the manifest of a recorded session, as the session service does at the end. */
export async function signOff(fx: VaultFixture, sessionId: string): Promise<void> {
  await signSessionOff(srcSessionCode, fx.db, fx.identity.boothId, fx.deviceKey.privateKey, sessionId);
}
