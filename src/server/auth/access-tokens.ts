import { errors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import { DualrecError, UnauthorizedError } from '../../core/errors.js';
import type { SigningKeys } from './signing-keys.js';

const ISSUER = 'dualrec';
const AUDIENCE = 'dualrec-staff';

const Claims = z.object({ sub: z.uuid(), sid: z.uuid(), exp: z.number().int() });

export interface TokenClaims {
  staffId: string;
  sessionId: string;
  expiresAt: Date;
}

/**
 * Staff access tokens: compact JWTs (HS256, `kid` header) carrying only the staff id (`sub`) and the
 * login session id (`sid`). They prove who signed in; whether the login still stands (not logged
 * out, not expired, account not disabled) and what the account may do are read from the database
 * on every request, so revocation and role changes take effect at once.
 */
export class AccessTokens {
  constructor(
    private readonly keys: SigningKeys,
    readonly ttlSec: number,
  ) {}

  async issue(staffId: string, sessionId: string, notAfter: Date): Promise<{ token: string; expiresAt: Date }> {
    const nowSec = Math.floor(Date.now() / 1000);
    const expSec = Math.min(nowSec + this.ttlSec, Math.floor(notAfter.getTime() / 1000));
    const { kid, key } = this.keys.signing;
    const token = await new SignJWT({ sid: sessionId })
      .setProtectedHeader({ alg: 'HS256', kid, typ: 'JWT' })
      .setSubject(staffId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(nowSec)
      .setExpirationTime(expSec)
      .sign(key);
    return { token, expiresAt: new Date(expSec * 1000) };
  }

  /** Verifies signature, issuer, audience and expiry; UnauthorizedError naming what is wrong. */
  async verify(token: string): Promise<TokenClaims> {
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, async (header) => this.keys.forKid(header.kid), { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] }));
    } catch (err) {
      if (err instanceof DualrecError) throw err;
      if (err instanceof errors.JWTExpired) throw new UnauthorizedError('auth.expired', 'the staff token has expired; refresh it or log in again');
      throw new UnauthorizedError('auth.invalid', 'the staff token is not valid');
    }
    const c = Claims.safeParse(payload);
    if (!c.success) throw new UnauthorizedError('auth.invalid', 'the staff token is not valid');
    return { staffId: c.data.sub, sessionId: c.data.sid, expiresAt: new Date(c.data.exp * 1000) };
  }
}
