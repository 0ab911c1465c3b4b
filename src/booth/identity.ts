import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { Base64, BoothId, Sha256Hex } from '../protocol/ids.js';
import { DualrecError, describeIssues } from '../core/errors.js';
import { writeFileDurableSync } from '../platform/fs.js';
import type { BoothDb } from './db/schema.js';

export interface DeviceKey {
  privateKey: KeyObject;
  /** SPKI DER of the Ed25519 public key. */
  publicKeyDer: Buffer;
}

/** Where the booth's Ed25519 device key lives under its data folder. */
export function deviceKeyPath(dataDir: string): string {
  return join(dataDir, 'keys', 'device-ed25519.pem');
}

export type DeviceKeyLoad = { ok: true; key: DeviceKey; created: boolean } | { ok: false; path: string; reason: string };

/**
 * Loads the booth's Ed25519 device key (the one its manifests are signed with). With `create` (a
 * booth not enrolled yet: the key is registered nowhere) a missing key is made (mode 0600) and an
 * unreadable one is moved aside to `<name>.corrupt-<time>` and replaced. Without it (an enrolled
 * booth: the server knows only the enrolled key, and would refuse manifests signed by another) a
 * missing or unreadable key is reported, never replaced.
 */
export function loadDeviceKey(dataDir: string, opts: { create: boolean }): DeviceKeyLoad {
  const path = deviceKeyPath(dataDir);
  if (existsSync(path)) {
    const read = readDeviceKey(path);
    if (read.ok || !opts.create) return read;
    renameSync(path, `${path}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  } else if (!opts.create) {
    return { ok: false, path, reason: `the device key ${path} is missing` };
  }
  const privateKey = generateKeyPairSync('ed25519').privateKey;
  writeFileDurableSync(path, Buffer.from(privateKey.export({ format: 'pem', type: 'pkcs8' })), 0o600);
  return { ok: true, key: { privateKey, publicKeyDer: createPublicKey(privateKey).export({ format: 'der', type: 'spki' }) }, created: true };
}

function readDeviceKey(path: string): DeviceKeyLoad {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readFileSync(path));
  } catch (err) {
    return { ok: false, path, reason: `the device key ${path} is unreadable or corrupt (${(err as Error).message})` };
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') return { ok: false, path, reason: `the device key ${path} is not an Ed25519 key` };
  return { ok: true, key: { privateKey, publicKeyDer: createPublicKey(privateKey).export({ format: 'der', type: 'spki' }) }, created: false };
}

/** Loads the booth's Ed25519 device key, creating it (mode 0600) if missing; throws if it is unreadable. */
export function loadOrCreateDeviceKey(dataDir: string): DeviceKey {
  const path = deviceKeyPath(dataDir);
  const r = existsSync(path) ? readDeviceKey(path) : loadDeviceKey(dataDir, { create: true });
  if (!r.ok) throw new DualrecError('booth.bad_device_key', `${r.reason}; restore it from the booth's backup`);
  return r.key;
}

const IdentityRow = z.object({
  booth_id: BoothId,
  token: z.string().min(32),
  archive_public_key: Base64,
  archive_key_id: Sha256Hex,
  server_url: z.string(),
  enrolled_at: z.string(),
});

export interface BoothIdentity {
  boothId: string;
  token: string;
  archivePublicKeyDer: Buffer;
  archiveKeyId: string;
  serverUrl: string;
}

/** The stored enrollment, validated on read-back, or null before enrollment. */
export async function readIdentity(db: Kysely<BoothDb>): Promise<BoothIdentity | null> {
  const row = await db.selectFrom('booth_identity').selectAll().where('id', '=', 1).executeTakeFirst();
  if (!row) return null;
  const r = IdentityRow.safeParse(row);
  if (!r.success) throw new DualrecError('booth.bad_identity', `stored booth identity is corrupt: ${describeIssues(r.error.issues)}`);
  return {
    boothId: r.data.booth_id,
    token: r.data.token,
    archivePublicKeyDer: Buffer.from(r.data.archive_public_key, 'base64'),
    archiveKeyId: r.data.archive_key_id,
    serverUrl: r.data.server_url,
  };
}

export async function saveIdentity(db: Kysely<BoothDb>, id: BoothIdentity): Promise<void> {
  await db
    .insertInto('booth_identity')
    .values({
      id: 1,
      booth_id: id.boothId,
      token: id.token,
      archive_public_key: id.archivePublicKeyDer.toString('base64'),
      archive_key_id: id.archiveKeyId,
      server_url: id.serverUrl,
      enrolled_at: new Date().toISOString(),
    })
    .execute();
}
