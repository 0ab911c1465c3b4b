// The catalogue through a real booth (Booth.create, fake capture) and its browser-mode bridge: the
// kiosk's getCatalogue / getProduct / lookupCustomer calls and the verified content route with
// ranges and origin checks, against a real server with the demo catalogue imported.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BRIDGE_CALL_PATH, BRIDGE_CONTENT_PATH } from '../../src/protocol/booth-api.js';
import { BoothCatalogueView, CatalogueEntry } from '../../src/protocol/catalogue.js';
import { residentIdCheckChar } from '../../src/protocol/customers.js';
import { CLI_ACTOR } from '../../src/server/auth/admin-actor.js';
import { DEMO_PRODUCT_ID, writeDemoCatalogue } from '../../src/server/catalogue/demo-content.js';
import { importCatalogue } from '../../src/server/catalogue/import.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
let videoPath: string;
let sha: string;
const ID = '11010519491231002' + residentIdCheckChar('11010519491231002');

beforeAll(async () => {
  stack = await startStack({ branchId: 'br-k' });
  const src = await writeDemoCatalogue(stack.server.ffmpeg, join(stack.dataDir, 'demo'), { videoSeconds: 2 });
  videoPath = join(src, 'risk-video.mp4');
  await importCatalogue(src, stack.server.catalogue, CLI_ACTOR.audit);
  expect(await stack.booth.catalogue.refresh()).toBe('updated');
});
afterAll(async () => {
  await stack?.close();
});

const call = async (body: unknown) => {
  const res = await fetch(`${stack.bridgeUrl}${BRIDGE_CALL_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: { code: string } } };
};

describe('catalogue on the booth bridge', () => {
  it('lists the cached catalogue and hands out a product ready to play', async () => {
    const view = BoothCatalogueView.parse((await call({ type: 'getCatalogue' })).body);
    expect(view.status).toMatchObject({ online: true, products: 1 });
    expect(view.entries.map((e) => e.product.id)).toEqual([DEMO_PRODUCT_ID]);
    const product = CatalogueEntry.parse((await call({ type: 'getProduct', productId: DEMO_PRODUCT_ID })).body);
    const video = product.definition.steps.find((s) => s.kind === 'video');
    sha = video && video.kind === 'video' ? video.content.sha256 : '';
    expect(product.definition.phrases[0]!.keywords[0]!.label).toBe('我已知晓产品风险并自愿购买');
    const unknown = await call({ type: 'getProduct', productId: 'no-such-product' });
    expect([unknown.status, unknown.body.error?.code]).toEqual([404, 'catalogue.unknown_product']);
    expect((await call({ type: 'getProduct', productId: '../etc' })).status).toBe(400);
  });

  it('serves verified content to the kiosk page only, with ranges', async () => {
    const url = `${stack.bridgeUrl}${BRIDGE_CONTENT_PATH}/${sha}`;
    const full = await fetch(url, { headers: { 'sec-fetch-site': 'same-origin' } });
    expect(full.status).toBe(200);
    expect(full.headers.get('content-type')).toBe('video/mp4');
    expect(Buffer.from(await full.arrayBuffer())).toEqual(await readFile(videoPath));
    const part = await fetch(url, { headers: { range: 'bytes=0-9' } });
    expect(part.status).toBe(206);
    expect((await part.arrayBuffer()).byteLength).toBe(10);
    expect((await fetch(url, { headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
    expect((await fetch(url, { headers: { origin: 'http://evil.example' } })).status).toBe(403);
    expect((await fetch(`${stack.bridgeUrl}${BRIDGE_CONTENT_PATH}/${'0'.repeat(64)}`)).status).toBe(404);
    expect((await fetch(`${stack.bridgeUrl}${BRIDGE_CONTENT_PATH}/nothex`)).status).toBe(400);
  });

  it('looks up customers of the booth branch with the server answer intact', async () => {
    const descriptor = Array.from({ length: 128 }, (_, i) => Math.sin(i) / 3);
    await stack.server.catalogue.customers.create({ actor: 'system', scope: null }, { branchId: 'br-k', name: '赵六', idDocument: { type: 'cn_resident_id', number: ID }, faces: [{ model: 'face-api/face_recognition_model', descriptor }] });
    const found = await call({ type: 'lookupCustomer', idDocument: { type: 'cn_resident_id', number: ID.toLowerCase() } });
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ name: '赵六', idMasked: `**************${ID.slice(-4)}`, faces: [{ descriptor }] });
    const missing = await call({ type: 'lookupCustomer', idDocument: { type: 'passport', number: 'E99999999' } });
    expect([missing.status, missing.body.error?.code]).toEqual([404, 'customer.unknown']);
    expect((await call({ type: 'lookupCustomer', idDocument: { type: 'cn_resident_id', number: '123' } })).status).toBe(400);
  });
});
