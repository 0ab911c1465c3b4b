// Real server on 127.0.0.1 over real HTTP (node:http, so paths go out byte for byte), real SQLite,
// real files. Each bad request must get a 4xx naming the problem and change nothing.
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { genesisLink, nextLink } from '../../src/core/chain.js';
import { canonicalJson } from '../../src/core/canonical-json.js';
import { newDataKey, sealSegment } from '../../src/core/envelope.js';
import { signManifest, wrapDataKey } from '../../src/core/keys.js';
import { createLogger } from '../../src/platform/log.js';
import type { SessionManifest } from '../../src/protocol/envelope.js';
import { parseServerConfig } from '../../src/server/config.js';
import { Server } from '../../src/server/server.js';
import { rawHttp, type RawResponse } from '../helpers/raw-http.js';

type Res = RawResponse;

let server: Server;
let dataDir: string;
let base: URL;
let token: string;
let boothId: string;
let deviceKey: KeyObject;
let archiveDer: Buffer;

function call(method: string, path: string, opts: { body?: string | Buffer; headers?: Record<string, string>; auth?: boolean } = {}): Promise<Res> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.auth !== false && token) headers.authorization = `Bearer ${token}`;
  return rawHttp(base, method, path, { body: opts.body, headers });
}

const json = (v: unknown) => ({ body: typeof v === 'string' ? v : JSON.stringify(v), headers: { 'content-type': 'application/json' } });

async function snapshot(): Promise<string> {
  const db = server.archive.db;
  const counts = await Promise.all(
    (['booths', 'sessions', 'segments', 'jobs', 'enrollment_codes', 'booth_faults', 'booth_status'] as const).map(async (t) => {
      const r = await db.selectFrom(t).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return `${t}=${r.n}`;
    }),
  );
  const sessions = await db.selectFrom('sessions').select(['session_id', 'status', 'manifest_json']).orderBy('session_id').execute();
  const files = await readdir(join(dataDir, 'store'), { recursive: true }).catch(() => []);
  return JSON.stringify({ counts, sessions, files: [...files].sort() });
}

interface TestSession {
  sessionId: string;
  startedAt: string;
  key: Buffer;
  keyWrap: ReturnType<typeof wrapDataKey>;
}

async function newSession(): Promise<TestSession> {
  const sessionId = randomUUID();
  const key = newDataKey();
  const keyWrap = wrapDataKey(key, archiveDer);
  const startedAt = new Date().toISOString();
  const r = await call('POST', '/api/v1/sessions', json({ sessionId, productId: 'fund-1', startedAt, keyWrap }));
  expect(r.status).toBe(201);
  return { sessionId, startedAt, key, keyWrap };
}

function seal(s: TestSession, seq: number, prevLink: string, opts: { seqInHeader?: number } = {}) {
  return sealSegment(
    s.key,
    { sessionId: s.sessionId, boothId, seq: opts.seqInHeader ?? seq, prevLink, startSec: seq * 2, durationSec: 2, container: 'mpegts', recordedAt: new Date().toISOString() },
    Buffer.from(`media of segment ${seq} `.repeat(200)),
  );
}

function put(s: TestSession, seq: number | string, bytes: Buffer, sha: string) {
  return call('PUT', `/api/v1/sessions/${s.sessionId}/segments/${seq}`, { body: bytes, headers: { 'content-type': 'application/octet-stream', 'x-dualrec-sha256': sha } });
}

async function expectRejected(p: Promise<Res>, status: number, code: string, message: RegExp): Promise<void> {
  const before = await snapshot();
  const r = await p;
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(r.body.error?.code).toBe(code);
  expect(r.body.error?.message).toMatch(message);
  expect(await snapshot()).toBe(before);
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'dualrec-input-'));
  server = await Server.create(parseServerConfig({ dataDir, port: 0, maxSegmentBytes: 64 * 1024 }), { log: createLogger('server', 'silent') });
  base = new URL(await server.listen());
  const { code } = await server.ingest.createEnrollmentCode();
  const keys = generateKeyPairSync('ed25519');
  deviceKey = keys.privateKey;
  const r = await call('POST', '/api/v1/booths/enroll', { ...json({ code, name: 'input-test', publicKey: keys.publicKey.export({ format: 'der', type: 'spki' }).toString('base64') }), auth: false });
  expect(r.status).toBe(201);
  token = r.body.token as string;
  boothId = r.body.boothId as string;
  archiveDer = Buffer.from(r.body.archivePublicKey as string, 'base64');
});

afterAll(async () => {
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('server input validation', () => {
  it('accepts a well-formed session and answers repeats with the same acknowledgement', async () => {
    const s = await newSession();
    const seg = seal(s, 0, genesisLink(s.sessionId));
    const a = await put(s, 0, seg.bytes, seg.cipherSha256);
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ seq: 0, sha256: seg.cipherSha256, link: nextLink(genesisLink(s.sessionId), seg.cipherSha256) });
    const again = await put(s, 0, seg.bytes, seg.cipherSha256);
    expect(again.body).toEqual(a.body);
  });

  it('rejects malformed JSON', async () => {
    await expectRejected(call('POST', '/api/v1/sessions', json('{"sessionId": ')), 400, 'request.malformed_json', /not valid JSON/);
  });

  it('rejects JSON with unknown or missing fields, naming them', async () => {
    const s = { sessionId: randomUUID(), productId: 'fund-1', startedAt: new Date().toISOString(), keyWrap: wrapDataKey(newDataKey(), archiveDer) };
    await expectRejected(call('POST', '/api/v1/sessions', json({ ...s, extra: 1 })), 400, 'request.invalid', /extra/);
    await expectRejected(call('POST', '/api/v1/sessions', json({ ...s, productId: undefined })), 400, 'request.invalid', /productId/);
    await expectRejected(call('POST', '/api/v1/sessions', json({ ...s, productId: '../../etc' })), 400, 'request.invalid', /productId: product id must be/);
  });

  it('rejects a session key wrapped for another archive', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'der', type: 'spki' });
    const body = { sessionId: randomUUID(), productId: 'fund-1', startedAt: new Date().toISOString(), keyWrap: wrapDataKey(newDataKey(), other) };
    await expectRejected(call('POST', '/api/v1/sessions', json(body)), 422, 'session.wrong_archive_key', /wrapped for archive key/);
  });

  it('rejects an unknown session', async () => {
    const ghost = { sessionId: randomUUID(), startedAt: new Date().toISOString(), key: newDataKey(), keyWrap: wrapDataKey(newDataKey(), archiveDer) };
    const seg = seal(ghost, 0, genesisLink(ghost.sessionId));
    await expectRejected(put(ghost, 0, seg.bytes, seg.cipherSha256), 404, 'session.unknown', new RegExp(`unknown session ${ghost.sessionId}`));
    await expectRejected(call('GET', `/api/v1/sessions/${ghost.sessionId}`), 404, 'session.unknown', /unknown session/);
  });

  it('rejects a body whose hash differs from the declared one', async () => {
    const s = await newSession();
    const seg = seal(s, 0, genesisLink(s.sessionId));
    const flipped = Buffer.from(seg.bytes);
    flipped[flipped.length - 40]! ^= 0xff;
    await expectRejected(put(s, 0, flipped, seg.cipherSha256), 422, 'segment.hash_mismatch', /segment 0: body SHA-256 [0-9a-f]{64} does not match the declared/);
    await expectRejected(put(s, 0, seg.bytes, 'nothex'), 400, 'segment.no_hash', /x-dualrec-sha256/);
  });

  it('rejects an oversized body', async () => {
    const s = await newSession();
    const big = Buffer.alloc(100 * 1024, 7);
    await expectRejected(put(s, 0, big, 'a'.repeat(64)), 413, 'request.too_large', /larger than this endpoint accepts/);
    await expectRejected(call('POST', '/api/v1/sessions', json({ pad: 'x'.repeat(5 * 1024 * 1024) })), 413, 'request.too_large', /larger/);
  });

  it('rejects path-like and malformed ids', async () => {
    await expectRejected(call('GET', '/api/v1/sessions/..%2F..%2Fetc%2Fpasswd'), 400, 'request.bad_path', /path-like/);
    await expectRejected(call('GET', '/api/v1/sessions/../../etc/passwd'), 400, 'request.bad_path', /path-like/);
    await expectRejected(call('GET', '/api/v1/sessions/not-a-uuid'), 400, 'request.invalid', /session id must be a UUID/);
    const s = await newSession();
    const seg = seal(s, 0, genesisLink(s.sessionId));
    await expectRejected(put(s, '1.5', seg.bytes, seg.cipherSha256), 400, 'request.invalid', /seq: segment sequence must be a whole number from 0 to 1000000 in decimal digits/);
    await expectRejected(put(s, '-1', seg.bytes, seg.cipherSha256), 400, 'request.invalid', /seq: segment sequence must be a whole number from 0 to 1000000/);
    await expectRejected(put(s, '007', seg.bytes, seg.cipherSha256), 400, 'request.invalid', /seq: segment sequence must be a whole number/);
    await expectRejected(put(s, '1000001', seg.bytes, seg.cipherSha256), 400, 'request.invalid', /seq: segment sequence must be <= 1000000/);
    await expectRejected(put(s, '..%2F0', seg.bytes, seg.cipherSha256), 400, 'request.bad_path', /path-like/);
  });

  it('rejects requests without a valid booth token', async () => {
    await expectRejected(call('GET', `/api/v1/sessions/${randomUUID()}`, { auth: false }), 401, 'auth.missing', /needs a booth token/);
    await expectRejected(call('GET', `/api/v1/sessions/${randomUUID()}`, { auth: false, headers: { authorization: `Bearer ${'x'.repeat(43)}` } }), 401, 'auth.invalid', /not valid/);
  });

  it('rejects unknown and reused enrollment codes', async () => {
    const pub = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    await expectRejected(call('POST', '/api/v1/booths/enroll', { ...json({ code: 'AAAA-BBBB-CCCC-DDDD', name: 'x', publicKey: pub }), auth: false }), 403, 'enroll.bad_code', /unknown, already used or expired/);
    const { code } = await server.ingest.createEnrollmentCode();
    expect((await call('POST', '/api/v1/booths/enroll', { ...json({ code, name: 'x', publicKey: pub }), auth: false })).status).toBe(201);
    await expectRejected(call('POST', '/api/v1/booths/enroll', { ...json({ code, name: 'y', publicKey: pub }), auth: false }), 403, 'enroll.bad_code', /already used/);
  });

  it('rejects out-of-order, unlinked and mislabelled segments', async () => {
    const s = await newSession();
    const s0 = seal(s, 0, genesisLink(s.sessionId));
    const s1 = seal(s, 1, nextLink(genesisLink(s.sessionId), s0.cipherSha256));
    await expectRejected(put(s, 1, s1.bytes, s1.cipherSha256), 409, 'segment.out_of_order', /segment 1 arrived before segment 0/);
    expect((await put(s, 0, s0.bytes, s0.cipherSha256)).status).toBe(200);
    const unlinked = seal(s, 1, 'f'.repeat(64));
    await expectRejected(put(s, 1, unlinked.bytes, unlinked.cipherSha256), 422, 'segment.chain_break', /segment 1 does not link to segment 0/);
    const mislabelled = seal(s, 1, nextLink(genesisLink(s.sessionId), s0.cipherSha256), { seqInHeader: 2 });
    await expectRejected(put(s, 1, mislabelled.bytes, mislabelled.cipherSha256), 422, 'segment.header_mismatch', /segment 2, the upload is for session .* segment 1/);
    const other = seal(s, 0, genesisLink(s.sessionId));
    await expectRejected(put(s, 0, other.bytes, other.cipherSha256), 409, 'segment.exists', /already stored with different content/);
    const garbage = Buffer.from('definitely not a sealed segment');
    const { sha256Hex } = await import('../../src/core/chain.js');
    await expectRejected(put(s, 1, garbage, sha256Hex(garbage)), 422, 'segment.bad_format', /not a dualrec sealed segment/);
  });

  function twoSegmentManifest(s: TestSession) {
    const s0 = seal(s, 0, genesisLink(s.sessionId));
    const l0 = nextLink(genesisLink(s.sessionId), s0.cipherSha256);
    const s1 = seal(s, 1, l0);
    const l1 = nextLink(l0, s1.cipherSha256);
    const manifest: SessionManifest = {
      v: 1,
      sessionId: s.sessionId,
      boothId,
      productId: 'fund-1',
      startedAt: s.startedAt,
      endedAt: new Date().toISOString(),
      endReason: 'completed',
      keyWrap: JSON.parse(canonicalJson(s.keyWrap)) as SessionManifest['keyWrap'],
      genesisLink: genesisLink(s.sessionId),
      finalLink: l1,
      mediaDurationSec: 4,
      gaps: [],
      segments: [
        { seq: 0, cipherSha256: s0.cipherSha256, plainSha256: s0.header.plainSha256, link: l0, bytes: s0.bytes.length, startSec: 0, durationSec: 2 },
        { seq: 1, cipherSha256: s1.cipherSha256, plainSha256: s1.header.plainSha256, link: l1, bytes: s1.bytes.length, startSec: 2, durationSec: 2 },
      ],
    };
    return { s0, s1, manifest };
  }
  const finishOf = (s: TestSession) => (m: SessionManifest, signature: string) => call('POST', `/api/v1/sessions/${s.sessionId}/finish`, json({ manifest: m, signature }));

  it('rejects a finish with a bad signature, missing segments or other registration details', async () => {
    const s = await newSession();
    const { s0, manifest } = twoSegmentManifest(s);
    expect((await put(s, 0, s0.bytes, s0.cipherSha256)).status).toBe(200);
    const finish = finishOf(s);
    const forged = signManifest(manifest, generateKeyPairSync('ed25519').privateKey);
    await expectRejected(finish(manifest, forged), 422, 'manifest.bad_signature', /does not verify with the booth's key/);
    await expectRejected(finish(manifest, signManifest(manifest, deviceKey)), 409, 'manifest.segments_missing', /has 1 of the 2 segments/);
    await expectRejected(finish({ ...manifest, sessionId: randomUUID() }, signManifest(manifest, deviceKey)), 400, 'manifest.mismatch', /another session/);
    const otherProduct = { ...manifest, productId: 'other-product' };
    await expectRejected(finish(otherProduct, signManifest(otherProduct, deviceKey)), 422, 'manifest.session_mismatch', /product or start time differs/);
    const backwards = { ...manifest, endedAt: '1970-01-01T00:00:00.000Z' };
    await expectRejected(finish(backwards, signManifest(backwards, deviceKey)), 400, 'manifest.bad_times', /ends before it starts/);
  });

  it('never acknowledges a segment that the finish left out, however the two race', async () => {
    for (let i = 0; i < 10; i++) {
      const s = await newSession();
      const { s0, s1, manifest } = twoSegmentManifest(s);
      expect((await put(s, 0, s0.bytes, s0.cipherSha256)).status).toBe(200);
      // The booth's manifest lists only segment 0; segment 1 is uploaded at the same moment.
      const only0 = { ...manifest, finalLink: manifest.segments[0]!.link, segments: manifest.segments.slice(0, 1) };
      const [up, fin] = await Promise.all([put(s, 1, s1.bytes, s1.cipherSha256), finishOf(s)(only0, signManifest(only0, deviceKey))]);
      expect(up.status === 200 && fin.status === 200, `put ${up.status} ${up.body.error?.code ?? ''}, finish ${fin.status} ${fin.body.error?.code ?? ''}`).toBe(false);
      const stored = await server.archive.db.selectFrom('segments').select('seq').where('session_id', '=', s.sessionId).execute();
      const row = await server.archive.db.selectFrom('sessions').select('manifest_json').where('session_id', '=', s.sessionId).executeTakeFirstOrThrow();
      if (row.manifest_json) expect(stored.map((x) => x.seq)).toEqual([0]);
    }
  });
});

describe('booth fault and status reports', () => {
  const fault = { kind: 'disk.nearly_full', severity: 'warning', message: '1.2 GiB left', sessionId: null, since: new Date().toISOString(), lastSeen: new Date().toISOString(), count: 1, clearedAt: null };
  const status = {
    at: new Date().toISOString(),
    backlog: { segments: 2, bytes: 2048, quarantined: 0, oldestUnconfirmedAt: new Date().toISOString(), oldestUnconfirmedAgeSec: 3 },
    disk: { freeBytes: 10_000_000, vaultBytes: 2048, quotaBytes: null, level: 'ok' },
    recordingSessionId: null,
    activeFaults: 1,
  };

  it('records a fault report once, however often it is re-sent, and the latest status', async () => {
    const a = await call('POST', '/api/v1/booth/faults', json({ faults: [fault] }));
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    expect(a.body).toEqual({ accepted: 1 });
    expect((await call('POST', '/api/v1/booth/faults', json({ faults: [fault] }))).body).toEqual({ accepted: 0 });
    const cleared = await call('POST', '/api/v1/booth/faults', json({ faults: [{ ...fault, clearedAt: new Date().toISOString() }] }));
    expect(cleared.body).toEqual({ accepted: 1 });
    const s = await call('POST', '/api/v1/booth/status', json(status));
    expect(s.status).toBe(200);
    expect(s.body.receivedAt).toEqual(expect.any(String));
  });

  it('rejects malformed fault and status reports, naming the field, and changes nothing', async () => {
    await expectRejected(call('POST', '/api/v1/booth/faults', json({ faults: [{ ...fault, kind: 'disk.on_fire' }] })), 400, 'request.invalid', /faults\.0\.kind/);
    await expectRejected(call('POST', '/api/v1/booth/faults', json({ faults: [{ ...fault, count: 0 }] })), 400, 'request.invalid', /faults\.0\.count/);
    await expectRejected(call('POST', '/api/v1/booth/faults', json({ faults: [] })), 400, 'request.invalid', /faults: faults must list at least one fault/);
    await expectRejected(call('POST', '/api/v1/booth/faults', json({ faults: [{ ...fault, extra: true }] })), 400, 'request.invalid', /extra/);
    await expectRejected(call('POST', '/api/v1/booth/faults', { ...json({ faults: [fault] }), auth: false }), 401, 'auth.missing', /needs a booth token/);
    await expectRejected(call('POST', '/api/v1/booth/status', json({ ...status, backlog: { ...status.backlog, segments: -1 } })), 400, 'request.invalid', /backlog\.segments/);
    await expectRejected(call('POST', '/api/v1/booth/status', json({ ...status, disk: { ...status.disk, level: 'fine' } })), 400, 'request.invalid', /disk\.level/);
    await expectRejected(call('POST', '/api/v1/booth/status', json('{"at": ')), 400, 'request.malformed_json', /not valid JSON/);
  });
});
