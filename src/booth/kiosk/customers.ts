import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { DependencyError, DualrecError } from '../../core/errors.js';
import { maskIdentifier, maskName } from '../../core/kiosk-flow-ids.js';
import { CustomerSummary, type CustomerQuery } from '../../protocol/kiosk-flow.js';
import type { BoothDb } from '../db/schema.js';
import type { CustomerConfig } from './kiosk-config.js';
import type { CustomerLookup } from './seams.js';

/** Customers listed in the booth config (`kiosk.customers`): the lookup until the catalogue serves them. */
export class ConfigCustomerDirectory implements CustomerLookup {
  constructor(private readonly customers: readonly CustomerConfig[]) {}

  /** The enrolled face descriptors of a listed customer, or null. */
  faceDescriptors(customerId: string): readonly (readonly number[])[] | null {
    return this.customers.find((x) => x.customerId === customerId)?.faceDescriptors ?? null;
  }

  find(q: CustomerQuery): Promise<CustomerSummary | null> {
    const c = this.customers.find((x) => (q.method === 'idNumber' ? x.idNumber === q.value : x.tellerCode === q.value));
    if (c === undefined) return Promise.resolve(null);
    return Promise.resolve({ customerId: c.customerId, displayName: maskName(c.name), maskedIdentifier: maskIdentifier(q), source: 'local', enrolledFace: c.enrolledFace || c.faceDescriptors !== undefined });
  }
}

/** The cache key of an identifier: a hash, so the booth's cache holds no ID numbers in clear. */
function cacheKey(q: CustomerQuery): string {
  return createHash('sha256').update(`dualrec-customer-v1\n${q.method}:${q.value}`).digest('hex');
}

/**
 * Wraps a lookup that needs the network (the catalogue on the server) with the booth's cache
 * (`kiosk_customer_cache`, migration 0004): every customer found is stored under a hash of the
 * identifier; when the directory cannot be reached (DependencyError), a cached answer no older than
 * `maxAgeMs` is returned with `source: 'cache'`. "Not found" answers are not cached.
 */
export class CachedCustomerLookup implements CustomerLookup {
  constructor(
    private readonly inner: CustomerLookup,
    private readonly db: Kysely<BoothDb>,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async find(q: CustomerQuery): Promise<CustomerSummary | null> {
    const key = cacheKey(q);
    let found: CustomerSummary | null;
    try {
      found = await this.inner.find(q);
    } catch (err) {
      if (!(err instanceof DependencyError)) throw err;
      const cached = await this.fromCache(key);
      if (cached === null) throw err;
      return cached;
    }
    if (found !== null) {
      const at = new Date(this.now()).toISOString();
      await this.db
        .insertInto('kiosk_customer_cache')
        .values({ key_sha256: key, summary_json: JSON.stringify(found), cached_at: at })
        .onConflict((oc) => oc.column('key_sha256').doUpdateSet({ summary_json: JSON.stringify(found), cached_at: at }))
        .execute();
    }
    return found;
  }

  private async fromCache(key: string): Promise<CustomerSummary | null> {
    const row = await this.db.selectFrom('kiosk_customer_cache').selectAll().where('key_sha256', '=', key).executeTakeFirst();
    if (row === undefined || this.now() - Date.parse(row.cached_at) > this.maxAgeMs) return null;
    const parsed = CustomerSummary.safeParse(JSON.parse(row.summary_json));
    if (!parsed.success) throw new DualrecError('cache.corrupt', `the cached customer ${row.key_sha256.slice(0, 12)}… is not readable`);
    return { ...parsed.data, source: 'cache' };
  }
}
