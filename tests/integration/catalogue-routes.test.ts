// The catalogue and customer routes over real HTTP on 127.0.0.1 against a real server (the real
// auth hook, SQLite, filesystem store, FFmpeg): admin content upload and publish, the booth's
// snapshot with ETag/304, immutable content with ranges, branch-scoped customers, audit entries.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogueSnapshot, type ProductVersion } from '../../src/protocol/catalogue.js';
import { residentIdCheckChar } from '../../src/protocol/customers.js';
import { auditByAction } from '../helpers/audit.js';
import { openApiFixture, type ApiFixture } from '../helpers/api-fixture.js';
import { makeMedia, makePng, makeVideo, type Media } from '../helpers/catalogue-fixture.js';
import { rawHttp } from '../helpers/raw-http.js';
import { staffLogin } from '../helpers/staff.js';

type Headers = Record<string, string>;
let fx: ApiFixture;
let admin: Headers;
let reviewer: Headers;
let tellerA: Headers;
let boothH: Headers;
let video: Media;
let png: Media;

beforeAll(async () => {
  fx = await openApiFixture();
  admin = (await staffLogin(fx.server, { roles: ['admin'], branches: '*' })).headers;
  reviewer = (await staffLogin(fx.server, { roles: ['reviewer'], branches: '*' })).headers;
  tellerA = (await staffLogin(fx.server, { roles: ['booth_staff'], branches: ['br-a'] })).headers;
  boothH = fx.booth.headers;
  video = await makeVideo(fx.server.ffmpeg, fx.dir, 2, 'route-video.mp4');
  png = await makePng(fx.server.ffmpeg, fx.dir, 'route.png');
});
afterAll(async () => {
  await fx?.close();
});

const url = (path: string) => new URL(`/api/v1${path}`, fx.base);
const json = (method: string, path: string, headers: Headers, body?: unknown) =>
  fetch(url(path), { method, headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body !== undefined ? JSON.stringify(body) : undefined });
const put = async (m: Media, headers: Headers, type: string = m.ref.mime, sha = m.ref.sha256) => fetch(url(`/catalogue/content/${sha}`), { method: 'PUT', headers: { ...headers, 'content-type': type }, body: await readFile(m.path) });
const audit = () => ({ byAction: (action: string) => auditByAction(fx.server.audit, action) });

const definition = (v: Media, notes?: string) => ({
  steps: [
    { id: 'video', kind: 'video', title: { zh: '风险视频' }, content: v.ref, minSeconds: 1, confirmAfter: null },
    { id: 'text', kind: 'text', title: { zh: '风险揭示' }, body: { zh: '本产品不保本。' }, minSeconds: 3, confirmAfter: null },
  ],
  phrases: [{ id: 'ack', text: '我已知晓产品风险并自愿购买' }],
  finalPhraseIds: ['ack'],
  ...(notes ? { notes } : {}),
});

describe('admin catalogue over HTTP', () => {
  it('uploads content (201, then 200), refusing a wrong hash, a wrong type and other roles', async () => {
    expect((await put(video, reviewer)).status).toBe(403);
    const first = await put(video, admin);
    expect(first.status).toBe(201);
    expect(await first.json()).toMatchObject({ sha256: video.ref.sha256, kind: 'video', bytes: video.ref.bytes });
    expect((await put(video, admin)).status).toBe(200);
    const wrong = await put(png, admin, 'image/png', 'a'.repeat(64));
    expect([wrong.status, ((await wrong.json()) as { error: { code: string } }).error.code]).toEqual([422, 'content.hash_mismatch']);
    const mislabelled = await put(png, admin, 'video/webm');
    expect([mislabelled.status, ((await mislabelled.json()) as { error: { code: string } }).error.code]).toEqual([400, 'content.mime_mismatch']);
    const text = await put(png, admin, 'text/plain');
    expect([text.status, ((await text.json()) as { error: { code: string } }).error.code]).toEqual([400, 'content.unsupported_type']);
    const huge = await rawHttp(fx.base, 'PUT', `/api/v1/catalogue/content/${'b'.repeat(64)}`, { headers: { ...admin, 'content-type': 'image/png', 'content-length': String(17 * 1024 * 1024) } });
    expect([huge.status, huge.body.error?.code]).toEqual([413, 'content.too_large']);
    expect((await put(png, admin)).status).toBe(201);
  });

  it('streams uploads larger than the 4 MiB JSON body limit', async () => {
    const noise = ['-f', 'lavfi', '-i', 'nullsrc=size=640x480:rate=25:duration=3,geq=lum=random(1)*255:cb=128:cr=128', '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-pix_fmt', 'yuv420p'];
    const big = await makeMedia(fx.server.ffmpeg, fx.dir, 'noise.mp4', 'video/mp4', noise);
    expect(big.ref.bytes).toBeGreaterThan(6 * 1024 * 1024);
    const res = await put(big, admin);
    expect(res.status).toBe(201);
    expect(((await res.json()) as { bytes: number }).bytes).toBe(big.ref.bytes);
  });

  it('creates, publishes and reads products; reviewers read, booth staff do not', async () => {
    expect((await json('POST', '/catalogue/products', admin, { id: 'wm-http', name: { zh: '理财', en: 'WM' }, retentionClass: 'banking-wm' })).status).toBe(201);
    expect((await json('POST', '/catalogue/products', admin, { id: 'WM_BAD', name: { zh: '理财', en: 'WM' }, retentionClass: 'banking-wm' })).status).toBe(400);
    const created = await json('POST', '/catalogue/products/wm-http/versions', admin, definition(video));
    expect(created.status).toBe(201);
    const v = (await created.json()) as ProductVersion;
    expect(v.definition.phrases[0]!.keywords[0]!.tokens.slice(0, 2)).toEqual(['w', 'ǒ']);
    const published = await json('POST', `/catalogue/products/wm-http/versions/${v.version}/publish`, admin);
    expect(published.status).toBe(200);
    expect((await json('PUT', `/catalogue/products/wm-http/versions/${v.version}`, admin, definition(video))).status).toBe(409);
    expect((await json('POST', '/catalogue/products/wm-http/versions/01/publish', admin)).status).toBe(400);
    expect((await json('GET', '/catalogue/products/wm-http', reviewer)).status).toBe(200);
    expect((await json('GET', '/catalogue/products', tellerA)).status).toBe(403);
    expect((await audit().byAction('catalogue.publish')).at(-1)).toMatchObject({ target: `product:wm-http@${v.version}` });
  });
});

describe('booth catalogue over HTTP', () => {
  it('serves the snapshot with an ETag, 304 while unchanged, and a new ETag after a publish', async () => {
    const r1 = await fetch(url('/booth/catalogue'), { headers: boothH });
    expect(r1.status).toBe(200);
    const snap = CatalogueSnapshot.parse(await r1.json());
    expect(r1.headers.get('etag')).toBe(`"${snap.etag}"`);
    expect(snap.entries.map((e) => e.product.id)).toContain('wm-http');
    const r2 = await fetch(url('/booth/catalogue'), { headers: { ...boothH, 'if-none-match': `"${snap.etag}"` } });
    expect(r2.status).toBe(304);
    expect(await r2.text()).toBe('');
    expect((await fetch(url('/booth/catalogue'), { headers: admin })).status).toBe(401);

    const v2 = (await (await json('POST', '/catalogue/products/wm-http/versions', admin, definition(video, 'second'))).json()) as ProductVersion;
    await json('POST', `/catalogue/products/wm-http/versions/${v2.version}/publish`, admin);
    const r3 = await fetch(url('/booth/catalogue'), { headers: { ...boothH, 'if-none-match': `"${snap.etag}"` } });
    expect(r3.status).toBe(200);
    expect(r3.headers.get('etag')).not.toBe(`"${snap.etag}"`);
  });

  it('serves published content immutably, with ranges, and nothing a published version does not name', async () => {
    const path = `/booth/catalogue/content/${video.ref.sha256}`;
    const full = await fetch(url(path), { headers: boothH });
    expect(full.status).toBe(200);
    expect(full.headers.get('content-type')).toBe('video/mp4');
    expect(full.headers.get('cache-control')).toContain('immutable');
    expect(full.headers.get('etag')).toBe(`"${video.ref.sha256}"`);
    expect(Buffer.from(await full.arrayBuffer())).toEqual(await readFile(video.path));
    const part = await fetch(url(path), { headers: { ...boothH, range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${video.ref.bytes}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual((await readFile(video.path)).subarray(100, 200));
    expect((await fetch(url(path), { headers: { ...boothH, range: `bytes=${video.ref.bytes}-` } })).status).toBe(416);
    expect((await fetch(url(path), { headers: { ...boothH, 'if-none-match': `"${video.ref.sha256}"` } })).status).toBe(304);
    // The image was uploaded but no published version names it.
    expect((await fetch(url(`/booth/catalogue/content/${png.ref.sha256}`), { headers: boothH })).status).toBe(404);
    expect((await fetch(url(`/catalogue/content/${png.ref.sha256}`), { headers: reviewer })).status).toBe(200);
    expect((await fetch(url('/booth/catalogue/content/not-a-hash'), { headers: boothH })).status).toBe(400);
  });
});

describe('customers over HTTP', () => {
  const number = (f: string) => f + residentIdCheckChar(f);
  const ID = number('44030519850505123');
  const descriptor = Array.from({ length: 128 }, (_, i) => Math.cos(i) / 4);

  it('lets branch staff create and look up customers of their branch only, and audits it', async () => {
    const create = (branchId: string) => json('POST', '/customers', tellerA, { branchId, name: '王五', idDocument: { type: 'cn_resident_id', number: ID }, faces: [{ descriptor }] });
    const res = await create('br-a');
    expect(res.status).toBe(201);
    const c = (await res.json()) as { customerId: string; idMasked: string };
    expect(c.idMasked).toBe(`**************${ID.slice(-4)}`);
    expect((await create('br-b')).status).toBe(403);
    expect((await create('br-a')).status).toBe(409);
    expect((await json('POST', '/customers', admin, { branchId: 'br-a', name: 'x', idDocument: { type: 'passport', number: 'E1234567' } })).status).toBe(403);
    const found = await json('POST', '/customers/lookup', reviewer, { branchId: 'br-a', idDocument: { type: 'cn_resident_id', number: ID } });
    expect(found.status).toBe(200);
    expect(((await found.json()) as { customerId: string }).customerId).toBe(c.customerId);
    expect((await audit().byAction('customer.create')).at(-1)).toMatchObject({ target: `customer:${c.customerId}`, branchId: 'br-a' });
    expect((await audit().byAction('customer.read')).at(-1)).toMatchObject({ target: `customer:${c.customerId}`, details: { via: 'lookup' } });
  });

  it('gives the booth of the branch descriptors only, and stores and serves photos', async () => {
    const res = await json('POST', '/booth/customers/lookup', boothH, { idDocument: { type: 'cn_resident_id', number: ID } });
    expect(res.status).toBe(200);
    const b = (await res.json()) as { customerId: string; faces: Array<{ descriptor: number[] }> };
    expect(b.faces[0]!.descriptor).toEqual(descriptor);
    expect(JSON.stringify(b)).not.toContain(ID.slice(0, 12));
    expect((await json('POST', '/booth/customers/lookup', boothH, { idDocument: { type: 'cn_resident_id', number: number('44030519850505124').slice(0, 17) + '0' } })).status).toBe(400);

    const photoUrl = url(`/customers/${b.customerId}/photos/${png.ref.sha256}`);
    const up = await fetch(photoUrl, { method: 'PUT', headers: { ...tellerA, 'content-type': 'image/png' }, body: await readFile(png.path) });
    expect(up.status).toBe(201);
    const face = await json('POST', `/customers/${b.customerId}/faces`, tellerA, { photoSha256: png.ref.sha256 });
    expect(face.status).toBe(201);
    const got = await fetch(photoUrl, { headers: reviewer });
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer())).toEqual(await readFile(png.path));
    expect((await audit().byAction('customer.photo_read'))).toHaveLength(1);
    const again = await json('POST', '/booth/customers/lookup', boothH, { idDocument: { type: 'cn_resident_id', number: ID } });
    expect(((await again.json()) as { faces: unknown[] }).faces).toHaveLength(1);
  });
});
