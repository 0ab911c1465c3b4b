import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
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

/** Loads the booth's Ed25519 device key, creating it (mode 0600) on first start. */
export function loadOrCreateDeviceKey(dataDir: string): DeviceKey {
  const path = join(dataDir, 'keys', 'device-ed25519.pem');
  let privateKey: KeyObject;
  if (existsSync(path)) {
    try {
      privateKey = createPrivateKey(readFileSync(path));
    } catch (cause) {
      throw new DualrecError('booth.bad_device_key', `device key ${path} is unreadable or corrupt; restore it from backup or re-enroll the booth`, undefined, { cause });
    }
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new DualrecError('booth.bad_device_key', `device key ${path} is not an Ed25519 key`);
  } else {
    privateKey = generateKeyPairSync('ed25519').privateKey;
    writeFileDurableSync(path, Buffer.from(privateKey.export({ format: 'pem', type: 'pkcs8' })), 0o600);
  }
  const publicKeyDer = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return { privateKey, publicKeyDer };
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
