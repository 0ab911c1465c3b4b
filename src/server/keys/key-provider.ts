import type { KeyWrap } from '../../protocol/envelope.js';

/**
 * Holds the archive's keys: the RSA key pair that unwraps session keys, and the Ed25519 key pair
 * that signs what the archive vouches for (evidence packages, audit checkpoints). The file
 * implementation keeps both private keys on disk (0600); an HSM or KMS implementation unwraps and
 * signs inside the device and never exposes them.
 */
export interface KeyProvider {
  /** The archive public key, SPKI DER, handed to booths at enrollment. */
  readonly publicKeyDer: Buffer;
  /** SHA-256 of publicKeyDer; names the key in every KeyWrap. */
  readonly keyId: string;
  /** Recovers a session data key. Throws IntegrityError when the wrap is not for this key or fails. */
  unwrap(wrap: KeyWrap): Promise<Buffer>;
  /** The archive's Ed25519 signing public key, SPKI DER: what `dualrec verify --archive-public-key` is given (as PEM). */
  readonly signingPublicKeyDer: Buffer;
  /** SHA-256 of signingPublicKeyDer. */
  readonly signingKeyId: string;
  /** Ed25519 signature (64 bytes) of `data` with the archive signing key. */
  sign(data: Uint8Array): Promise<Buffer>;
}
