import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { UnauthorizedError } from '../../core/errors.js';
import type { ServerDb } from '../db/schema.js';

/** Tables of HMAC keys with the same columns: staff access tokens, media links (review). */
export type KeyTable = 'auth_signing_keys' | 'media_link_keys';

/**
 * The HMAC keys that sign staff access tokens (or, from `media_link_keys`, review media links), held in the database so every server instance
 * behind a load balancer signs and verifies with the same keys. The first instance to start
 * creates one; the newest key signs, any stored key verifies (rotation = insert a newer row, keep
 * the old one until its tokens have expired; instances pick up the new key when they restart).
 */
export class SigningKeys {
  private readonly byKid = new Map<string, Uint8Array>();

  private constructor(
    private readonly db: Kysely<ServerDb>,
    private readonly table: KeyTable,
    private current: { kid: string; key: Uint8Array },
  ) {
    this.byKid.set(current.kid, current.key);
  }

  static async open(db: Kysely<ServerDb>, table: KeyTable = 'auth_signing_keys'): Promise<SigningKeys> {
    let row = await SigningKeys.newest(db, table);
    if (!row) {
      // Two instances starting at once may both insert; both keys are valid and the newest signs.
      await db
        .insertInto(table)
        .values({ kid: randomUUID(), secret: randomBytes(32).toString('base64url'), created_at: new Date().toISOString() })
        .onConflict((oc) => oc.doNothing())
        .execute();
      row = await SigningKeys.newest(db, table);
    }
    if (!row) throw new Error(`no signing key in ${table} after creating one`);
    return new SigningKeys(db, table, { kid: row.kid, key: Buffer.from(row.secret, 'base64url') });
  }

  private static newest(db: Kysely<ServerDb>, table: KeyTable) {
    return db.selectFrom(table).select(['kid', 'secret']).orderBy('created_at', 'desc').orderBy('kid', 'desc').limit(1).executeTakeFirst();
  }

  /** The key new tokens are signed with. */
  get signing(): { kid: string; key: Uint8Array } {
    return this.current;
  }

  /** The key a token names, from the cache or the database; UnauthorizedError if none. */
  async forKid(kid: string | undefined): Promise<Uint8Array> {
    if (!kid) throw new UnauthorizedError('auth.invalid', 'the staff token names no signing key');
    const cached = this.byKid.get(kid);
    if (cached) return cached;
    const row = await this.db.selectFrom(this.table).select(['kid', 'secret']).where('kid', '=', kid).executeTakeFirst();
    if (!row) throw new UnauthorizedError('auth.invalid', 'the staff token is signed with an unknown key');
    const key = Buffer.from(row.secret, 'base64url');
    this.byKid.set(kid, key);
    return key;
  }
}
