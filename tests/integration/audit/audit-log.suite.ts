import { sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { AUDIT_GENESIS, auditLink } from '../../../src/core/audit-chain.js';
import { ValidationError } from '../../../src/core/errors.js';
import type { ServerDb } from '../../../src/server/db/schema.js';
import { DbAuditLog } from '../../../src/server/audit/db-audit-log.js';

/** A migrated server database for one test, and a way to open a second connection to it (a second server instance). */
export interface AuditDbHandle {
  db: Kysely<ServerDb>;
  /** Another connection to the same database, as a second server instance would have. */
  another(): Promise<Kysely<ServerDb>>;
  close(): Promise<void>;
}

const ev = (n: number, extra: Partial<{ target: string; branchId: string | null }> = {}) => ({
  actor: 'staff:2f6c1c0e-3a55-4a0e-9a51-8f7f5f0b9d11',
  action: 'archive.read',
  target: extra.target ?? `session:00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  branchId: extra.branchId === undefined ? 'sh-01' : extra.branchId,
  details: { n, note: 'ok' },
});

/** The contract of the database audit log; runs on every SQL backend the server supports. */
export function auditLogSuite(name: string, open: () => Promise<AuditDbHandle>): void {
  describe(`DbAuditLog on ${name}`, () => {
    it('appends entries that chain from the genesis hash and verify', async () => {
      const h = await open();
      try {
        const audit = new DbAuditLog(h.db);
        expect(await audit.head()).toBeNull();
        expect((await audit.verify()).ok).toBe(true);
        const a = await audit.appendEntry(ev(1));
        const b = await audit.appendEntry(ev(2));
        await audit.append(ev(3));
        expect(a).toMatchObject({ seq: 1, prevHash: AUDIT_GENESIS, actor: ev(1).actor, action: 'archive.read', branchId: 'sh-01', details: { n: 1, note: 'ok' } });
        expect(a.entryHash).toBe(auditLink(AUDIT_GENESIS, a.contentSha256));
        expect(b).toMatchObject({ seq: 2, prevHash: a.entryHash });
        expect(await audit.head()).toMatchObject({ seq: 3 });
        const all = await audit.list({ limit: 10 });
        expect(all.map((e) => e.seq)).toEqual([1, 2, 3]);
        expect(all[0]).toEqual(a);
        const v = await audit.verify();
        expect(v).toMatchObject({ ok: true, fromSeq: 1, toSeq: 3, checked: 3, firstBroken: null, head: { seq: 3, entryHash: all[2]!.entryHash } });
        expect(await audit.verify({ fromSeq: 2, toSeq: 3 })).toMatchObject({ ok: true, fromSeq: 2, toSeq: 3, checked: 2 });
      } finally {
        await h.close();
      }
    });

    it('refuses malformed events and appends nothing for them', async () => {
      const h = await open();
      try {
        const audit = new DbAuditLog(h.db);
        await expect(audit.append({ ...ev(1), action: 'Archive Read' })).rejects.toThrow(/invalid audit event: action: an audit action is dotted lower case/);
        await expect(audit.append({ ...ev(1), actor: 'staff: with space' })).rejects.toThrow(/actor/);
        await expect(audit.append({ ...ev(1), target: '' })).rejects.toThrow(/target/);
        await expect(audit.append({ ...ev(1), details: { x: Number.NaN } })).rejects.toThrow(ValidationError);
        await expect(audit.append({ ...ev(1), details: { big: 'x'.repeat(17_000) } })).rejects.toThrow(/exceed 16384 bytes/);
        expect(await audit.head()).toBeNull();
      } finally {
        await h.close();
      }
    });

    it('filters by target and branch', async () => {
      const h = await open();
      try {
        const audit = new DbAuditLog(h.db);
        await audit.append(ev(1, { target: 'session:a', branchId: 'sh-01' }));
        await audit.append(ev(2, { target: 'session:b', branchId: 'bj-02' }));
        await audit.append(ev(3, { target: 'session:a', branchId: 'sh-01' }));
        await audit.append(ev(4, { target: 'staff:x', branchId: null }));
        expect((await audit.list({ limit: 10, target: 'session:a' })).map((e) => e.seq)).toEqual([1, 3]);
        expect((await audit.list({ limit: 10, branches: ['bj-02'] })).map((e) => e.seq)).toEqual([2]);
        expect((await audit.list({ limit: 10, branches: [] })).map((e) => e.seq)).toEqual([]);
        expect((await audit.list({ limit: 10, branches: null })).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
        expect((await audit.list({ limit: 2, fromSeq: 2 })).map((e) => e.seq)).toEqual([2, 3]);
      } finally {
        await h.close();
      }
    });

    it('commits a change and its audit entry together, or neither', async () => {
      const h = await open();
      try {
        const audit = new DbAuditLog(h.db);
        await expect(
          audit.transact(async (_tx, log) => {
            await log(ev(1));
            throw new Error('the change failed');
          }),
        ).rejects.toThrow('the change failed');
        expect(await audit.head()).toBeNull();
        const two = await audit.transact(async (_tx, log) => [await log(ev(1)), await log(ev(2))]);
        expect(two.map((e) => e.seq)).toEqual([1, 2]);
        expect(two[1]!.prevHash).toBe(two[0]!.entryHash);
        expect((await audit.verify()).ok).toBe(true);
      } finally {
        await h.close();
      }
    });

    it('never forks when two instances append at the same time', async () => {
      const h = await open();
      const second = await h.another();
      try {
        const a = new DbAuditLog(h.db);
        const b = new DbAuditLog(second);
        await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).append(ev(i + 1))));
        const all = await a.list({ limit: 100 });
        expect(all.map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
        expect(new Set(all.map((e) => (e.details as { n: number }).n)).size).toBe(40);
        expect(await b.verify()).toMatchObject({ ok: true, checked: 40 });
        // The instances really raced (and lost and retried), rather than taking turns.
        expect(a.retries + b.retries).toBeGreaterThan(0);
      } finally {
        await second.destroy();
        await h.close();
      }
    });

    it('names the first broken entry when a row is edited, removed or re-hashed in the database', async () => {
      const h = await open();
      try {
        const audit = new DbAuditLog(h.db);
        for (let i = 1; i <= 6; i++) await audit.append(ev(i));
        await sql`UPDATE audit_log SET details_json = ${'{"n":3,"note":"edited"}'} WHERE seq = 3`.execute(h.db);
        expect(await audit.verify()).toMatchObject({ ok: false, checked: 2, firstBroken: { seq: 3, reason: 'entry 3 was altered: its content does not hash to its recorded content hash' } });
        // The range after the edit still verifies on its own; a range that includes it does not.
        expect((await audit.verify({ fromSeq: 4 })).ok).toBe(true);
        expect((await audit.verify({ fromSeq: 2, toSeq: 3 })).firstBroken?.seq).toBe(3);
        await sql`UPDATE audit_log SET details_json = ${'{"n":3,"note":"ok"}'} WHERE seq = 3`.execute(h.db);
        expect((await audit.verify()).ok).toBe(true);

        await sql`UPDATE audit_log SET actor = ${'staff:someone-else'}, content_sha256 = ${'0'.repeat(64)} WHERE seq = 5`.execute(h.db);
        expect((await audit.verify()).firstBroken?.seq).toBe(5);
      } finally {
        await h.close();
      }
    });

    it('detects a removed entry', async () => {
      const h = await open();
      try {
        const audit = new DbAuditLog(h.db);
        for (let i = 1; i <= 5; i++) await audit.append(ev(i));
        await sql`DELETE FROM audit_log WHERE seq = 2`.execute(h.db);
        expect(await audit.verify()).toMatchObject({ ok: false, firstBroken: { seq: 2, reason: 'entries 2..2 are missing' } });
        expect(await audit.verify({ fromSeq: 3 })).toMatchObject({ ok: false, firstBroken: { seq: 2, reason: 'entry 2, which entry 3 links to, is missing' } });
      } finally {
        await h.close();
      }
    });
  });
}
