// Signed checkpoints of the audit log's head: a database administrator who rewrites an entry AND
// re-hashes the whole chain after it (so the chain alone verifies) is caught by the checkpoint,
// which they cannot re-sign without the archive key.
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { chainEntry } from '../../../src/core/audit-chain.js';
import { canonicalJson } from '../../../src/core/canonical-json.js';
import { openSqlite } from '../../../src/platform/db.js';
import { signAuditHead, verifyCheckpoints } from '../../../src/server/audit/audit-checkpoint.js';
import { DbAuditLog } from '../../../src/server/audit/db-audit-log.js';
import { serverMigrations } from '../../../src/server/db/migrations/index.js';
import type { ServerDb } from '../../../src/server/db/schema.js';
import { FileKeyProvider } from '../../../src/server/keys/file-key-provider.js';

let dir: string;
let db: Kysely<ServerDb>;
let audit: DbAuditLog;
let keys: FileKeyProvider;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dualrec-checkpoint-'));
  db = await openSqlite<ServerDb>(join(dir, 'server.sqlite'), serverMigrations('sqlite'));
  audit = new DbAuditLog(db);
  keys = FileKeyProvider.open(dir, { create: true });
});
afterEach(async () => {
  await db.destroy();
  await rm(dir, { recursive: true, force: true });
});

const pub = () => createPublicKey({ key: keys.signingPublicKeyDer, format: 'der', type: 'spki' });

it('signs the head once per change and verifies with the archive public key only', async () => {
  expect(await signAuditHead(audit, keys)).toBeNull();
  for (let i = 0; i < 3; i++) await audit.append({ actor: 'staff:a', action: 'archive.read', target: 'session:s', details: { i } });
  const cp = await signAuditHead(audit, keys);
  expect(cp).toMatchObject({ seq: 4, action: 'audit.checkpoint', target: 'audit', details: { seq: 3, keyId: keys.signingKeyId } });
  expect(await signAuditHead(audit, keys)).toBeNull();
  await audit.append({ actor: 'staff:a', action: 'archive.read', target: 'session:s' });
  expect((await signAuditHead(audit, keys))!.details).toMatchObject({ seq: 5 });
  expect(await verifyCheckpoints(audit, pub())).toEqual({ checked: 2, broken: null });
  expect((await verifyCheckpoints(audit, generateKeyPairSync('ed25519').publicKey)).broken).toEqual({ seq: 4, reason: 'checkpoint 4: the archive signature does not verify' });
});

it('catches a rewritten and fully re-hashed chain that the hash chain alone accepts', async () => {
  for (let i = 0; i < 4; i++) await audit.append({ actor: 'staff:a', action: 'archive.read', target: 'session:s', details: { i } });
  await signAuditHead(audit, keys);
  await audit.append({ actor: 'staff:a', action: 'archive.download', target: 'session:s' });
  // The rewrite: entry 2 gets another actor; every entry from 2 on is re-hashed and re-linked.
  const entries = await audit.list({ limit: 100 });
  let prev = entries[0]!.entryHash;
  for (const e of entries.slice(1)) {
    const next = chainEntry({ ...e, actor: e.seq === 2 ? 'staff:nobody' : e.actor }, prev);
    await db.updateTable('audit_log').set({ actor: next.actor, details_json: canonicalJson(next.details), content_sha256: next.contentSha256, prev_hash: next.prevHash, entry_hash: next.entryHash }).where('seq', '=', e.seq).execute();
    prev = next.entryHash;
  }
  expect(await audit.verify()).toMatchObject({ ok: true, checked: 6 });
  expect((await verifyCheckpoints(audit, pub())).broken).toEqual({ seq: 4, reason: 'entry 4 no longer has the hash checkpoint 5 signed' });
});
