// CatalogueService and ContentService on a real SQLite file, a real filesystem BlobStore and the
// system FFmpeg: products, immutable versions, publish checks, snapshots, content uploads.
import { Readable } from 'node:stream';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogueEtag } from '../../src/core/catalogue.js';
import { sha256Hex } from '../../src/core/chain.js';
import { CatalogueSnapshot, type VersionDefinitionInput } from '../../src/protocol/catalogue.js';
import { contentKey } from '../../src/server/catalogue/catalogue-rows.js';
import { makeMedia, makeMp3, makePng, makeVideo, openCatalogueFixture, upload, type CatalogueFixture, type Media } from '../helpers/catalogue-fixture.js';

let f: CatalogueFixture;
let video: Media;
let png: Media;
let mp3: Media;
beforeAll(async () => {
  f = await openCatalogueFixture();
  video = await makeVideo(f.ff, f.dir, 3);
  png = await makePng(f.ff, f.dir);
  mp3 = await makeMp3(f.ff, f.dir);
});
afterAll(async () => {
  await f.close();
});

const ADMIN = 'staff:11111111-1111-4111-8111-111111111111';
const name = { zh: '稳健理财', en: 'Steady WM' };

function definition(v: Media, over: Partial<VersionDefinitionInput> = {}): VersionDefinitionInput {
  return {
    steps: [
      { id: 'video', kind: 'video', title: { zh: '风险视频' }, content: v.ref, minSeconds: 2, confirmAfter: null },
      { id: 'text', kind: 'text', title: { zh: '风险揭示' }, body: { zh: '本产品不保本。' }, minSeconds: 5, confirmAfter: 'read' },
    ],
    phrases: [
      { id: 'read', text: '本人已阅读' },
      { id: 'ack', text: '我已知晓产品风险，并自愿购买' },
    ],
    finalPhraseIds: ['ack'],
    ...over,
  };
}

async function noTempFiles(): Promise<void> {
  const left = await readdir(f.workDir).catch(() => []);
  expect(left).toEqual([]);
}

describe('products', () => {
  it('creates, refuses a duplicate, updates and audits', async () => {
    const p = await f.catalogue.createProduct(ADMIN, { id: 'wm-a', name, retentionClass: 'banking-wm' });
    expect(p).toMatchObject({ id: 'wm-a', status: 'active', retentionClass: 'banking-wm' });
    await expect(f.catalogue.createProduct(ADMIN, { id: 'wm-a', name, retentionClass: 'banking-wm' })).rejects.toMatchObject({ status: 409, code: 'catalogue.product_exists' });
    const u = await f.catalogue.updateProduct(ADMIN, 'wm-a', { retentionClass: 'long-term' });
    expect(u.retentionClass).toBe('long-term');
    await expect(f.catalogue.updateProduct(ADMIN, 'nope', { status: 'withdrawn' })).rejects.toMatchObject({ status: 404 });
    expect(f.audit.byAction('catalogue.product_update').at(-1)).toMatchObject({ actor: ADMIN, target: 'product:wm-a', details: { changed: ['retentionClass'] } });
  });
});

describe('content', () => {
  it('stores video, image and audio with their measured duration, idempotently', async () => {
    const v = await upload(f, video);
    expect(v).toMatchObject({ created: true, info: { sha256: video.ref.sha256, kind: 'video', mime: 'video/mp4', bytes: video.ref.bytes } });
    expect(v.info.durationSec).toBeGreaterThan(2.9);
    expect(v.info.durationSec).toBeLessThan(3.2);
    expect((await upload(f, video)).created).toBe(false);
    expect((await upload(f, png)).info).toMatchObject({ kind: 'image', durationSec: null });
    expect((await upload(f, mp3)).info.kind).toBe('audio');
    expect(await f.store.get(contentKey(video.ref.sha256))).toEqual(await readFile(video.path));
    expect(f.audit.byAction('catalogue.content_upload')).toHaveLength(3);
    await noTempFiles();
  });

  it('rejects bytes that do not hash to the address (422), and stores nothing', async () => {
    const wrong = 'a'.repeat(64);
    await expect(upload(f, video, 'video/mp4', wrong)).rejects.toMatchObject({ status: 422, code: 'content.hash_mismatch' });
    expect(await f.content.find(wrong)).toBeNull();
    expect(await f.store.has(contentKey(wrong))).toBe(false);
    await noTempFiles();
  });

  it('rejects content whose first bytes are not the declared type', async () => {
    const other = await makeMedia(f.ff, f.dir, 'other.png', 'image/png', ['-f', 'lavfi', '-i', 'testsrc2=size=64x48', '-frames:v', '1']);
    await expect(upload(f, other, 'video/mp4')).rejects.toMatchObject({ status: 400, code: 'content.mime_mismatch' });
    const text = join(f.dir, 'fake.mp4');
    await writeFile(text, 'this is not a video at all, only text pretending');
    const m = { path: text, ref: { ...video.ref, sha256: sha256Hex(await readFile(text)), bytes: 47 } };
    await expect(upload(f, m, 'video/mp4')).rejects.toMatchObject({ status: 400, code: 'content.unrecognised' });
    expect(await f.content.find(other.ref.sha256)).toBeNull();
    await noTempFiles();
  });

  it('rejects audio that holds video, video without video, and an MP4 header over garbage', async () => {
    const silentVideo = await makeVideo(f.ff, f.dir, 1, 'as-audio.mp4');
    await expect(upload(f, silentVideo, 'audio/mp4')).rejects.toMatchObject({ status: 400, code: 'content.mime_mismatch' });
    const m4a = await makeMedia(f.ff, f.dir, 'tone.m4a', 'audio/mp4', ['-f', 'lavfi', '-i', 'sine=duration=1', '-c:a', 'aac']);
    await expect(upload(f, m4a, 'video/mp4')).rejects.toMatchObject({ status: 400 });
    const head = (await readFile(video.path)).subarray(0, 64);
    const broken = join(f.dir, 'broken.mp4');
    await writeFile(broken, Buffer.concat([head, Buffer.alloc(4096, 0x5a)]));
    const b = { path: broken, ref: { sha256: sha256Hex(await readFile(broken)), bytes: 4160, mime: 'video/mp4' as const } };
    // ffprobe either fails to open it or finds no video in it.
    await expect(upload(f, b)).rejects.toMatchObject({ status: 400, code: expect.stringMatching(/^content\.(undecodable|no_video)$/) });
    await noTempFiles();
  });

  it('refuses an upload over its kind size limit before and while reading it (413)', async () => {
    await expect(f.content.upload(ADMIN, 'b'.repeat(64), 'image/png', Readable.from([Buffer.alloc(10)]), 17 * 1024 * 1024)).rejects.toMatchObject({ status: 413 });
    const chunks = (function* () {
      for (let i = 0; i < 17; i++) yield Buffer.alloc(1024 * 1024, i);
    })();
    await expect(f.content.upload(ADMIN, 'c'.repeat(64), 'image/png', Readable.from(chunks))).rejects.toMatchObject({ status: 413, code: 'content.too_large' });
    await expect(f.content.upload(ADMIN, 'd'.repeat(64), 'image/png', Readable.from([]))).rejects.toMatchObject({ status: 422, code: 'content.empty' });
    await noTempFiles();
  });

  it('refuses re-declaring stored content as another type (409)', async () => {
    await expect(upload(f, png, 'image/jpeg')).rejects.toMatchObject({ status: 409, code: 'content.exists' });
  });
});

describe('versions', () => {
  it('creates a draft with generated keyword spellings, numbered per product', async () => {
    await f.catalogue.createProduct(ADMIN, { id: 'wm-b', name, retentionClass: 'insurance-10y' });
    const v1 = await f.catalogue.createVersion(ADMIN, 'wm-b', definition(video));
    expect(v1).toMatchObject({ productId: 'wm-b', version: 1, status: 'draft', publishedAt: null });
    const ack = v1.definition.phrases.find((p) => p.id === 'ack')!;
    expect(ack.keywords.map((k) => [k.role, k.label])).toEqual([
      ['full', '我已知晓产品风险并自愿购买'],
      ['part', '我已知晓产品风险'],
      ['part', '并自愿购买'],
    ]);
    expect(ack.keywords[0]!.tokens.join(' ')).toBe('w ǒ y ǐ zh ī x iǎo ch ǎn p ǐn f ēng x iǎn b ìng z ì y uàn g òu m ǎi');
    const v2 = await f.catalogue.createVersion(ADMIN, 'wm-b', definition(video));
    expect(v2.version).toBe(2);
    await expect(f.catalogue.createVersion(ADMIN, 'nope', definition(video))).rejects.toMatchObject({ status: 404 });
  });

  it('refuses to publish while content is missing, too short, or described wrongly, naming each problem', async () => {
    await f.catalogue.createProduct(ADMIN, { id: 'wm-c', name, retentionClass: 'banking-wm' });
    const missing = { ...video.ref, sha256: 'e'.repeat(64) };
    const d = definition(video);
    d.steps = [
      { id: 'gone', kind: 'video', title: { zh: '缺' }, content: missing, minSeconds: 1, confirmAfter: null },
      { id: 'long', kind: 'video', title: { zh: '长' }, content: video.ref, minSeconds: 60, confirmAfter: null },
      { id: 'size', kind: 'image', title: { zh: '图' }, content: { ...png.ref, bytes: png.ref.bytes + 1 }, minSeconds: 1, confirmAfter: 'read' },
    ];
    const v = await f.catalogue.createVersion(ADMIN, 'wm-c', d);
    const err = await f.catalogue.publish(ADMIN, 'wm-c', v.version).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 409, code: 'catalogue.content_missing' });
    const msg = (err as Error).message;
    expect(msg).toContain('step gone names content eeee');
    expect(msg).toContain('step long must play at least 60 s');
    expect(msg).toContain('step size says content');
    expect((await f.catalogue.getVersion('wm-c', v.version)).status).toBe('draft');
  });

  it('publishes, never changes a published version, and retires the one before on the next publish', async () => {
    await f.catalogue.createProduct(ADMIN, { id: 'wm-d', name, retentionClass: 'banking-wm' });
    const v1 = await f.catalogue.createVersion(ADMIN, 'wm-d', definition(video));
    const edited = definition(video, { notes: 'edited' });
    expect((await f.catalogue.updateDraft(ADMIN, 'wm-d', v1.version, edited)).definition.notes).toBe('edited');
    const p1 = await f.catalogue.publish(ADMIN, 'wm-d', 1);
    expect(p1).toMatchObject({ status: 'published', publishedBy: ADMIN });
    await expect(f.catalogue.updateDraft(ADMIN, 'wm-d', 1, definition(video))).rejects.toMatchObject({ status: 409, code: 'catalogue.version_immutable' });
    await expect(f.catalogue.publish(ADMIN, 'wm-d', 1)).rejects.toMatchObject({ status: 409, code: 'catalogue.not_draft' });
    const v2 = await f.catalogue.createVersion(ADMIN, 'wm-d', definition(video, { notes: 'v2' }));
    await f.catalogue.publish(ADMIN, 'wm-d', v2.version);
    const versions = (await f.catalogue.getProduct('wm-d')).versions;
    expect(versions.map((v) => [v.version, v.status])).toEqual([
      [1, 'retired'],
      [2, 'published'],
    ]);
    expect(versions[0]!.retiredAt).not.toBeNull();
    expect(f.audit.byAction('catalogue.publish').at(-1)).toMatchObject({ actor: ADMIN, target: 'product:wm-d@2', details: { retired: [1], definitionSha256: v2.definitionSha256 } });
    await expect(f.catalogue.retire(ADMIN, 'wm-d', 1)).rejects.toMatchObject({ status: 409, code: 'catalogue.not_published' });
  });

  it('keeps one published version when two drafts are published at once', async () => {
    await f.catalogue.createProduct(ADMIN, { id: 'wm-e', name, retentionClass: 'banking-wm' });
    await f.catalogue.createVersion(ADMIN, 'wm-e', definition(video));
    await f.catalogue.createVersion(ADMIN, 'wm-e', definition(video, { notes: 'b' }));
    const r = await Promise.allSettled([f.catalogue.publish(ADMIN, 'wm-e', 1), f.catalogue.publish(ADMIN, 'wm-e', 2)]);
    expect(r.filter((x) => x.status === 'fulfilled').length).toBeGreaterThanOrEqual(1);
    const published = (await f.catalogue.getProduct('wm-e')).versions.filter((v) => v.status === 'published');
    expect(published).toHaveLength(1);
  });

  it('detects a stored definition changed behind the service (422)', async () => {
    await f.catalogue.createProduct(ADMIN, { id: 'wm-f', name, retentionClass: 'banking-wm' });
    const v = await f.catalogue.createVersion(ADMIN, 'wm-f', definition(video));
    const changed = JSON.stringify({ ...v.definition, notes: 'changed behind the service' });
    await f.db.updateTable('product_versions').set({ definition_json: changed }).where('product_id', '=', 'wm-f').execute();
    await expect(f.catalogue.getVersion('wm-f', 1)).rejects.toMatchObject({ status: 422, code: 'catalogue.definition_changed' });
  });
});

describe('snapshot', () => {
  it('lists each active product once with its published version, and its ETag follows the content', async () => {
    const s1 = CatalogueSnapshot.parse(await f.catalogue.snapshot());
    expect(s1.etag).toBe(catalogueEtag(s1.entries));
    const ids = s1.entries.map((e) => e.product.id);
    expect(ids).toEqual([...ids].sort());
    expect(ids).toContain('wm-d');
    expect(ids).not.toContain('wm-c');
    expect(s1.entries.find((e) => e.product.id === 'wm-d')!.version).toBe(2);
    expect((await f.catalogue.snapshot()).etag).toBe(s1.etag);

    await f.catalogue.updateProduct(ADMIN, 'wm-d', { status: 'withdrawn' });
    const s2 = await f.catalogue.snapshot();
    expect(s2.entries.map((e) => e.product.id)).not.toContain('wm-d');
    expect(s2.etag).not.toBe(s1.etag);
    expect(await f.content.servedToBooths(video.ref.sha256)).toBe(true);
    await f.catalogue.updateProduct(ADMIN, 'wm-d', { status: 'active' });
    expect((await f.catalogue.snapshot()).etag).toBe(s1.etag);
  });

  it('serves to booths only content that a published version of an active product names', async () => {
    expect(await f.content.servedToBooths(png.ref.sha256)).toBe(false);
    expect(await f.content.servedToBooths('f'.repeat(64))).toBe(false);
  });
});
