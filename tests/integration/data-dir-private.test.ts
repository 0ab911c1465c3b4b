// The server's data folder holds the archive private key, the staff token signing key and password
// hashes: opening it for a server makes it private to the server's user. Real files, real SQLite.
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openArchiveStore } from '../../src/server/archive-store.js';
import { createLogger } from '../../src/platform/log.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'dualrec-private-'));
  dirs.push(d);
  return d;
}

describe('server data folder permissions', () => {
  it('creates a new data folder 0700', async () => {
    const dataDir = join(tmp(), 'data');
    const store = await openArchiveStore(dataDir, { create: true, log: createLogger('test', 'silent') });
    await store.close();
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
  });

  it('narrows an existing world-readable data folder to 0700', async () => {
    const dataDir = join(tmp(), 'data');
    mkdirSync(dataDir, { mode: 0o755 });
    expect(statSync(dataDir).mode & 0o077).not.toBe(0);
    const store = await openArchiveStore(dataDir, { create: true, log: createLogger('test', 'silent') });
    await store.close();
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
  });
});
