// GroupCommitter on a real SQLite database: bodies handed over in the same event-loop turn share
// one transaction; each caller hears back only after the commit; a body that fails in the group
// makes the group roll back and every body run again alone, so only that one fails.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Migration } from 'kysely/migration';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/platform/db.js';
import { GroupCommitter } from '../../src/platform/group-commit.js';

interface Db {
  items: { id: number; label: string };
}
const migrations: Record<string, Migration> = {
  '0001-items': { up: async (db) => void (await sql`CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT NOT NULL) STRICT`.execute(db)) },
};

let dir: string;
let db: Kysely<Db>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dualrec-group-commit-'));
  db = await openSqlite<Db>(join(dir, 'g.sqlite'), migrations);
});
afterAll(async () => {
  await db?.destroy();
  await rm(dir, { recursive: true, force: true });
});

const labels = async () => (await db.selectFrom('items').select('label').orderBy('id').execute()).map((r) => r.label);

describe('group commit', () => {
  it('runs the bodies of one turn in one transaction and answers after the commit', async () => {
    const committer = new GroupCommitter(db);
    const seen: Transaction<Db>[] = [];
    const insert = (id: number) =>
      committer.run(async (tx) => {
        seen.push(tx);
        await tx.insertInto('items').values({ id, label: `a${id}` }).execute();
        return id;
      });
    const pending = [insert(1), insert(2), insert(3)];
    // Nothing is committed before the turn ends.
    expect(await labels()).toEqual([]);
    expect(await Promise.all(pending)).toEqual([1, 2, 3]);
    expect(await labels()).toEqual(['a1', 'a2', 'a3']);
    expect(new Set(seen).size).toBe(1);
    // A later turn gets a transaction of its own.
    await insert(4);
    expect(new Set(seen).size).toBe(2);
  });

  it('fails only the body that fails; the others of its group still commit', async () => {
    const committer = new GroupCommitter(db);
    const runs: number[] = [];
    const insert = (id: number) =>
      committer.run(async (tx) => {
        runs.push(id);
        await tx.insertInto('items').values({ id, label: `b${id}` }).execute();
      });
    // id 1 exists: its insert violates the primary key.
    const results = await Promise.allSettled([insert(10), insert(1), insert(11)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE/);
    expect((await labels()).filter((l) => l.startsWith('b'))).toEqual(['b10', 'b11']);
    // Once in the group (rolled back), then each alone.
    expect(runs).toEqual([10, 1, 10, 1, 11]);
  });
});
