import { sql, type Kysely } from 'kysely';
import { TooManyRequestsError } from '../../core/errors.js';
import type { ServerDb } from '../db/schema.js';

/**
 * Failed logins per username, counted in the database so the limit holds across every server
 * instance: after `maxFailures` failures inside `windowSec` (a fixed window from the first
 * failure), further attempts for that username get 429 until the window ends. A successful login
 * clears the count. Unknown usernames are counted the same way, so 429 tells nothing about which
 * accounts exist.
 */
export class LoginThrottle {
  constructor(
    private readonly db: Kysely<ServerDb>,
    private readonly maxFailures: number,
    private readonly windowSec: number,
  ) {}

  /** Throws TooManyRequestsError while `username` is over its failure limit. */
  async check(username: string): Promise<void> {
    const row = await this.db.selectFrom('login_failures').select(['window_start', 'failures']).where('username', '=', username).executeTakeFirst();
    if (!row || row.failures < this.maxFailures) return;
    const endsMs = Date.parse(row.window_start) + this.windowSec * 1000;
    const leftSec = Math.ceil((endsMs - Date.now()) / 1000);
    if (leftSec <= 0) return;
    throw new TooManyRequestsError('auth.throttled', `too many failed logins for ${username}; try again in ${leftSec} s`);
  }

  async recordFailure(username: string): Promise<void> {
    const now = new Date();
    const cutoff = new Date(now.getTime() - this.windowSec * 1000).toISOString();
    await this.db
      .insertInto('login_failures')
      .values({ username, window_start: now.toISOString(), failures: 1 })
      .onConflict((oc) =>
        oc.column('username').doUpdateSet({
          failures: sql<number>`CASE WHEN login_failures.window_start <= ${cutoff} THEN 1 ELSE login_failures.failures + 1 END`,
          window_start: sql<string>`CASE WHEN login_failures.window_start <= ${cutoff} THEN ${now.toISOString()} ELSE login_failures.window_start END`,
        }),
      )
      .execute();
  }

  async clear(username: string): Promise<void> {
    await this.db.deleteFrom('login_failures').where('username', '=', username).execute();
  }
}
