import { constants, createPublicKey, generateKeyPairSync, privateDecrypt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newDataKey } from '../../../src/core/envelope.js';
import { archiveKeyId, signManifest, verifyManifestSignature, wrapDataKey } from '../../../src/core/keys.js';
import type { SessionManifest } from '../../../src/protocol/envelope.js';

describe('key wrapping and manifest signatures', () => {
  it('wraps a data key with RSA-OAEP-256 so only the archive key recovers it', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const der = publicKey.export({ format: 'der', type: 'spki' });
    const dataKey = newDataKey();
    const wrap = wrapDataKey(dataKey, der);
    expect(wrap.alg).toBe('RSA-OAEP-256');
    expect(wrap.archiveKeyId).toBe(archiveKeyId(der));
    const out = privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, Buffer.from(wrap.wrappedKey, 'base64'));
    expect(out.equals(dataKey)).toBe(true);
  });

  const manifest: SessionManifest = {
    v: 1,
    sessionId: '6f1c2b1e-8a4e-4c55-9d36-0c0f5d1b9a01',
    boothId: '0b8e2a44-3f5e-4a8b-8a9b-7c1d2e3f4a5b',
    productId: 'demo-fund-001',
    startedAt: '2026-11-21T10:00:00.000Z',
    endedAt: '2026-11-21T10:00:20.000Z',
    endReason: 'completed',
    keyWrap: { alg: 'RSA-OAEP-256', archiveKeyId: 'a'.repeat(64), wrappedKey: 'AAAA' },
    genesisLink: 'b'.repeat(64),
    finalLink: 'c'.repeat(64),
    mediaDurationSec: 20,
    gaps: [],
    segments: [],
  };

  it('verifies a signed manifest, also after a JSON round trip with reordered keys', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const der = publicKey.export({ format: 'der', type: 'spki' });
    const sig = signManifest(manifest, privateKey);
    const { segments, ...rest } = manifest;
    const reordered = JSON.parse(JSON.stringify({ segments, ...rest })) as SessionManifest;
    expect(verifyManifestSignature(reordered, sig, der)).toBe(true);
  });

  it('rejects a changed manifest and another booth key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const sig = signManifest(manifest, privateKey);
    const der = publicKey.export({ format: 'der', type: 'spki' });
    expect(verifyManifestSignature({ ...manifest, mediaDurationSec: 19 }, sig, der)).toBe(false);
    const other = createPublicKey(generateKeyPairSync('ed25519').privateKey).export({ format: 'der', type: 'spki' });
    expect(verifyManifestSignature(manifest, sig, other)).toBe(false);
  });

  it('refuses a non-Ed25519 booth key with a clear error', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'der', type: 'spki' });
    expect(() => verifyManifestSignature(manifest, signManifest(manifest, privateKey), rsa)).toThrow(/not Ed25519/);
  });
});
