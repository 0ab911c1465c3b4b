// Booth-side data for service-level server tests: an enrolled booth identity, sessions with real
// sealed segments (AES-GCM, hash chain) and signed manifests, as a real booth would send them.
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { genesisLink, nextLink } from '../../src/core/chain.js';
import { canonicalJson } from '../../src/core/canonical-json.js';
import { newDataKey, sealSegment, type SealedSegment } from '../../src/core/envelope.js';
import { signManifest, wrapDataKey } from '../../src/core/keys.js';
import type { SessionManifest } from '../../src/protocol/envelope.js';
import type { CreateSessionRequest, FinishSessionRequest } from '../../src/protocol/server-api.js';
import type { AuthedBooth } from '../../src/server/ingest/auth.js';
import type { IngestService } from '../../src/server/ingest/ingest-service.js';

export interface TestBooth extends AuthedBooth {
  deviceKey: KeyObject;
}

/** Enrolls a booth through the service with a fresh one-time code and a new Ed25519 key. */
export async function enrollTestBooth(ingest: IngestService, name = 'test-booth'): Promise<TestBooth> {
  const { code } = await ingest.createEnrollmentCode(1);
  const keys = generateKeyPairSync('ed25519');
  const publicKey = keys.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  const r = await ingest.enroll({ code, name, publicKey });
  return { boothId: r.boothId, name, publicKey, branchId: null, deviceKey: keys.privateKey };
}

export interface TestSession {
  request: CreateSessionRequest;
  segments: SealedSegment[];
  /** Another valid segment under number `seq` (same chain position, different bytes). */
  variant(seq: number): SealedSegment;
  /** Manifest over the first `n` segments (all by default), signed by the booth. */
  finish(n?: number): FinishSessionRequest;
}

/** A session with `count` sealed, chained segments (2 s each), not yet registered. */
export function testSession(booth: TestBooth, archivePublicKeyDer: Buffer, count: number): TestSession {
  const sessionId = randomUUID();
  const key = newDataKey();
  const request: CreateSessionRequest = { sessionId, productId: 'fund-1', startedAt: new Date().toISOString(), keyWrap: wrapDataKey(key, archivePublicKeyDer) };
  const segments: SealedSegment[] = [];
  const links: string[] = [];
  const seal = (seq: number, prevLink: string) =>
    sealSegment(key, { sessionId, boothId: booth.boothId, seq, prevLink, startSec: seq * 2, durationSec: 2, container: 'mpegts', recordedAt: new Date().toISOString() }, Buffer.from(`media ${seq} `.repeat(100)));
  for (let seq = 0; seq < count; seq++) {
    const s = seal(seq, links.at(-1) ?? genesisLink(sessionId));
    segments.push(s);
    links.push(nextLink(links.at(-1) ?? genesisLink(sessionId), s.cipherSha256));
  }
  return {
    request,
    segments,
    variant: (seq) => seal(seq, seq === 0 ? genesisLink(sessionId) : links[seq - 1]!),
    finish(n = count) {
      const manifest: SessionManifest = {
        v: 1,
        sessionId,
        boothId: booth.boothId,
        productId: request.productId,
        startedAt: request.startedAt,
        endedAt: new Date(Date.parse(request.startedAt) + 1000).toISOString(),
        endReason: 'completed',
        keyWrap: JSON.parse(canonicalJson(request.keyWrap)) as SessionManifest['keyWrap'],
        genesisLink: genesisLink(sessionId),
        finalLink: n === 0 ? genesisLink(sessionId) : links[n - 1]!,
        mediaDurationSec: n * 2,
        gaps: [],
        segments: segments.slice(0, n).map((s, seq) => ({ seq, cipherSha256: s.cipherSha256, plainSha256: s.header.plainSha256, link: links[seq]!, bytes: s.bytes.length, startSec: seq * 2, durationSec: 2 })),
      };
      return { manifest, signature: signManifest(manifest, booth.deviceKey) };
    },
  };
}
