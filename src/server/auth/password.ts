import { hash, parseOptions, verify, type Algorithm } from '@node-rs/argon2';

/**
 * Password hashing policy: argon2id with the library's defaults (m = 19 MiB, t = 2, p = 1, the
 * OWASP minimum for argon2id), stored as a PHC string that carries its own salt and parameters.
 * `Algorithm` is a const enum the package does not export at run time, so the value is spelled here.
 */
const ARGON2ID = 2 as Algorithm;
const POLICY = { algorithm: ARGON2ID, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export async function hashPassword(password: string): Promise<string> {
  return hash(password, POLICY);
}

/** True when `password` matches `phc`. A malformed or non-argon2id hash never matches. */
export async function verifyPassword(phc: string, password: string): Promise<boolean> {
  if (!phc.startsWith('$argon2id$')) return false;
  try {
    return await verify(phc, password);
  } catch {
    return false;
  }
}

/** True when `phc` was made with weaker (or other) parameters than the current policy. */
export function needsRehash(phc: string): boolean {
  const o = parseOptions(phc);
  return o.algorithm !== ARGON2ID || o.memoryCost < POLICY.memoryCost || o.timeCost < POLICY.timeCost;
}

let dummy: Promise<string> | null = null;

/**
 * Spends the same work as a real check for a username that does not exist, so response time does
 * not tell which usernames exist.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummy ??= hashPassword('dualrec-no-such-user-dummy-password');
  await verifyPassword(await dummy, password);
  return false;
}
