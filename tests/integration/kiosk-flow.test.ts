// The kiosk flow on a real booth (FFmpeg fake capture, SQLite, a real server): every step through
// the booth API, the timeline signed into the manifest and archived, the engine seam, staff
// controls, refusals, and a restart in the middle of a flow.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveKeys } from '../../src/server/archive/archiver.js';
import { SessionManifest } from '../../src/protocol/envelope.js';
import { Booth } from '../../src/booth/booth.js';
import { parseBoothConfig } from '../../src/booth/config.js';
import { createLogger } from '../../src/platform/log.js';
import type { FlowInput, KioskView } from '../../src/protocol/kiosk-flow.js';
import { act, ControlledChecks, DEMO_ID_NUMBER, DEMO_TELLER_CODE, kioskConfig, STAFF_ID, STAFF_PIN, untilStep } from '../helpers/kiosk.js';
import { startStack, waitFor, type Stack } from '../helpers/stack.js';

const DISCLOSURE_SEC = 2;
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ segmentSeconds: 2, booth: { kiosk: kioskConfig(DISCLOSURE_SEC, { maxConfirmationAttempts: 2 }) }, keep: false });
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

async function playDisclosure(): Promise<void> {
  const v = await untilStep(stack.booth, 'disclosure');
  const duration = v.flow!.product!.disclosure.durationSec;
  await act(stack.booth, { type: 'disclosure', event: 'started', positionSec: 0 });
  await sleep(duration * 1000 + 50);
  await act(stack.booth, { type: 'disclosure', event: 'ended', positionSec: duration });
}

async function archivedManifest(sessionId: string): Promise<SessionManifest> {
  await waitFor(async () => (await stack.booth.state()).session?.phase === 'archived', 60_000, 'the session to be archived');
  const record = JSON.parse((await stack.server.archive.store.get(archiveKeys(sessionId).record)).toString('utf8')) as { manifest: unknown };
  return SessionManifest.parse(record.manifest);
}

const types = (m: SessionManifest) => (m.timeline ?? []).map((e) => e.event.type);

describe('kiosk flow on a real booth', () => {
  it('walks the on-site mode with staff decisions and archives the timeline in the signed manifest', async () => {
    const b = stack.booth;
    await act(b, { type: 'staffUnlock', pin: STAFF_PIN });
    let v = await act(b, { type: 'start', by: 'staff', language: 'zh-CN' });
    expect(v.flow).toMatchObject({ step: 'identify', startedBy: 'staff' });
    v = await act(b, { type: 'identify', query: { method: 'tellerCode', value: 'T9999' } });
    expect(v.flow?.notice?.code).toBe('customer.notFound');
    v = await act(b, { type: 'identify', query: { method: 'tellerCode', value: DEMO_TELLER_CODE } });
    expect(v.flow?.customer).toEqual({ customerId: 'demo-customer-1', displayName: '张*明', maskedIdentifier: '*0001', source: 'local', enrolledFace: false });
    expect(v.offers.map((o) => o.productId)).toEqual(['demo-fund-001']);
    expect(Math.abs(v.offers[0]!.disclosure.durationSec - DISCLOSURE_SEC)).toBeLessThan(0.2);
    await act(b, { type: 'chooseProduct', productId: 'demo-fund-001' });
    v = await act(b, { type: 'chooseMode', mode: 'onsite' });
    expect(v.flow).toMatchObject({ step: 'starting', mode: 'onsite', modeStaffId: STAFF_ID });
    v = await untilStep(b, 'faceCheck');
    const sessionId = v.flow!.sessionId!;
    expect(v.checks).toEqual({ face: 'staff', speech: 'staff' });
    await act(b, { type: 'staffDecision', check: 'face', passed: true, note: 'matches the ID card' });
    await playDisclosure();
    await untilStep(b, 'confirmation');
    await act(b, { type: 'staffDecision', check: 'speech', passed: true });
    await act(b, { type: 'signature', pngBase64: PNG });
    v = await act(b, { type: 'confirmSummary' });
    expect(v.flow?.step).toBe('stopping');
    await untilStep(b, 'sync');
    v = await act(b, { type: 'finish' });
    expect(v.flow).toBeNull();

    const m = await archivedManifest(sessionId);
    expect(m.endReason).toBe('completed');
    expect(types(m)).toEqual([
      'flowStarted', 'customerLookupFailed', 'customerIdentified', 'productChosen', 'modeChosen', 'recordingStarted',
      'faceChecked', 'disclosureStarted', 'disclosureEnded', 'speechChecked', 'signatureCaptured', 'summaryConfirmed',
    ]);
    const tl = m.timeline!;
    expect(tl.map((e) => e.seq)).toEqual(tl.map((_e, i) => i));
    expect(tl.slice(0, 5).every((e) => e.sessionSec === null)).toBe(true);
    expect(tl.slice(5).every((e) => e.sessionSec !== null && e.sessionSec >= 0)).toBe(true);
    const face = tl.find((e) => e.event.type === 'faceChecked')!.event as Extract<FlowInput, { type: 'faceChecked' }>;
    expect(face.result).toMatchObject({ source: 'staff', staffId: STAFF_ID, passed: true, note: 'matches the ID card', score: null });
    const sig = tl.find((e) => e.event.type === 'signatureCaptured')!.event as Extract<FlowInput, { type: 'signatureCaptured' }>;
    expect(sig).toMatchObject({ width: 1, height: 1, pngBase64: PNG });
    // The ID number never reaches the timeline; its masked form does.
    expect(JSON.stringify(tl)).not.toContain(DEMO_ID_NUMBER);
    await act(b, { type: 'staffLock' });
  }, 120_000);

  it('uses attached engines, replays the disclosure after a failed confirmation, and lets staff abort', async () => {
    const b = stack.booth;
    const engines = new ControlledChecks();
    b.kiosk.attachEngines({ face: engines, speech: engines });
    try {
      await act(b, { type: 'start', by: 'customer', language: 'en' });
      await act(b, { type: 'identify', query: { method: 'idNumber', value: DEMO_ID_NUMBER } });
      await act(b, { type: 'chooseProduct', productId: 'demo-fund-001' });
      await act(b, { type: 'chooseMode', mode: 'self' });
      let v = await untilStep(b, 'faceCheck');
      expect(v.checks).toEqual({ face: 'engine', speech: 'engine' });
      await engines.answerFace(false);
      await waitFor(async () => b.kiosk.view().flow?.face.attempts === 1, 5000, 'the failed face check');
      await engines.answerFace(true);
      expect(engines.faceRequests.map((r) => r.attempt)).toEqual([1, 2]);
      await playDisclosure();
      await untilStep(b, 'confirmation');
      await engines.answerSpeech(false);
      v = await untilStep(b, 'disclosure');
      expect(v.flow?.disclosure.round).toBe(2);
      await playDisclosure();
      await untilStep(b, 'confirmation');
      expect(engines.speechRequests.map((r) => [r.attempt, r.phrases[0]!.id])).toEqual([[1, 'confirm-risk'], [2, 'confirm-risk']]);
      // Staff take over: an abort with the reason; the engine's pending request is dropped.
      await expect(act(b, { type: 'staffAbort', reason: 'customer asked to stop' })).rejects.toMatchObject({ name: 'UnauthorizedError' });
      await act(b, { type: 'staffUnlock', pin: STAFF_PIN });
      await act(b, { type: 'staffSwitchMode', mode: 'onsite' });
      v = await act(b, { type: 'staffAbort', reason: 'customer asked to stop' });
      const sessionId = v.flow!.sessionId!;
      expect(v.flow).toMatchObject({ step: 'stopping', outcome: 'aborted', endReason: { by: 'staff', staffId: STAFF_ID, reason: 'customer asked to stop' } });
      await untilStep(b, 'sync');
      const m = await archivedManifest(sessionId);
      expect(m.endReason).toBe('aborted');
      expect(types(m)).toEqual([
        'flowStarted', 'customerIdentified', 'productChosen', 'modeChosen', 'recordingStarted',
        'faceChecked', 'faceChecked', 'disclosureStarted', 'disclosureEnded', 'speechChecked',
        'disclosureStarted', 'disclosureEnded', 'staffUnlocked', 'modeSwitched', 'staffAborted',
      ]);
      const speech = m.timeline!.find((e) => e.event.type === 'speechChecked')!.event as Extract<FlowInput, { type: 'speechChecked' }>;
      expect(speech.result).toMatchObject({ source: 'engine', engine: 'test-controlled', passed: false, transcript: '我不同意' });
      await act(b, { type: 'idle' });
      expect(b.kiosk.view().flow).toBeNull();
    } finally {
      b.kiosk.attachEngines({});
      await act(b, { type: 'staffLock' });
    }
  }, 120_000);

  it('refuses what the flow does not allow, and changes nothing', async () => {
    const b = stack.booth;
    const refused = (action: Parameters<typeof act>[1]) => act(b, action).then(() => null, (e: unknown) => e as { name: string; code: string; message: string });
    expect(await refused({ type: 'identify', query: { method: 'tellerCode', value: DEMO_TELLER_CODE } })).toMatchObject({ name: 'ConflictError', code: 'flow.none' });
    expect(await refused({ type: 'start', by: 'staff', language: 'zh-CN' })).toMatchObject({ name: 'UnauthorizedError', code: 'staff.locked' });
    await expect(b.handle({ type: 'flow', action: { type: 'start', by: 'robot', language: 'zh-CN' } })).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(b.handle({ type: 'flow', action: { type: 'identify', query: { method: 'idNumber', value: '12345' } } })).rejects.toThrow(/ID number must be 17 digits/);
    await act(b, { type: 'start', by: 'customer', language: 'zh-CN' });
    let v = await act(b, { type: 'identify', query: { method: 'idNumber', value: '110105194912310021' } });
    expect(v.flow?.notice?.code).toBe('customer.invalid');
    expect(await refused({ type: 'chooseProduct', productId: 'demo-fund-001' })).toMatchObject({ name: 'NotFoundError' });
    expect(await refused({ type: 'confirmSummary' })).toMatchObject({ name: 'ConflictError', code: 'flow.bad_transition' });
    await act(b, { type: 'identify', query: { method: 'idNumber', value: DEMO_ID_NUMBER } });
    expect(await refused({ type: 'chooseProduct', productId: 'other-fund' })).toMatchObject({ name: 'NotFoundError', code: 'product.not_offered' });
    await act(b, { type: 'chooseProduct', productId: 'demo-fund-001' });
    expect(await refused({ type: 'chooseMode', mode: 'onsite' })).toMatchObject({ name: 'UnauthorizedError' });
    await act(b, { type: 'chooseMode', mode: 'remote' });
    await untilStep(b, 'faceCheck');
    // The flow owns the recording: bare start/stop requests are refused.
    await expect(b.handle({ type: 'stopSession' })).rejects.toMatchObject({ code: 'flow.owns_recording' });
    expect(await refused({ type: 'idle' })).toMatchObject({ code: 'flow.busy' });
    expect(await refused({ type: 'cancel' })).toMatchObject({ code: 'flow.bad_transition' });
    await act(b, { type: 'staffUnlock', pin: STAFF_PIN });
    await act(b, { type: 'staffDecision', check: 'face', passed: true });
    await act(b, { type: 'disclosure', event: 'started', positionSec: 0 });
    expect(await refused({ type: 'disclosure', event: 'ended', positionSec: DISCLOSURE_SEC })).toMatchObject({ code: 'flow.disclosure_incomplete' });
    await sleep(DISCLOSURE_SEC * 1000 + 50);
    await act(b, { type: 'disclosure', event: 'ended', positionSec: DISCLOSURE_SEC });
    await act(b, { type: 'staffDecision', check: 'speech', passed: true });
    expect(await refused({ type: 'signature', pngBase64: Buffer.from('GIF89a not a png at all, really').toString('base64') })).toMatchObject({ name: 'ValidationError', code: 'signature.not_png' });
    expect(await refused({ type: 'confirmSummary' })).toMatchObject({ code: 'flow.signature_required' });
    v = await act(b, { type: 'staffAbort', reason: 'test ends here' });
    expect(v.flow?.step).toBe('stopping');
    await untilStep(b, 'sync');
    await act(b, { type: 'finish' });
    await act(b, { type: 'staffLock' });
  }, 120_000);

  it('locks PIN entry after too many wrong PINs', async () => {
    const b = stack.booth;
    for (let i = 1; i < 5; i++) await expect(act(b, { type: 'staffUnlock', pin: '0000' })).rejects.toMatchObject({ name: 'UnauthorizedError', code: 'staff.pin_rejected' });
    await expect(act(b, { type: 'staffUnlock', pin: '0000' })).rejects.toMatchObject({ name: 'ForbiddenError', code: 'staff.locked_out' });
    await expect(act(b, { type: 'staffUnlock', pin: STAFF_PIN })).rejects.toMatchObject({ code: 'staff.locked_out' });
    expect(b.kiosk.view().staff).toMatchObject({ configured: true, unlocked: false });
    expect(b.kiosk.view().staff.lockedOutUntil).not.toBeNull();
  });

  it('serves the disclosure video to the kiosk page only, with byte ranges', async () => {
    const url = `${stack.bridgeUrl}/bridge/v1/disclosure/demo-fund-001`;
    const whole = await fetch(url);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('video/webm');
    const bytes = Buffer.from(await whole.arrayBuffer());
    expect(bytes.subarray(0, 4).toString('hex')).toBe('1a45dfa3'); // EBML (WebM)
    const part = await fetch(url, { headers: { range: 'bytes=0-99' } });
    expect(part.status).toBe(206);
    expect((await part.arrayBuffer()).byteLength).toBe(100);
    expect((await fetch(url, { headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
    expect((await fetch(url, { headers: { origin: 'https://evil.example' } })).status).toBe(403);
    expect((await fetch(`${stack.bridgeUrl}/bridge/v1/disclosure/unknown-fund`)).status).toBe(404);
    expect((await fetch(`${stack.bridgeUrl}/bridge/v1/disclosure/bad%20id`)).status).toBe(400);
  });
});

describe('a booth restarted in the middle of a flow', () => {
  it('ends the flow, records why, and signs the interruption into the manifest', async () => {
    const cfg = parseBoothConfig({ ...stack.booth.config, bridge: { enabled: false } });
    await act(stack.booth, { type: 'start', by: 'customer', language: 'zh-CN' });
    await act(stack.booth, { type: 'identify', query: { method: 'tellerCode', value: DEMO_TELLER_CODE } });
    await act(stack.booth, { type: 'chooseProduct', productId: 'demo-fund-001' });
    await act(stack.booth, { type: 'chooseMode', mode: 'self' });
    const v: KioskView = await untilStep(stack.booth, 'faceCheck');
    const sessionId = v.flow!.sessionId!;
    await waitFor(async () => ((await stack.booth.state()).session?.segmentsSealed ?? 0) >= 1, 20_000, 'a sealed segment');
    await stack.booth.close();
    const again = await Booth.create(cfg, { log: createLogger('booth', 'silent') });
    try {
      expect(again.kiosk.view().flow).toBeNull();
      await waitFor(async () => (await again.state()).session?.phase === 'archived', 60_000, 'the interrupted session to be archived');
      const record = JSON.parse((await stack.server.archive.store.get(archiveKeys(sessionId).record)).toString('utf8')) as { manifest: unknown };
      const m = SessionManifest.parse(record.manifest);
      expect(m.endReason).toBe('emergency-stop');
      expect(types(m).slice(-2)).toEqual(['recordingStarted', 'recordingInterrupted']);
    } finally {
      await again.close();
    }
  }, 120_000);
});
