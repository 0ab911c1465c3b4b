import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { contentHandler } from '../../../main/content-protocol.js';

// The Electron binary cannot run on the build machines, so `electron` is mocked; the handler is
// given its file fetcher, here one that reads the file (as Chromium's file loader would).
vi.mock('electron', () => ({ net: { fetch: vi.fn() }, protocol: { registerSchemesAsPrivileged: vi.fn() } }));

const dir = mkdtempSync(join(tmpdir(), 'dualrec-content-'));
const FILE = join(dir, 'demo.webm');
writeFileSync(FILE, Buffer.from('webm bytes'));
const SHA = 'a'.repeat(64);

function setup() {
  const asked: string[] = [];
  const fetched: Array<{ url: string; init: RequestInit }> = [];
  const host = {
    disclosureFile: (id: string) => {
      asked.push(id);
      return id === 'demo-fund-001' ? Promise.resolve(FILE) : Promise.reject(new Error(`no product ${id}`));
    },
    catalogueFile: (sha: string) => {
      asked.push(sha);
      return sha === SHA ? Promise.resolve(FILE) : Promise.reject(new Error(`no blob ${sha}`));
    },
  };
  const handler = contentHandler(host, (url, init) => {
    fetched.push({ url, init });
    return Promise.resolve(new Response('webm bytes', { status: 200 }));
  });
  return { handler, asked, fetched };
}

describe('the dualrec-content scheme', () => {
  it('serves a product disclosure from the file the booth names, passing the byte range on', async () => {
    const { handler, fetched } = setup();
    const res = await handler(new Request('dualrec-content://disclosure/demo-fund-001', { headers: { range: 'bytes=0-3' } }));
    expect(res.status).toBe(200);
    expect(fetched).toEqual([{ url: pathToFileURL(FILE).href, init: { method: 'GET', headers: { range: 'bytes=0-3' } } }]);
  });

  it('serves a verified catalogue file by its SHA-256', async () => {
    const { handler, fetched } = setup();
    expect((await handler(new Request(`dualrec-content://catalogue/${SHA}`))).status).toBe(200);
    expect(fetched.map((f) => f.url)).toEqual([pathToFileURL(FILE).href]);
  });

  it.each([
    ['another host', 'dualrec-content://files/demo-fund-001', 404],
    ['a catalogue name that is not a SHA-256', 'dualrec-content://catalogue/demo-fund-001', 400],
    ['a catalogue file the booth does not have', `dualrec-content://catalogue/${'b'.repeat(64)}`, 404],
    ['a path below the product', 'dualrec-content://disclosure/demo-fund-001/../../etc/passwd', 404],
    ['an encoded traversal', 'dualrec-content://disclosure/..%2F..%2Fetc%2Fpasswd', 400],
    ['a bad product id', 'dualrec-content://disclosure/bad%20id', 400],
    ['an unknown product', 'dualrec-content://disclosure/unknown-fund', 404],
  ])('refuses %s without reading any file', async (_what, url, status) => {
    const { handler, fetched } = setup();
    const res = await handler(new Request(url));
    expect(res.status).toBe(status);
    expect(fetched).toEqual([]);
  });

  it('refuses other methods', async () => {
    const { handler, asked } = setup();
    expect((await handler(new Request('dualrec-content://disclosure/demo-fund-001', { method: 'POST', body: 'x' }))).status).toBe(405);
    expect(asked).toEqual([]);
  });
});
