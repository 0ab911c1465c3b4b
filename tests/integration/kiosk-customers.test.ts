// Customer lookups for the kiosk: the booth's own list, and the cache (real SQLite) that answers
// when the networked directory cannot be reached.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boothMigrations } from '../../src/booth/db/migrations/index.js';
import type { BoothDb } from '../../src/booth/db/schema.js';
import { CachedCustomerLookup, ConfigCustomerDirectory } from '../../src/booth/kiosk/customers.js';
import type { CustomerLookup } from '../../src/booth/kiosk/seams.js';
import { DependencyError } from '../../src/core/errors.js';
import { openSqlite } from '../../src/platform/db.js';
import type { CustomerQuery, CustomerSummary } from '../../src/protocol/kiosk-flow.js';

const ID = '11010519491231002X';
const directory = new ConfigCustomerDirectory([{ customerId: 'c-1', name: '张晓明', idNumber: ID, tellerCode: 'T0001', enrolledFace: true }]);

/** A networked directory whose link the test cuts: while down it fails as a lookup over the network does. */
class SwitchableDirectory implements CustomerLookup {
  down = false;
  readonly asked: CustomerQuery[] = [];
  find(q: CustomerQuery): Promise<CustomerSummary | null> {
    this.asked.push(q);
    if (this.down) return Promise.reject(new DependencyError('catalogue.unreachable', 'the server cannot be reached'));
    return directory.find(q).then((c) => (c === null ? null : { ...c, source: 'server' as const }));
  }
}

let dir: string;
let db: Kysely<BoothDb>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dualrec-customers-'));
  db = await openSqlite<BoothDb>(join(dir, 'booth.sqlite'), boothMigrations);
});
afterAll(async () => {
  await db.destroy();
  await rm(dir, { recursive: true, force: true });
});

describe('config customer directory', () => {
  it('finds by ID number or teller code and shows only masked forms', async () => {
    expect(await directory.find({ method: 'idNumber', value: ID })).toEqual({ customerId: 'c-1', displayName: '张*明', maskedIdentifier: '110***********002X', source: 'local', enrolledFace: true });
    expect((await directory.find({ method: 'tellerCode', value: 'T0001' }))?.maskedIdentifier).toBe('*0001');
    expect(await directory.find({ method: 'tellerCode', value: 'T0002' })).toBeNull();
  });
});

describe('cached customer lookup', () => {
  it('answers from the cache while the directory is down, and says so', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const remote = new SwitchableDirectory();
    const lookup = new CachedCustomerLookup(remote, db, 7 * 86_400_000, () => now);
    expect((await lookup.find({ method: 'idNumber', value: ID }))?.source).toBe('server');
    remote.down = true;
    expect(await lookup.find({ method: 'idNumber', value: ID })).toMatchObject({ customerId: 'c-1', source: 'cache' });
    // Never looked up before: nothing to answer with, the directory's error stands.
    await expect(lookup.find({ method: 'tellerCode', value: 'T0001' })).rejects.toThrow(DependencyError);
    // Too old.
    now += 8 * 86_400_000;
    await expect(lookup.find({ method: 'idNumber', value: ID })).rejects.toThrow(DependencyError);
    expect(remote.asked).toHaveLength(4);
  });

  it('keeps no identifier in clear in the cache', async () => {
    const rows = await db.selectFrom('kiosk_customer_cache').selectAll().execute();
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toContain(ID);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.key_sha256))).toBe(true);
  });

  it('does not cache a customer that was not found', async () => {
    const remote = new SwitchableDirectory();
    const lookup = new CachedCustomerLookup(remote, db, 86_400_000);
    const before = (await db.selectFrom('kiosk_customer_cache').selectAll().execute()).length;
    expect(await lookup.find({ method: 'tellerCode', value: 'T9999' })).toBeNull();
    expect((await db.selectFrom('kiosk_customer_cache').selectAll().execute()).length).toBe(before);
  });
});
