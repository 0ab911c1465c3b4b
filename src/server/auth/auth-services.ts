import type { Kysely } from 'kysely';
import type { Logger } from '../../platform/log.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ServerConfig } from '../config.js';
import type { ServerDb } from '../db/schema.js';
import { AccessTokens } from './access-tokens.js';
import { BranchAdmin } from './branch-admin.js';
import type { StaffGuard } from './guard.js';
import { LoginThrottle } from './login-throttle.js';
import { SigningKeys } from './signing-keys.js';
import { StaffAdmin } from './staff-admin.js';
import { StaffAuth } from './staff-auth.js';
import { DbStaffGuard } from './staff-guard.js';

/** The server's authentication and authorisation parts, built once per instance. */
export interface AuthServices {
  guard: StaffGuard;
  tokens: AccessTokens;
  auth: StaffAuth;
  staff: StaffAdmin;
  branches: BranchAdmin;
}

export type AuthConfig = Pick<ServerConfig, 'accessTokenTtlSec' | 'loginSessionHours' | 'loginMaxFailuresPerUser' | 'loginFailureWindowSec'>;

/** Builds them on the shared database (creating the token signing key on the very first start). */
export async function createAuthServices(db: Kysely<ServerDb>, audit: AuditLog, config: AuthConfig, log: Logger): Promise<AuthServices> {
  const tokens = new AccessTokens(await SigningKeys.open(db), config.accessTokenTtlSec);
  const throttle = new LoginThrottle(db, config.loginMaxFailuresPerUser, config.loginFailureWindowSec);
  return {
    guard: new DbStaffGuard(db, tokens),
    tokens,
    auth: new StaffAuth(db, tokens, throttle, audit, Math.round(config.loginSessionHours * 3600), log),
    staff: new StaffAdmin(db, audit),
    branches: new BranchAdmin(db, audit),
  };
}
