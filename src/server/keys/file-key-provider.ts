import { constants, createPrivateKey, createPublicKey, generateKeyPairSync, privateDecrypt, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DualrecError, IntegrityError } from '../../core/errors.js';
import { archiveKeyId } from '../../core/keys.js';
import type { KeyWrap } from '../../protocol/envelope.js';
import { writeFileDurableSync } from '../../platform/fs.js';
import type { KeyProvider } from './key-provider.js';

const RSA_BITS = 3072;

/** Archive key pair in `<dataDir>/keys/archive-rsa.pem`, generated on first start. */
export class FileKeyProvider implements KeyProvider {
  readonly publicKeyDer: Buffer;
  readonly keyId: string;

  private constructor(private readonly privateKey: KeyObject) {
    this.publicKeyDer = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
    this.keyId = archiveKeyId(this.publicKeyDer);
  }

  static path(dataDir: string): string {
    return join(dataDir, 'keys', 'archive-rsa.pem');
  }

  /** Loads the key; with `create`, generates and stores one when none exists. */
  static open(dataDir: string, opts: { create: boolean }): FileKeyProvider {
    const path = FileKeyProvider.path(dataDir);
    if (!existsSync(path)) {
      if (!opts.create) throw new DualrecError('archive.no_key', `archive key ${path} does not exist; is ${dataDir} the server's data folder?`);
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: RSA_BITS });
      writeFileDurableSync(path, Buffer.from(privateKey.export({ format: 'pem', type: 'pkcs8' })), 0o600);
      return new FileKeyProvider(privateKey);
    }
    let key: KeyObject;
    try {
      key = createPrivateKey(readFileSync(path));
    } catch (cause) {
      throw new DualrecError('archive.bad_key', `archive key ${path} is unreadable or corrupt`, undefined, { cause });
    }
    if (key.asymmetricKeyType !== 'rsa') throw new DualrecError('archive.bad_key', `archive key ${path} is not an RSA key`);
    return new FileKeyProvider(key);
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
}
