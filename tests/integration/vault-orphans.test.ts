// Vault files without a row (a crash between a sealed file's write and its commit, an interrupted
// temporary file) are removed by the purger's pass, but only in sessions that are no longer
// capturing, and never a file a row names or a file of an unknown session or name.
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { boothMigrations } from '../../src/booth/db/migrations/index.js';
import type { BoothDb } from '../../src/booth/db/schema.js';
import { insertNewSession } from '../../src/booth/session-rows.js';
import { Purger } from '../../src/booth/vault/purger.js';
import { sealedRow } from '../../src/booth/vault/seal-commit.js';
import { SegmentStore } from '../../src/booth/vault/segment-store.js';
import { openSqlite } from '../../src/platform/db.js';
import { silent } from '../helpers/vault-fixture.js';

let dir: string;
let db: Kysely<BoothDb>;
const KEY_WRAP = { alg: 'RSA-OAEP-256' as const, archiveKeyId: 'a'.repeat(64), wrappedKey: 'AAAA' };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dualrec-orphans-'));
  db = await openSqlite<BoothDb>(join(dir, 'booth.sqlite'), boothMigrations);
});
afterAll(async () => {
  await db?.destroy();
  await rm(dir, { recursive: true, force: true });
});

async function sessionWithFiles(phase: string, names: string[], indexed: number[]): Promise<string> {
  const sessionId = randomUUID();
  await insertNewSession(db, { sessionId, productId: 'p', phase, keyWrap: KEY_WRAP, startedAt: new Date().toISOString() });
  await mkdir(join(dir, 'vault', sessionId), { recursive: true });
  for (const n of names) await writeFile(join(dir, 'vault', sessionId, n), 'x');
  for (const seq of indexed) {
    const file = `${sessionId}/${String(seq).padStart(6, '0')}.seg`;
    const h = 'c'.repeat(64);
    await db.insertInto('segments').values(sealedRow({ session_id: sessionId, seq, file, cipher_sha256: h, plain_sha256: h, prev_link: h, link: h, bytes: 1, start_sec: seq, duration_sec: 1, sealed_at: new Date().toISOString() })).execute();
  }
  return sessionId;
}

it('removes unindexed sealed and temporary files of ended sessions only', async () => {
  const ended = await sessionWithFiles('syncing', ['000000.seg', '000001.seg', '000002.seg', '.000003.seg.0a1b2c3d4e5f.tmp', 'notes.txt'], [0, 1]);
  const recording = await sessionWithFiles('recording', ['000000.seg', '000001.seg'], [0]);
  const unknown = randomUUID();
  await mkdir(join(dir, 'vault', unknown), { recursive: true });
  await writeFile(join(dir, 'vault', unknown, '000000.seg'), 'x');

  const purger = new Purger(db, new SegmentStore(db), { vaultDir: join(dir, 'vault'), spoolDir: join(dir, 'spool'), retentionMs: 3_600_000, everyMs: 60_000 }, silent);
  await purger.run();
  await purger.close();

  expect(readdirSync(join(dir, 'vault', ended)).sort()).toEqual(['000000.seg', '000001.seg', 'notes.txt']);
  // A sealer may be between writing 000001.seg and committing its row: left alone.
  expect(readdirSync(join(dir, 'vault', recording)).sort()).toEqual(['000000.seg', '000001.seg']);
  expect(existsSync(join(dir, 'vault', unknown, '000000.seg'))).toBe(true);
});
