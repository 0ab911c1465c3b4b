import type { KeyWrap } from '../../protocol/envelope.js';

/**
 * Holds the archive's key pair. The file implementation keeps the private key on disk (0600);
 * an HSM or KMS implementation unwraps inside the device and never exposes it.
 */
export interface KeyProvider {
  /** The archive public key, SPKI DER, handed to booths at enrollment. */
  readonly publicKeyDer: Buffer;
  /** SHA-256 of publicKeyDer; names the key in every KeyWrap. */
  readonly keyId: string;
  /** Recovers a session data key. Throws IntegrityError when the wrap is not for this key or fails. */
  unwrap(wrap: KeyWrap): Promise<Buffer>;
}
