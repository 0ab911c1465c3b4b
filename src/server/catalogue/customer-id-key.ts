import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../../core/chain.js';
import { DualrecError } from '../../core/errors.js';
import type { IdDocument } from '../../protocol/customers.js';
import { writeFileDurableSync } from '../../platform/fs.js';

const KEY_BYTES = 32;

/**
 * The secret that turns identity document numbers into lookup keys (HMAC-SHA-256), kept in
 * `<dataDir>/keys/customer-id-hmac.key` (0600) beside the archive key and never in the database:
 * a copy of the database alone does not let anyone test guessed numbers (an 18-digit resident
 * number has few enough plausible values to try them all against a plain or salted hash).
 * Every server instance of a deployment needs the same file (as with the archive key).
 */
export class CustomerIdKey {
  /** First 16 hex characters of the key's SHA-256: stored with each row to catch a wrong key. */
  readonly keyId: string;

  private constructor(private readonly key: Buffer) {
    this.keyId = sha256Hex(key).slice(0, 16);
  }

  static path(dataDir: string): string {
    return join(dataDir, 'keys', 'customer-id-hmac.key');
  }

  /** Loads the key; with `create`, generates and stores one when none exists. */
  static open(dataDir: string, opts: { create: boolean }): CustomerIdKey {
    const path = CustomerIdKey.path(dataDir);
    if (!existsSync(path)) {
      if (!opts.create) throw new DualrecError('customer.no_key', `customer id key ${path} does not exist; is ${dataDir} the server's data folder?`);
      const key = randomBytes(KEY_BYTES);
      writeFileDurableSync(path, Buffer.from(`${key.toString('base64')}\n`), 0o600);
      return new CustomerIdKey(key);
    }
    const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
    if (key.length !== KEY_BYTES) throw new DualrecError('customer.bad_key', `customer id key ${path} is not ${KEY_BYTES} bytes of base64`);
    return new CustomerIdKey(key);
  }

  /** For tests: a key from given bytes. */
  static fromBytes(key: Buffer): CustomerIdKey {
    if (key.length !== KEY_BYTES) throw new DualrecError('customer.bad_key', `a customer id key is ${KEY_BYTES} bytes`);
    return new CustomerIdKey(Buffer.from(key));
  }

  /** The lookup key of a (normalised) document: hex HMAC of its type and number. */
  lookup(doc: IdDocument): string {
    return createHmac('sha256', this.key).update(`dualrec-customer-id-v1\n${doc.type}\n${doc.number}`).digest('hex');
  }
}

/** The number with all but its last four characters (two when shorter than eight) replaced by `*`. */
export function maskIdNumber(number: string): string {
  const keep = number.length >= 8 ? 4 : 2;
  return '*'.repeat(number.length - keep) + number.slice(-keep);
}
