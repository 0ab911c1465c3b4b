import { constants, createPublicKey, publicEncrypt, sign, verify, type KeyObject } from 'node:crypto';
import type { KeyWrap, SessionManifest } from '../protocol/envelope.js';
import { canonicalJson } from './canonical-json.js';
import { sha256Hex } from './chain.js';
import { IntegrityError } from './errors.js';

/**
 * Session data keys are wrapped with the archive's RSA public key (RSA-OAEP, SHA-256). RSA-OAEP
 * is chosen over X25519 because HSMs and cloud KMSs unwrap it natively, so the archive's private key
 * can move into one without changing the booth (see docs/ARCHITECTURE.md).
 */
export function archiveKeyId(spkiDer: Uint8Array): string {
  return sha256Hex(spkiDer);
}

export function publicKeyFromDer(spkiDer: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.from(spkiDer), format: 'der', type: 'spki' });
}

export function wrapDataKey(dataKey: Uint8Array, archivePublicSpkiDer: Uint8Array): KeyWrap {
  const wrapped = publicEncrypt(
    { key: publicKeyFromDer(archivePublicSpkiDer), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    dataKey,
  );
  return { alg: 'RSA-OAEP-256', archiveKeyId: archiveKeyId(archivePublicSpkiDer), wrappedKey: wrapped.toString('base64') };
}

/** The bytes a manifest signature covers. */
export function manifestSigningBytes(manifest: SessionManifest): Buffer {
  return Buffer.from(canonicalJson(manifest), 'utf8');
}

/** Signs a manifest with the booth's Ed25519 device key. Returns base64. */
export function signManifest(manifest: SessionManifest, privateKey: KeyObject): string {
  return sign(null, manifestSigningBytes(manifest), privateKey).toString('base64');
}

/** Verifies a manifest signature against the booth's Ed25519 public key (SPKI DER). */
export function verifyManifestSignature(manifest: SessionManifest, signatureB64: string, boothPublicSpkiDer: Uint8Array): boolean {
  let key: KeyObject;
  try {
    key = publicKeyFromDer(boothPublicSpkiDer);
  } catch (cause) {
    throw new IntegrityError('booth.bad_key', 'the booth public key on record is not a valid key', undefined, { cause });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new IntegrityError('booth.bad_key', 'the booth public key on record is not Ed25519');
  return verify(null, manifestSigningBytes(manifest), key, Buffer.from(signatureB64, 'base64'));
}
