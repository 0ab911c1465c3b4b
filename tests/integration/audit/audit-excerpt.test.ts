// Audit excerpts from a real audit log: runs split at long gaps, undisclosed entries carried as
// content hashes only, and the last run reaching the head.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { checkAuditExcerpt } from '../../../src/core/evidence-package.js';
import { openSqlite } from '../../../src/platform/db.js';
import { buildAuditExcerpt } from '../../../src/server/audit/audit-excerpt.js';
import { DbAuditLog } from '../../../src/server/audit/db-audit-log.js';
import { serverMigrations } from '../../../src/server/db/migrations/index.js';
import type { ServerDb } from '../../../src/server/db/schema.js';
import type { Kysely } from 'kysely';

let dir: string;
let db: Kysely<ServerDb>;
let audit: DbAuditLog;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dualrec-excerpt-'));
  db = await openSqlite<ServerDb>(join(dir, 'server.sqlite'), serverMigrations('sqlite'));
  audit = new DbAuditLog(db);
});
afterEach(async () => {
  await db.destroy();
  await rm(dir, { recursive: true, force: true });
});

const T = 'session:6f1c2b1e-8a4e-4c55-9d36-0c0f5d1b9a01';
const other = (i: number) => ({ actor: 'staff:someone', action: 'archive.read', target: 'session:other', details: { secret: `other ${i}` } });

it('discloses only the target entries and re-hashes into the chain, split at gaps longer than maxGap', async () => {
  await audit.append({ actor: 'system', action: 'retention.record', target: T });
  for (let i = 0; i < 3; i++) await audit.append(other(i));
  await audit.append({ actor: 'staff:a', action: 'archive.read', target: T });
  for (let i = 0; i < 12; i++) await audit.append(other(i));
  await audit.append({ actor: 'staff:a', action: 'evidence.export', target: T, details: { packageId: 'pkg-1' } });
  await audit.append(other(99));

  const joined = await buildAuditExcerpt(db, T);
  expect(joined.runs).toHaveLength(1);
  expect(joined.head.seq).toBe(19);
  expect(JSON.stringify(joined)).not.toContain('other 0');
  expect(joined.runs[0]!.filter((i) => 'entry' in i).map((i) => ('entry' in i ? i.entry.seq : 0))).toEqual([1, 5, 18]);
  expect(joined.runs[0]!.map((i) => ('entry' in i ? i.entry.seq : i.seq))).toEqual(Array.from({ length: 19 }, (_, i) => i + 1));
  expect(checkAuditExcerpt(joined, T, 'pkg-1')).toMatchObject({ ok: true });

  const split = await buildAuditExcerpt(db, T, 5);
  expect(split.runs.map((r) => r.map((i) => ('entry' in i ? i.entry.seq : i.seq)))).toEqual([[1, 2, 3, 4, 5], [18, 19]]);
  expect(checkAuditExcerpt(split, T, 'pkg-1')).toMatchObject({ ok: true, detail: expect.stringContaining('2 unbroken run(s)') });
  await expect(buildAuditExcerpt(db, 'session:nobody')).rejects.toThrow(/no entries about session:nobody/);
});
