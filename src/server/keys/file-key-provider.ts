import { constants, createPrivateKey, createPublicKey, generateKeyPairSync, privateDecrypt, sign, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DualrecError, IntegrityError } from '../../core/errors.js';
import { archiveKeyId } from '../../core/keys.js';
import type { KeyWrap } from '../../protocol/envelope.js';
import { writeFileOnceSync } from '../../platform/fs.js';
import type { KeyProvider } from './key-provider.js';

const RSA_BITS = 3072;

/**
 * Archive keys in `<dataDir>/keys/`: `archive-rsa.pem` (session key unwrap), generated on first
 * start, and `archive-ed25519.pem` (signing), generated the first time a data folder with an RSA
 * key is opened without one (folders made before signing existed get theirs on the next start).
 */
export class FileKeyProvider implements KeyProvider {
  readonly publicKeyDer: Buffer;
  readonly keyId: string;
  readonly signingPublicKeyDer: Buffer;
  readonly signingKeyId: string;

  private constructor(
    private readonly privateKey: KeyObject,
    private readonly signingKey: KeyObject,
  ) {
    this.publicKeyDer = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
    this.keyId = archiveKeyId(this.publicKeyDer);
    this.signingPublicKeyDer = createPublicKey(signingKey).export({ format: 'der', type: 'spki' });
    this.signingKeyId = archiveKeyId(this.signingPublicKeyDer);
  }

  static path(dataDir: string): string {
    return join(dataDir, 'keys', 'archive-rsa.pem');
  }

  static signingPath(dataDir: string): string {
    return join(dataDir, 'keys', 'archive-ed25519.pem');
  }

  /** Loads the keys; with `create`, generates the RSA key when none exists. */
  static open(dataDir: string, opts: { create: boolean }): FileKeyProvider {
    const path = FileKeyProvider.path(dataDir);
    if (!existsSync(path)) {
      if (!opts.create) throw new DualrecError('archive.no_key', `archive key ${path} does not exist; is ${dataDir} the server's data folder?`);
      // Write-once: instances starting together on an empty key folder keep the first key written
      // and all load it, rather than each wrapping sessions to a key of its own.
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: RSA_BITS });
      writeFileOnceSync(path, Buffer.from(privateKey.export({ format: 'pem', type: 'pkcs8' })), 0o600);
    }
    return new FileKeyProvider(loadKey(path, 'rsa'), openSigningKey(FileKeyProvider.signingPath(dataDir)));
  }

  async unwrap(wrap: KeyWrap): Promise<Buffer> {
    if (wrap.archiveKeyId !== this.keyId) {
      throw new IntegrityError('archive.key_mismatch', `session key is wrapped for archive key ${wrap.archiveKeyId.slice(0, 12)}…, this archive holds ${this.keyId.slice(0, 12)}…`);
    }
    try {
      return privateDecrypt({ key: this.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, Buffer.from(wrap.wrappedKey, 'base64'));
    } catch (cause) {
      throw new IntegrityError('archive.unwrap_failed', 'the wrapped session key cannot be unwrapped with the archive key', undefined, { cause });
    }
  }

  async sign(data: Uint8Array): Promise<Buffer> {
    return sign(null, data, this.signingKey);
  }
}

function loadKey(path: string, type: 'rsa' | 'ed25519'): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(readFileSync(path));
  } catch (cause) {
    throw new DualrecError('archive.bad_key', `archive key ${path} is unreadable or corrupt`, undefined, { cause });
  }
  if (key.asymmetricKeyType !== type) throw new DualrecError('archive.bad_key', `archive key ${path} is not an ${type === 'rsa' ? 'RSA' : 'Ed25519'} key`);
  return key;
}

/** Loads the signing key, creating it write-once when missing (two processes racing keep one key). */
function openSigningKey(path: string): KeyObject {
  if (!existsSync(path)) {
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileOnceSync(path, Buffer.from(privateKey.export({ format: 'pem', type: 'pkcs8' })), 0o600);
  }
  return loadKey(path, 'ed25519');
}
