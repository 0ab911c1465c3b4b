// What S3BlobStore sends and how it reads answers, checked on the wire against a recording HTTP
// endpoint on 127.0.0.1 that answers with scripted S3 responses. This is NOT an S3 server and
// proves nothing about S3's own behaviour: the shared BlobStore suite runs against a real
// S3/MinIO with `npm run test:s3` (see README, "S3 object storage").
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, IntegrityError, NotFoundError, ValidationError } from '../../src/core/errors.js';
import { S3BlobStore } from '../../src/server/storage/s3-blob-store.js';
import { S3StoreConfig, s3ConfigFromEnv } from '../../src/server/storage/s3-config.js';
import { FsBlobStore } from '../../src/server/storage/fs-blob-store.js';
import { openBlobStore } from '../../src/server/storage/open-blob-store.js';

interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}
interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

let server: Server;
let endpoint: string;
let requests: Recorded[] = [];
let answer: (r: Recorded) => Answer = () => ({ status: 500 });

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const r: Recorded = { method: req.method ?? '', path: decodeURIComponent(url.pathname), query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks) };
      requests.push(r);
      const a = answer(r);
      res.writeHead(a.status, { 'content-type': 'application/xml', ...a.headers });
      res.end(a.body ?? '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  requests = [];
});

const store = () =>
  new S3BlobStore(S3StoreConfig.parse({ bucket: 'evidence', endpoint, forcePathStyle: true, prefix: 'dualrec/' }), {
    credentials: { accessKeyId: 'TESTKEYID', secretAccessKey: 'test-secret-not-real' },
  });
const b64sha = (b: Buffer) => createHash('sha256').update(b).digest('base64');
const hexsha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const s3Error = (status: number, code: string): Answer => ({ status, body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>` });
const head = (data: Buffer, extra: Record<string, string> = {}): Answer => ({
  status: 200,
  headers: { 'content-length': String(data.length), 'x-amz-version-id': 'v1', 'x-amz-checksum-sha256': b64sha(data), 'x-amz-meta-sha256': hexsha(data), ...extra },
});
const retention = (date: string): Answer => ({ status: 200, body: `<Retention><Mode>COMPLIANCE</Mode><RetainUntilDate>${date}</RetainUntilDate></Retention>` });
const legalHold = (on: boolean): Answer => ({ status: 200, body: `<LegalHold><Status>${on ? 'ON' : 'OFF'}</Status></LegalHold>` });
// The SDK adds `x-id=<Operation>` to some requests; it names the operation and is left out here.
const summary = () =>
  requests.map((r) => {
    const keys = [...r.query.keys()].filter((k) => k !== 'x-id');
    return `${r.method} ${r.path}${keys.length ? `?${keys.join('&')}` : ''}`;
  });

describe('S3BlobStore on the wire', () => {
  it('stores with a signed, conditional PUT that carries the SHA-256 checksum', async () => {
    const data = Buffer.from('sealed segment bytes');
    answer = () => ({ status: 200, headers: { etag: '"e"' } });
    await store().put('sessions/s1/000001.seg', data);
    expect(summary()).toEqual(['PUT /evidence/dualrec/sessions/s1/000001.seg']);
    const r = requests[0]!;
    expect(r.headers['if-none-match']).toBe('*');
    expect(r.headers['x-amz-checksum-sha256']).toBe(b64sha(data));
    expect(r.headers['x-amz-meta-sha256']).toBe(hexsha(data));
    expect(r.headers['content-length']).toBe(String(data.length));
    expect(r.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=TESTKEYID\/\d{8}\/us-east-1\/s3\/aws4_request, SignedHeaders=[^,]*if-none-match[^,]*x-amz-checksum-sha256/);
    expect(r.body.equals(data)).toBe(true);
  });

  it('treats a 412 for the same bytes as done and for different bytes as a conflict', async () => {
    const data = Buffer.from('v1');
    answer = (r) => (r.method === 'PUT' ? s3Error(412, 'PreconditionFailed') : head(data));
    await store().put('k.bin', data);
    expect(summary()).toEqual(['PUT /evidence/dualrec/k.bin', 'HEAD /evidence/dualrec/k.bin']);
    expect(requests[1]!.headers['x-amz-checksum-mode']).toBe('ENABLED');
    await expect(store().put('k.bin', Buffer.from('v2'))).rejects.toThrow(ConflictError);
    await expect(store().put('k.bin', Buffer.from('v2'))).rejects.toThrow(/never overwritten/);
  });

  it('checks the SHA-256 of what it reads against the stored checksum', async () => {
    const data = Buffer.from('evidence');
    answer = () => ({ ...head(data), body: data });
    expect((await store().get('k.bin')).toString()).toBe('evidence');
    expect(requests[0]!.headers['x-amz-checksum-mode']).toBe('ENABLED');
    const chunks: Buffer[] = [];
    for await (const c of await store().stream('k.bin')) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('evidence');

    const damaged = Buffer.from('evidencf');
    answer = () => ({ ...head(data), body: damaged });
    await expect(store().get('k.bin')).rejects.toThrow(IntegrityError);
    const s = await store().stream('k.bin');
    const read = async () => {
      for await (const c of s) void c;
    };
    await expect(read()).rejects.toThrow(IntegrityError);

    // A store that answers with a body whose stored checksum was lost cannot be trusted either.
    answer = () => ({ status: 200, headers: { 'content-length': String(data.length) }, body: data });
    await expect(store().get('k.bin')).rejects.toThrow(/returned no SHA-256/);
  });

  it('maps a missing object to NotFoundError', async () => {
    answer = (r) => (r.method === 'HEAD' ? { status: 404 } : s3Error(404, 'NoSuchKey'));
    await expect(store().get('gone.bin')).rejects.toThrow(NotFoundError);
    expect(await store().has('gone.bin')).toBe(false);
    await expect(store().size('gone.bin')).rejects.toThrow(NotFoundError);
    await expect(store().protect('gone.bin', new Date(Date.now() + 60_000).toISOString())).rejects.toThrow(NotFoundError);
  });

  it('sets COMPLIANCE retention on the object version, and never shortens it', async () => {
    const data = Buffer.from('x');
    const until = '2031-05-06T07:08:09.000Z';
    answer = (r) => (r.method === 'HEAD' ? head(data) : r.method === 'GET' ? s3Error(404, 'NoSuchObjectLockConfiguration') : { status: 200 });
    await store().protect('k.bin', until);
    expect(summary()).toEqual(['HEAD /evidence/dualrec/k.bin', 'GET /evidence/dualrec/k.bin?retention&versionId', 'PUT /evidence/dualrec/k.bin?retention&versionId']);
    const put = requests[2]!;
    expect(put.query.get('versionId')).toBe('v1');
    expect(put.body.toString()).toMatch(/<Mode>COMPLIANCE<\/Mode>/);
    expect(put.body.toString()).toMatch(/<RetainUntilDate>2031-05-06T07:08:09(\.000)?Z<\/RetainUntilDate>/);
    // S3 requires an integrity header on retention changes; the SDK adds one.
    expect(Object.keys(put.headers).some((h) => h === 'content-md5' || h.startsWith('x-amz-checksum-'))).toBe(true);

    requests = [];
    answer = (r) => (r.method === 'HEAD' ? head(data) : retention('2035-01-01T00:00:00.000Z'));
    await expect(store().protect('k.bin', until)).rejects.toThrow(/never shortened/);
    await store().protect('k.bin', '2035-01-01T00:00:00.000Z');
    expect(requests.filter((r) => r.method === 'PUT')).toEqual([]);
    await expect(store().protect('k.bin', 'soon')).rejects.toThrow(ValidationError);
  });

  it('sets and clears the legal hold flag', async () => {
    answer = (r) => (r.method === 'HEAD' ? head(Buffer.from('x')) : { status: 200 });
    await store().setLegalHold('k.bin', true);
    await store().setLegalHold('k.bin', false);
    const puts = requests.filter((r) => r.method === 'PUT');
    expect(puts.map((r) => [r.query.has('legal-hold'), r.query.get('versionId'), /<Status>(ON|OFF)<\/Status>/.exec(r.body.toString())?.[1]])).toEqual([
      [true, 'v1', 'ON'],
      [true, 'v1', 'OFF'],
    ]);
  });

  it('deletes only an expired, unheld version, and never sends the DELETE otherwise', async () => {
    const data = Buffer.from('x');
    const run = async (ret: Answer, hold: boolean) => {
      requests = [];
      answer = (r) => (r.method === 'HEAD' ? head(data) : r.query.has('retention') ? ret : r.query.has('legal-hold') ? legalHold(hold) : { status: 204 });
      return store().removeExpired('k.bin');
    };
    await expect(run(retention(new Date(Date.now() + 86_400_000).toISOString()), false)).rejects.toThrow(/retained until/);
    await expect(run(retention('2020-01-01T00:00:00.000Z'), true)).rejects.toThrow(/legal hold/);
    await expect(run(s3Error(404, 'NoSuchObjectLockConfiguration'), false)).rejects.toThrow(/no retention date/);
    expect(requests.some((r) => r.method === 'DELETE')).toBe(false);
    await run(retention('2020-01-01T00:00:00.000Z'), false);
    const del = requests.find((r) => r.method === 'DELETE')!;
    expect(del.path).toBe('/evidence/dualrec/k.bin');
    expect(del.query.get('versionId')).toBe('v1');
  });

  it('reports the store still refusing a delete as a conflict', async () => {
    answer = (r) =>
      r.method === 'HEAD' ? head(Buffer.from('x')) : r.query.has('retention') ? retention('2020-01-01T00:00:00.000Z') : r.query.has('legal-hold') ? legalHold(false) : s3Error(403, 'AccessDenied');
    await expect(store().removeExpired('k.bin')).rejects.toThrow(/Object Lock still protects it/);
  });

  it('refuses path-like keys before sending anything', async () => {
    await expect(store().put('../x.bin', Buffer.from('x'))).rejects.toThrow(ValidationError);
    expect(requests).toEqual([]);
  });
});

describe('S3 store settings', () => {
  it('reads them from the environment and validates them', () => {
    expect(s3ConfigFromEnv({})).toBeNull();
    expect(s3ConfigFromEnv({ DUALREC_S3_BUCKET: 'evidence', DUALREC_S3_ENDPOINT: 'http://127.0.0.1:9000', DUALREC_S3_FORCE_PATH_STYLE: '1', DUALREC_S3_PREFIX: 'a/b/' })).toEqual({
      bucket: 'evidence',
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
      prefix: 'a/b/',
    });
    expect(() => s3ConfigFromEnv({ DUALREC_S3_BUCKET: 'Bad_Bucket' })).toThrow(/DUALREC_S3_\*.*bucket: an S3 bucket name/);
    expect(() => s3ConfigFromEnv({ DUALREC_S3_BUCKET: 'evidence', DUALREC_S3_ENDPOINT: 'ftp://x' })).toThrow(/endpoint must be an http\(s\) URL/);
    expect(() => s3ConfigFromEnv({ DUALREC_S3_BUCKET: 'evidence', DUALREC_S3_PREFIX: '../' })).toThrow(/prefix/);
    // Credentials are not settings: a config object carrying them is refused.
    expect(S3StoreConfig.safeParse({ bucket: 'evidence', secretAccessKey: 'x' }).success).toBe(false);
  });
});

describe('choosing the evidence store', () => {
  it('uses S3 when DUALREC_S3_BUCKET is set, else the data folder', () => {
    const s3 = openBlobStore('/data', { DUALREC_S3_BUCKET: 'evidence', DUALREC_S3_ENDPOINT: 'http://127.0.0.1:9000', DUALREC_S3_FORCE_PATH_STYLE: 'true' });
    expect(s3).toBeInstanceOf(S3BlobStore);
    expect((s3 as S3BlobStore).config).toMatchObject({ bucket: 'evidence', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true });
    expect(s3.localPath('a.bin')).toBeNull();
    s3.close?.();
    const fs = openBlobStore('/data', {});
    expect(fs).toBeInstanceOf(FsBlobStore);
    expect(fs.localPath('a.bin')).toBe('/data/store/a.bin');
  });
});
