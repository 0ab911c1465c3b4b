// The catalogue and customer services on a real SQLite file, a real filesystem BlobStore and the
// system FFmpeg, plus media generated with FFmpeg for uploads.
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Kysely } from 'kysely';
import { openSqlite } from '../../src/platform/db.js';
import { resolveFfmpeg, type FfmpegInfo } from '../../src/platform/ffmpeg.js';
import type { ContentMime, ContentRef } from '../../src/protocol/catalogue.js';
import { CatalogueService } from '../../src/server/catalogue/catalogue-service.js';
import { ContentService } from '../../src/server/catalogue/content-service.js';
import { CustomerIdKey } from '../../src/server/catalogue/customer-id-key.js';
import { CustomerService } from '../../src/server/catalogue/customer-service.js';
import { renderTestVideo } from '../../src/server/catalogue/demo-content.js';
import { serverMigrations } from '../../src/server/db/migrations/index.js';
import type { ServerDb } from '../../src/server/db/schema.js';
import { FsBlobStore, hashFile } from '../../src/server/storage/fs-blob-store.js';
import { MemoryAuditLog } from '../../src/server/audit/memory-audit-log.js';
import { silent } from './vault-fixture.js';

const run = promisify(execFile);

export interface CatalogueFixture {
  dir: string;
  db: Kysely<ServerDb>;
  store: FsBlobStore;
  ff: FfmpegInfo;
  audit: MemoryAuditLog;
  key: CustomerIdKey;
  catalogue: CatalogueService;
  content: ContentService;
  customers: CustomerService;
  workDir: string;
  close(): Promise<void>;
}

/** Branches the fixture's database holds. */
export const FIXTURE_BRANCHES = ['sh-pudong-01', 'bj-chaoyang-02', 'bj-chaoyang-03'];

export async function openCatalogueFixture(): Promise<CatalogueFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'dualrec-catalogue-'));
  const db = await openSqlite<ServerDb>(join(dir, 'server.sqlite'), serverMigrations());
  const store = new FsBlobStore(join(dir, 'store'));
  const ff = await resolveFfmpeg();
  const audit = new MemoryAuditLog();
  const key = CustomerIdKey.open(dir, { create: true });
  const workDir = join(dir, 'work');
  const content = new ContentService(db, store, ff, workDir, audit, silent);
  const catalogue = new CatalogueService(db, content, audit, silent);
  const customers = await CustomerService.open({ db, store, key, ff, workDir, audit, log: silent });
  const now = new Date().toISOString();
  await db.insertInto('branches').values(FIXTURE_BRANCHES.map((b) => ({ branch_id: b, name: `Branch ${b}`, created_at: now }))).execute();
  return {
    dir,
    db,
    store,
    ff,
    audit,
    key,
    catalogue,
    content,
    customers,
    workDir,
    async close() {
      await db.destroy();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A generated media file and its reference. */
export interface Media {
  path: string;
  ref: ContentRef;
}

async function media(path: string, mime: ContentMime): Promise<Media> {
  return { path, ref: { sha256: await hashFile(path), bytes: (await stat(path)).size, mime } };
}

export async function makeVideo(ff: FfmpegInfo, dir: string, seconds = 2, name = 'v.mp4'): Promise<Media> {
  const path = join(dir, name);
  await renderTestVideo(ff, path, seconds, '320x180');
  return media(path, 'video/mp4');
}

/** Other media made with FFmpeg: `args` are the input/codec arguments before the output file. */
export async function makeMedia(ff: FfmpegInfo, dir: string, name: string, mime: ContentMime, args: string[]): Promise<Media> {
  const path = join(dir, name);
  await run(ff.ffmpeg, ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args, path], { timeout: 60_000 });
  return media(path, mime);
}

export const makePng = (ff: FfmpegInfo, dir: string, name = 'i.png') => makeMedia(ff, dir, name, 'image/png', ['-f', 'lavfi', '-i', 'testsrc2=size=160x120', '-frames:v', '1']);
export const makeMp3 = (ff: FfmpegInfo, dir: string, seconds = 2, name = 'a.mp3') => makeMedia(ff, dir, name, 'audio/mpeg', ['-f', 'lavfi', '-i', `sine=duration=${seconds}`]);

export function upload(f: CatalogueFixture, m: Media, declared: ContentMime = m.ref.mime, sha = m.ref.sha256) {
  return f.content.upload('staff:admin', sha, declared, createReadStream(m.path), m.ref.bytes);
}
