// Several server processes appending to one audit log at once (the built dist/, one SQLite file):
// every append lands exactly once and the chain never forks.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { openSqlite } from '../../src/platform/db.js';
import { DbAuditLog } from '../../src/server/audit/db-audit-log.js';
import { serverMigrations } from '../../src/server/db/migrations/index.js';
import type { ServerDb } from '../../src/server/db/schema.js';

const DIST = resolve(import.meta.dirname, '../../dist');
const PROCESSES = 4;
const EACH = 40;
let dir: string;

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function instance(path: string, n: number): Promise<{ code: number | null; out: string }> {
  const mod = (p: string) => JSON.stringify(pathToFileURL(join(DIST, p)).href);
  const script = `
    const { openSqlite } = await import(${mod('platform/db.js')});
    const { serverMigrations } = await import(${mod('server/db/migrations/index.js')});
    const { DbAuditLog } = await import(${mod('server/audit/db-audit-log.js')});
    const db = await openSqlite(${JSON.stringify(path)}, serverMigrations('sqlite'));
    const audit = new DbAuditLog(db);
    for (let i = 0; i < ${EACH}; i++) await audit.append({ actor: 'system', action: 'test.append', target: 'instance:${n}', details: { i } });
    console.log(JSON.stringify({ retries: audit.retries }));
    await db.destroy();
  `;
  return new Promise((res) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => res({ code, out }));
  });
}

it(`${PROCESSES} processes appending ${EACH} entries each to one SQLite audit log never fork the chain`, async () => {
  dir = await mkdtemp(join(tmpdir(), 'dualrec-audit-instances-'));
  const path = join(dir, 'server.sqlite');
  const db = await openSqlite<ServerDb>(path, serverMigrations('sqlite'));
  try {
    const results = await Promise.all(Array.from({ length: PROCESSES }, (_, n) => instance(path, n)));
    expect(results.map((r) => r.code)).toEqual(Array(PROCESSES).fill(0));
    const retries = results.reduce((a, r) => a + (JSON.parse(r.out) as { retries: number }).retries, 0);
    const audit = new DbAuditLog(db);
    const all = await audit.list({ limit: 10_000 });
    expect(all.map((e) => e.seq)).toEqual(Array.from({ length: PROCESSES * EACH }, (_, i) => i + 1));
    for (let n = 0; n < PROCESSES; n++) expect(all.filter((e) => e.target === `instance:${n}`).map((e) => e.details.i)).toEqual(Array.from({ length: EACH }, (_, i) => i));
    expect(await audit.verify()).toMatchObject({ ok: true, checked: PROCESSES * EACH });
    console.log(`audit appends from ${PROCESSES} processes: ${retries} retries after losing a race`);
  } finally {
    await db.destroy();
  }
});
