import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import { sha256Hex } from '../../core/chain.js';
import { UnauthorizedError } from '../../core/errors.js';
import type { ServerDb } from '../db/schema.js';

export interface AuthedBooth {
  boothId: string;
  name: string;
  publicKey: string;
  /** The branch the booth was enrolled for; null for booths enrolled before branches existed. */
  branchId: string | null;
}

/** A new random bearer token (256 bits, base64url). Only its SHA-256 is stored. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** A one-time enrollment code, easy to read aloud and type: 4 groups of 4 from an unambiguous alphabet. */
export function newEnrollmentCode(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(16);
  const chars = [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
  return chars.match(/.{4}/g)!.join('-');
}

/**
 * Stores a new one-time enrollment code (only its hash) valid for `ttlHours`; the booth that
 * enrolls with it belongs to `branchId`. Returns the code, which is shown once.
 */
export async function createEnrollmentCode(
  db: Kysely<ServerDb>,
  opts: { ttlHours: number; branchId: string | null; createdBy: string | null },
): Promise<{ code: string; expiresAt: string }> {
  const code = newEnrollmentCode();
  const now = new Date();
  const expiresAt = new Date(now.getTime() + opts.ttlHours * 3600_000).toISOString();
  await db
    .insertInto('enrollment_codes')
    .values({ code_sha256: sha256Hex(code), created_at: now.toISOString(), expires_at: expiresAt, used_at: null, booth_id: null, branch_id: opts.branchId, created_by: opts.createdBy })
    .execute();
  return { code, expiresAt };
}

/** Resolves a booth from an `Authorization: Bearer` header, or throws UnauthorizedError. */
export async function authenticateBooth(db: Kysely<ServerDb>, header: string | undefined): Promise<AuthedBooth> {
  const m = /^Bearer ([A-Za-z0-9_-]{16,128})$/.exec(header ?? '');
  if (!m) throw new UnauthorizedError('auth.missing', 'this endpoint needs a booth token (Authorization: Bearer …)');
  const hash = sha256Hex(m[1]!);
  const row = await db.selectFrom('booths').select(['booth_id', 'name', 'public_key', 'token_sha256', 'branch_id']).where('token_sha256', '=', hash).executeTakeFirst();
  if (!row || !timingSafeEqual(Buffer.from(row.token_sha256), Buffer.from(hash))) throw new UnauthorizedError('auth.invalid', 'the booth token is not valid');
  return { boothId: row.booth_id, name: row.name, publicKey: row.public_key, branchId: row.branch_id };
}
