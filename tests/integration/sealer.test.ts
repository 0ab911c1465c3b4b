// The session sealer against a real booth database and real files: one segment at a time (live
// recording) and a backlog handed over at once (pipelined: overlapping durable writes, group
// commits). Invariants checked while it runs: a row is never inserted before its file is on disk
// (an SQLite trigger calls back into the test on every insert), the rows of a session are always a
// contiguous chain prefix, and after a failed write or commit the failed segment and every one
// sealed after it fail, their files are removed and the next segment takes the failed number; and
// every buffer the sealer borrows from its buffer pool is given back (or, after a worker crash,
// abandoned), whatever happened.
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { boothMigrations } from '../../src/booth/db/migrations/index.js';
import type { BoothDb } from '../../src/booth/db/schema.js';
import { insertNewSession } from '../../src/booth/session-rows.js';
import { SessionSealer, type SealedSegmentInfo } from '../../src/booth/vault/sealer.js';
import { genesisLink, nextLink, sha256Hex } from '../../src/core/chain.js';
import { newDataKey, openSegment } from '../../src/core/envelope.js';
import { SharedBufferPool } from '../../src/platform/buffer-pool.js';
import { CryptoPool } from '../../src/platform/crypto-pool.js';
import { openSqlite } from '../../src/platform/db.js';
import { silent } from '../helpers/vault-fixture.js';

const BOOTH = '0b7a2f7e-1c5d-4e8a-9f00-1a2b3c4d5e6f';
const ff = { ffmpeg: 'ffmpeg', ffprobe: null, source: 'system' as const, version: 'none' };
const KEY_WRAP = { alg: 'RSA-OAEP-256' as const, archiveKeyId: 'a'.repeat(64), wrappedKey: 'AAAA' };

let dir: string;
let db: Kysely<BoothDb>;
let raw: Database.Database;
let vaultDir: string;
/** Rows inserted whose file was missing at that moment (must stay empty). */
const rowsWithoutFile: string[] = [];
/** Number of session chain-head updates, one per committed transaction. */
let headUpdates = 0;
/** Milliseconds the next segment insert holds the commit (to make writes pile up behind it). */
let holdNextInsertMs = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dualrec-sealer-'));
  vaultDir = join(dir, 'vault');
  const path = join(dir, 'booth.sqlite');
  await (await openSqlite<BoothDb>(path, boothMigrations)).destroy();
  // The same database through a connection of our own, to hook the inserts.
  raw = new Database(path);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = FULL');
  raw.function('file_on_disk', (file: unknown) => (existsSync(join(vaultDir, String(file))) ? 1 : 0));
  raw.function('note_missing', (file: unknown) => {
    rowsWithoutFile.push(String(file));
    return 0;
  });
  raw.function('hold', () => {
    const until = Date.now() + holdNextInsertMs;
    holdNextInsertMs = 0;
    while (Date.now() < until);
    return 0;
  });
  raw.function('count_head', () => ++headUpdates);
  raw.exec(`CREATE TEMP TRIGGER check_file BEFORE INSERT ON segments WHEN file_on_disk(NEW.file) = 0 BEGIN SELECT note_missing(NEW.file); END`);
  raw.exec(`CREATE TEMP TRIGGER hold_insert BEFORE INSERT ON segments BEGIN SELECT hold(); END`);
  raw.exec(`CREATE TEMP TRIGGER count_head AFTER UPDATE OF last_link ON sessions BEGIN SELECT count_head(); END`);
  db = new Kysely<BoothDb>({ dialect: new SqliteDialect({ database: raw }) });
});
afterAll(async () => {
  await db?.destroy();
  await rm(dir, { recursive: true, force: true });
});
/** The buffer pools of this test's sealers. */
const bufferPools: SharedBufferPool[] = [];
afterEach(() => {
  expect(rowsWithoutFile).toEqual([]);
  for (const pool of bufferPools.splice(0)) expect(pool.stats.lent).toBe(0);
});

async function newSession(depth?: number, crypto?: CryptoPool): Promise<{ sessionId: string; sealer: SessionSealer; spool: string; key: Buffer; buffers: SharedBufferPool }> {
  const sessionId = randomUUID();
  await insertNewSession(db, { sessionId, productId: 'p', phase: 'recording', keyWrap: KEY_WRAP, startedAt: new Date().toISOString() });
  const key = newDataKey();
  const buffers = new SharedBufferPool();
  bufferPools.push(buffers);
  const sealer = new SessionSealer(db, vaultDir, ff, sessionId, BOOTH, Buffer.from(key), genesisLink(sessionId), silent, { depth, crypto, buffers });
  const spool = join(dir, 'spool', sessionId);
  await mkdir(spool, { recursive: true });
  return { sessionId, sealer, spool, key, buffers };
}

/** Writes `n` plaintext segment files (numbered from `from`) and returns them as closed segments. */
async function plaintexts(spool: string, n: number, from = 0, bytes = 64 * 1024) {
  const segs = [];
  for (let i = from; i < from + n; i++) {
    const path = join(spool, `seg-${String(i).padStart(6, '0')}.ts`);
    await writeFile(path, randomBytes(bytes));
    segs.push({ path, listStartSec: i * 2, listEndSec: i * 2 + 2 });
  }
  return segs;
}

async function rowsOf(sessionId: string) {
  return db.selectFrom('segments').selectAll().where('session_id', '=', sessionId).orderBy('seq').execute();
}

/** Rows are seq 0..n-1, each linking to the one before, and the session's head is the last link. */
async function expectChainPrefix(sessionId: string): Promise<number> {
  const rows = await rowsOf(sessionId);
  let link = genesisLink(sessionId);
  for (const [i, r] of rows.entries()) {
    expect(r.seq).toBe(i);
    expect(r.prev_link).toBe(link);
    expect(r.link).toBe(nextLink(link, r.cipher_sha256));
    expect(sha256Hex(readFileSync(join(vaultDir, r.file)))).toBe(r.cipher_sha256);
    link = r.link;
  }
  const s = await db.selectFrom('sessions').select('last_link').where('session_id', '=', sessionId).executeTakeFirstOrThrow();
  expect(s.last_link).toBe(link);
  return rows.length;
}

const files = (sessionId: string) => readdirSync(join(vaultDir, sessionId)).sort();

describe('session sealer', () => {
  it('seals one segment at a time: file, row, chain link, plaintext removed', async () => {
    const { sessionId, sealer, spool, key } = await newSession();
    const segs = await plaintexts(spool, 3);
    const before = headUpdates;
    for (const [i, seg] of segs.entries()) {
      const info = await sealer.seal(seg);
      expect(info.seq).toBe(i);
      expect(existsSync(seg.path)).toBe(false);
      expect(await expectChainPrefix(sessionId)).toBe(i + 1);
    }
    expect(headUpdates - before).toBe(3);
    const rows = await rowsOf(sessionId);
    const opened = openSegment(key, readFileSync(join(vaultDir, rows[2]!.file)));
    expect(opened.header).toMatchObject({ seq: 2, prevLink: rows[1]!.link, boothId: BOOTH });
    expect(sealer.chainHead).toBe(rows[2]!.link);
    expect(sealer.segmentCount).toBe(3);
  });

  it('seals a backlog handed over at once in order, with group commits and a chain prefix at every moment', async () => {
    const { sessionId, sealer, spool, buffers } = await newSession(6);
    const segs = await plaintexts(spool, 16);
    const before = headUpdates;
    // The first commit is held up, so the writes behind it finish and join later commits.
    holdNextInsertMs = 150;
    const pending = segs.map((s) => sealer.seal(s));
    let checks = 0;
    const watch = setInterval(() => {
      checks++;
      void expectChainPrefix(sessionId);
    }, 2);
    const infos = await Promise.all(pending);
    clearInterval(watch);
    expect(infos.map((i) => i.seq)).toEqual(segs.map((_, i) => i));
    expect(await expectChainPrefix(sessionId)).toBe(16);
    expect(segs.every((s) => !existsSync(s.path))).toBe(true);
    const commits = headUpdates - before;
    expect(commits).toBeGreaterThan(1);
    expect(commits).toBeLessThan(16);
    expect(checks).toBeGreaterThan(0);
    await sealer.drain();
    // 16 plaintexts and 16 ciphertexts through at most 6 in flight: buffers were reused, not made anew.
    expect(buffers.stats.allocated).toBeLessThanOrEqual(2 * 6 + 1);
    expect(buffers.stats.reused).toBeGreaterThanOrEqual(32 - buffers.stats.allocated);
  });

  it('fails a segment whose write fails and every segment sealed after it, removes their files, and goes on from there', async () => {
    const { sessionId, sealer, spool } = await newSession(8);
    // Something else already holds the name of segment 3: its exclusive write fails.
    await mkdir(join(vaultDir, sessionId), { recursive: true });
    const foreign = join(vaultDir, sessionId, '000003.seg');
    await writeFile(foreign, 'not ours');
    const segs = await plaintexts(spool, 8);
    const results = await Promise.allSettled(segs.map((s) => sealer.seal(s)));
    expect(results.slice(0, 3).map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(results.slice(3).every((r) => r.status === 'rejected')).toBe(true);
    expect((results[3] as PromiseRejectedResult).reason).toMatchObject({ code: 'EEXIST' });
    expect(await expectChainPrefix(sessionId)).toBe(3);
    // Only the committed files and the foreign one, untouched; no temporary files.
    expect(files(sessionId)).toEqual(['000000.seg', '000001.seg', '000002.seg', '000003.seg']);
    expect(readFileSync(foreign, 'utf8')).toBe('not ours');
    // The failed plaintexts stay for the purger (they were never sealed for good).
    expect(segs.slice(3).every((s) => existsSync(s.path))).toBe(true);
    expect(sealer.segmentCount).toBe(3);

    await rm(foreign);
    const more = await plaintexts(spool, 2, 8);
    const infos: SealedSegmentInfo[] = await Promise.all(more.map((s) => sealer.seal(s)));
    expect(infos.map((i) => i.seq)).toEqual([3, 4]);
    expect(await expectChainPrefix(sessionId)).toBe(5);
  });

  it('fails a segment whose commit fails and every segment sealed after it, removes their written files, and goes on from there', async () => {
    const { sessionId, sealer, spool } = await newSession(8);
    await sql.raw(`CREATE TEMP TRIGGER refuse_3 BEFORE INSERT ON segments WHEN NEW.session_id = '${sessionId}' AND NEW.seq = 3 BEGIN SELECT RAISE(ABORT, 'test: no row 3'); END`).execute(db);
    const segs = await plaintexts(spool, 8);
    // Hold the first commit so 1..7 pile up behind it and the group with 3 in it fails as a whole.
    holdNextInsertMs = 100;
    const results = await Promise.allSettled(segs.map((s) => sealer.seal(s)));
    await sql.raw('DROP TRIGGER temp.refuse_3').execute(db);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected', 'rejected', 'rejected', 'rejected']);
    expect(String((results[3] as PromiseRejectedResult).reason)).toContain('test: no row 3');
    // Each later segment fails either as dropped (it was sealed after 3 before 3 failed) or, when
    // its seal came after the rollback (seals run on the crypto workers, so timing decides), as the
    // new segment 3, which the trigger refuses again.
    for (const r of results.slice(4) as PromiseRejectedResult[]) expect((r.reason as { code?: string }).code === 'vault.seal_aborted' || String(r.reason).includes('test: no row 3')).toBe(true);
    expect(await expectChainPrefix(sessionId)).toBe(3);
    expect(files(sessionId)).toEqual(['000000.seg', '000001.seg', '000002.seg']);

    const [next] = await plaintexts(spool, 1, 8);
    expect((await sealer.seal(next!)).seq).toBe(3);
    expect(await expectChainPrefix(sessionId)).toBe(4);
  });

  it('fails only the segment whose plaintext cannot be read; the others keep the chain', async () => {
    const { sessionId, sealer, spool } = await newSession();
    const [a, b] = await plaintexts(spool, 2);
    const missing = { path: join(spool, 'gone.ts'), listStartSec: 2, listEndSec: 4 };
    const [ra, rm2, rb] = await Promise.allSettled([sealer.seal(a!), sealer.seal(missing), sealer.seal(b!)]);
    expect(ra).toMatchObject({ status: 'fulfilled', value: { seq: 0 } });
    expect(rm2).toMatchObject({ status: 'rejected', reason: { code: 'ENOENT' } });
    expect(rb).toMatchObject({ status: 'fulfilled', value: { seq: 1 } });
    expect(await expectChainPrefix(sessionId)).toBe(2);
  });

  it('fails only the segment whose crypto worker dies (hashing or sealing it); the others keep the chain', async () => {
    const pool = new CryptoPool({ size: 2, workerUrl: new URL('../helpers/crashing-crypto-worker.ts', import.meta.url) });
    try {
      const { sessionId, sealer, spool } = await newSession(4, pool);
      const segs = await plaintexts(spool, 6);
      await writeFile(segs[2]!.path, Buffer.concat([Buffer.from('CRASH'), randomBytes(1000)]));
      const results = await Promise.allSettled(segs.map((s) => sealer.seal(s)));
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
      expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ code: 'crypto.worker_exited' });
      expect(results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.seq] : []))).toEqual([0, 1, 2, 3, 4]);
      expect(await expectChainPrefix(sessionId)).toBe(5);
      expect(existsSync(segs[2]!.path)).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it('never lends again the ciphertext buffer a crashed sealing worker was writing into', async () => {
    const pool = new CryptoPool({ size: 2, workerUrl: new URL('../helpers/crashing-crypto-worker.ts', import.meta.url) });
    try {
      const { sessionId, sealer, spool, buffers } = await newSession(4, pool);
      const abandoned: ArrayBufferLike[] = [];
      const abandon = buffers.abandon.bind(buffers);
      buffers.abandon = (view) => {
        abandoned.push(view.buffer);
        abandon(view);
      };
      /** Buffers lent after the abandon. */
      const lentAfter: ArrayBufferLike[] = [];
      const acquire = buffers.acquire.bind(buffers);
      buffers.acquire = (size) => {
        const view = acquire(size);
        if (abandoned.length > 0) lentAfter.push(view.buffer);
        return view;
      };
      const segs = await plaintexts(spool, 5);
      // Hashed fine, then the worker dies while sealing it.
      await writeFile(segs[1]!.path, Buffer.concat([Buffer.from('SEALCRASH'), randomBytes(1000)]));
      const results = await Promise.allSettled(segs.map((s) => sealer.seal(s)));
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
      expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'crypto.worker_exited' });
      expect(await expectChainPrefix(sessionId)).toBe(4);
      expect(abandoned).toHaveLength(1);
      // The three segments after it borrowed buffers again, never that one.
      expect(lentAfter.length).toBeGreaterThanOrEqual(3);
      expect(lentAfter).not.toContain(abandoned[0]);
    } finally {
      await pool.close();
    }
  });

  it('refuses segments after destroy() and zeroes the key', async () => {
    const { sessionId, sealer, spool } = await newSession();
    const [a, b] = await plaintexts(spool, 2);
    await sealer.seal(a!);
    sealer.destroy();
    sealer.destroy();
    await expect(sealer.seal(b!)).rejects.toMatchObject({ code: 'vault.closed' });
    await sealer.drain();
    expect(await expectChainPrefix(sessionId)).toBe(1);
    expect(existsSync(b!.path)).toBe(true);
  });
});
