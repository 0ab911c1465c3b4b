// The booth's offline catalogue against a real server (auth, SQLite, store) through an HTTP proxy
// that can go down, cut a download in half or flip a byte: the first fetch, the 304 path, working
// offline (also after a restart), a corrupted cache file found on read and fetched again or
// reported, and a partial or altered download never used.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BoothCatalogue } from '../../src/booth/catalogue/booth-catalogue.js';
import { FaultReporter } from '../../src/booth/faults/fault-reporter.js';
import { CatalogueClient } from '../../src/booth/sync/catalogue-client.js';
import { CLI_ACTOR } from '../../src/server/auth/admin-actor.js';
import { DEMO_PRODUCT_ID, writeDemoCatalogue } from '../../src/server/catalogue/demo-content.js';
import { importCatalogue } from '../../src/server/catalogue/import.js';
import { openApiFixture, type ApiFixture } from '../helpers/api-fixture.js';
import { TamperProxy } from '../helpers/tamper-proxy.js';
import { silent } from '../helpers/vault-fixture.js';

let fx: ApiFixture;
let proxy: TamperProxy;
let client: CatalogueClient;
let dir: string;
const faults = new FaultReporter();
const open = () => BoothCatalogue.open({ dir, client, refreshEveryMs: 3_600_000, log: silent, faults });

/** Imports (and publishes) the demo product with a video of `seconds`. */
async function publishDemo(name: string, seconds: number): Promise<void> {
  const src = await writeDemoCatalogue(fx.server.ffmpeg, join(fx.dir, name), { videoSeconds: seconds });
  await importCatalogue(src, fx.server.catalogue, CLI_ACTOR.audit);
}

const contentGets = () => proxy.log.filter((l) => l.path.includes('/booth/catalogue/content/'));
const blobs = async () => (await readdir(join(dir, 'blobs'))).sort();

beforeAll(async () => {
  fx = await openApiFixture();
  proxy = await TamperProxy.start(fx.base);
  const token = fx.booth.headers.authorization!.replace('Bearer ', '');
  client = new CatalogueClient({ baseUrl: () => proxy.url, token: () => token, timeoutMs: 5000, stallMs: 2000 });
  dir = join(fx.dir, 'booth-catalogue');
  await publishDemo('demo-1', 2);
});
afterAll(async () => {
  await proxy?.close();
  await fx?.close();
});

describe('booth catalogue', () => {
  let cat: BoothCatalogue;
  let videoSha: string;

  it('fetches the snapshot and its content once, then an unchanged catalogue costs a 304', async () => {
    cat = await open();
    expect(cat.entries()).toEqual([]);
    expect(await cat.refresh()).toBe('updated');
    const [entry] = cat.entries();
    expect(entry!.product.id).toBe(DEMO_PRODUCT_ID);
    const local = await cat.product(DEMO_PRODUCT_ID);
    const step = entry!.definition.steps.find((s) => s.kind === 'video')!;
    videoSha = step.kind === 'video' ? step.content.sha256 : '';
    expect(await readFile(local.files.get(videoSha)!)).toEqual(await readFile(join(fx.dir, 'demo-1', 'risk-video.mp4')));
    expect(contentGets()).toHaveLength(1);

    proxy.log.length = 0;
    expect(await cat.refresh()).toBe('unchanged');
    expect(proxy.log).toEqual([expect.objectContaining({ path: '/api/v1/booth/catalogue', status: 304 })]);
    expect(cat.status).toMatchObject({ online: true, lastError: null, products: 1 });
  });

  it('works offline from the cache, also after a restart', async () => {
    proxy.mode = 'down';
    await expect(cat.refresh()).rejects.toMatchObject({ code: 'server.unreachable' });
    expect(cat.status.online).toBe(false);
    expect(cat.status.lastError).toMatch(/cannot reach the server/);
    expect((await cat.product(DEMO_PRODUCT_ID)).files.size).toBe(1);
    await cat.close();

    cat = await open();
    expect(cat.entries().map((e) => e.product.id)).toEqual([DEMO_PRODUCT_ID]);
    expect(cat.status.updatedAt).not.toBeNull();
    expect((await cat.product(DEMO_PRODUCT_ID)).files.get(videoSha)).toBe(join(dir, 'blobs', videoSha));
    proxy.mode = 'pass';
  });

  it('finds a corrupted cache file on read and fetches it again', async () => {
    const path = join(dir, 'blobs', videoSha);
    const good = await readFile(path);
    const bad = Buffer.from(good);
    bad[1000] = bad[1000]! ^ 0x01;
    await writeFile(path, bad);
    proxy.log.length = 0;
    const local = await cat.product(DEMO_PRODUCT_ID);
    expect(await readFile(local.files.get(videoSha)!)).toEqual(good);
    expect(contentGets()).toHaveLength(1);
    expect(faults.active()).toEqual([]);
  });

  it('reports a corrupted file it cannot fetch again, and repairs it when the server is back', async () => {
    const path = join(dir, 'blobs', videoSha);
    await writeFile(path, Buffer.alloc(10));
    proxy.mode = 'down';
    await expect(cat.product(DEMO_PRODUCT_ID)).rejects.toMatchObject({ status: 422, code: 'catalogue.content_corrupt' });
    expect(faults.active().map((f) => f.kind)).toEqual(['catalogue.corrupted']);
    expect(await blobs()).toEqual([]);
    proxy.mode = 'pass';
    // The 304 refresh fetches what the current snapshot misses.
    expect(await cat.refresh()).toBe('unchanged');
    expect(await blobs()).toEqual([videoSha]);
    await cat.product(DEMO_PRODUCT_ID);
    expect(faults.active()).toEqual([]);
  });

  it('never uses a partial or altered download, and keeps playing the version it has', async () => {
    await publishDemo('demo-2', 3);
    const before = cat.status.etag;
    for (const mode of ['truncate', 'flip'] as const) {
      proxy.mode = mode;
      await expect(cat.refresh()).rejects.toMatchObject({ code: mode === 'flip' ? 'catalogue.content_hash' : expect.stringMatching(/^(server\.unreachable|catalogue\.content_size)$/) });
      expect(cat.status.etag).toBe(before);
      expect(await blobs()).toEqual([videoSha]);
      expect((await readdir(join(dir, 'blobs'), { withFileTypes: true })).map((d) => d.name)).toEqual([videoSha]);
      expect((await cat.product(DEMO_PRODUCT_ID)).entry.version).toBe(1);
    }
    proxy.mode = 'pass';
    expect(await cat.refresh()).toBe('updated');
    expect((await cat.product(DEMO_PRODUCT_ID)).entry.version).toBe(2);
    // The blobs of the snapshot before stay (a session may still play them) until the next switch.
    expect(await blobs()).toHaveLength(2);
    await publishDemo('demo-3', 4);
    expect(await cat.refresh()).toBe('updated');
    expect(await blobs()).toHaveLength(2);
    expect(await blobs()).not.toContain(videoSha);
  });

  it('drops a cached snapshot that does not match its ETag and fetches it again', async () => {
    await cat.close();
    await writeFile(join(dir, 'snapshot.json'), '{"format":1,"etag":"' + '0'.repeat(64) + '","entries":[]}');
    cat = await open();
    expect(cat.entries()).toEqual([]);
    expect(await cat.refresh()).toBe('updated');
    expect(cat.entries()).toHaveLength(1);
    await cat.close();
  });
});
