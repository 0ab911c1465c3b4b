// The kiosk flow offers the booth's cached catalogue (issue 5) once the booth is enrolled and the
// catalogue has a product with a playable video: a real server with the demo catalogue imported,
// the flow walked through the booth API, the version in the signed, archived timeline.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveKeys } from '../../src/server/archive/archiver.js';
import { CLI_ACTOR } from '../../src/server/auth/admin-actor.js';
import { DEMO_PRODUCT_ID, writeDemoCatalogue } from '../../src/server/catalogue/demo-content.js';
import { importCatalogue } from '../../src/server/catalogue/import.js';
import { SessionManifest } from '../../src/protocol/envelope.js';
import type { FlowInput } from '../../src/protocol/kiosk-flow.js';
import { act, DEMO_TELLER_CODE, kioskConfig, untilStep, walkFlow } from '../helpers/kiosk.js';
import { startStack, waitFor, type Stack } from '../helpers/stack.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ branchId: 'br-k', segmentSeconds: 2, booth: { kiosk: kioskConfig(3) } });
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

describe('kiosk products from the booth catalogue', () => {
  it('offers the config products until the catalogue has one, then the published version with its video and final phrase', async () => {
    const b = stack.booth;
    await act(b, { type: 'start', by: 'customer', language: 'en' });
    let v = await act(b, { type: 'identify', query: { method: 'tellerCode', value: DEMO_TELLER_CODE } });
    expect(v.offers.map((o) => [o.productId, o.version])).toEqual([['demo-fund-001', null]]);
    await act(b, { type: 'idle' });

    const src = await writeDemoCatalogue(stack.server.ffmpeg, join(stack.dataDir, 'demo'), { videoSeconds: 2 });
    await importCatalogue(src, stack.server.catalogue, CLI_ACTOR.audit);
    expect(await b.catalogue.refresh()).toBe('updated');
    const entry = b.catalogue.entries().find((e) => e.product.id === DEMO_PRODUCT_ID)!;

    await act(b, { type: 'start', by: 'customer', language: 'en' });
    v = await act(b, { type: 'identify', query: { method: 'tellerCode', value: DEMO_TELLER_CODE } });
    expect(v.offers).toHaveLength(1);
    const offer = v.offers[0]!;
    expect(offer).toMatchObject({ productId: DEMO_PRODUCT_ID, version: entry.version, name: entry.product.name, disclosure: { mime: 'video/mp4' } });
    expect(Math.abs(offer.disclosure.durationSec - 2)).toBeLessThan(0.2);
    expect(offer.phrases.map((p) => p.id)).toEqual(entry.definition.finalPhraseIds);
    // The disclosure the kiosk plays is the catalogue's verified video.
    const video = entry.definition.steps.find((s) => s.kind === 'video');
    if (!video || !('content' in video)) throw new Error('the demo catalogue has no video step');
    expect(await b.disclosureFile(DEMO_PRODUCT_ID)).toBe((await b.catalogue.content(video.content.sha256)).path);
    await act(b, { type: 'idle' });

    const sessionId = await walkFlow(b);
    await untilStep(b, 'sync');
    await waitFor(async () => (await b.state()).session?.phase === 'archived', 60_000, 'the session to be archived');
    const record = JSON.parse((await stack.server.archive.store.get(archiveKeys(sessionId).record)).toString('utf8')) as { manifest: unknown };
    const m = SessionManifest.parse(record.manifest);
    const chosen = m.timeline!.find((e) => e.event.type === 'productChosen')!.event as Extract<FlowInput, { type: 'productChosen' }>;
    expect(chosen.product).toMatchObject({ productId: DEMO_PRODUCT_ID, version: entry.version });
    await act(b, { type: 'finish' });
  }, 120_000);
});
