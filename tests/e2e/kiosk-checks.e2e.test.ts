// The kiosk flow with issue 7's engines deciding its checks (`checks.kiosk`): a fake camera loops
// the enrolled customer's photo, a fake microphone plays espeak-ng speech, and the flow is driven
// through the booth API (the bridge's `flow` request) from attract to a synced recording.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveKeys } from '../../src/server/archive/archiver.js';
import { SessionManifest } from '../../src/protocol/envelope.js';
import type { FlowInput } from '../../src/protocol/kiosk-flow.js';
import type { Booth } from '../../src/booth/booth.js';
import { writeCheckMedia } from '../helpers/check-media.js';
import { act, DEMO_ID_NUMBER, kioskConfig, untilStep } from '../helpers/kiosk.js';
import { KWS_MODEL_DIR } from '../helpers/speech.js';
import { startStack, waitFor, type Stack } from '../helpers/stack.js';

const DISCLOSURE_SEC = 2;
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Checked<T extends 'faceChecked' | 'speechChecked'> = Extract<FlowInput, { type: T }>;

describe('kiosk flow decided by the face and speech engines', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dualrec-kiosk-checks-e2e-'));
  let enrolledA: number[];

  beforeAll(async () => {
    ({ enrolledA } = await writeCheckMedia(dir));
  }, 120_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A booth whose customer is either on the server (enrolled in the booth's branch) or in the booth's config list. */
  interface Run {
    camera: 'a.jpg' | 'b.jpg';
    mic: 'confirm.wav' | 'refuse.wav';
    customerOn: 'server' | 'config';
    kiosk: { confirmationWindowSec?: number; maxConfirmationAttempts?: number; maxFaceAttempts?: number };
  }

  async function withBooth({ camera, mic, customerOn, kiosk }: Run, run: (b: Booth, stack: Stack) => Promise<void>): Promise<void> {
    const stack = await startStack({
      segmentSeconds: 2,
      ...(customerOn === 'server' ? { branchId: 'br-k' } : {}),
      booth: {
        capture: { fake: { cameraImage: join(dir, camera), micAudio: join(dir, mic) } },
        checks: { kiosk: true, speech: { kwsModelDir: KWS_MODEL_DIR } },
        kiosk: kioskConfig(DISCLOSURE_SEC, {
          ...kiosk,
          products: [{ productId: 'wm-basic', name: { zh: '稳健理财', en: 'Basic plan' }, disclosure: { generate: { seconds: DISCLOSURE_SEC } }, phrases: [{ id: 'buy', text: '我确认购买', en: 'I confirm the purchase' }] }],
          customers: customerOn === 'config' ? [{ customerId: 'cust-a', name: '张晓明', idNumber: DEMO_ID_NUMBER, faceDescriptors: [enrolledA] }] : [],
        }),
      },
    });
    try {
      if (customerOn === 'server') {
        const faces = [{ model: 'face-api/face_recognition_model', descriptor: enrolledA }];
        await stack.server.catalogue.customers.create({ actor: 'system', scope: null }, { branchId: 'br-k', name: '张晓明', idDocument: { type: 'cn_resident_id', number: DEMO_ID_NUMBER }, faces });
      }
      await run(stack.booth, stack);
    } catch (err) {
      // What the engines heard and decided, so a failure on a loaded CI machine can be read from its log.
      const snap = (await stack.booth.handle({ type: 'getChecks' }).catch(() => null)) as { events: { type: string }[] } | null;
      (err as Error).message += `\nchecks timeline:\n${(snap?.events ?? []).map((e) => JSON.stringify(e)).join('\n')}`;
      throw err;
    } finally {
      await stack.close();
    }
  }

  async function startFlow(b: Booth, source: 'server' | 'local'): Promise<string> {
    await act(b, { type: 'start', by: 'customer', language: 'zh-CN' });
    const v = await act(b, { type: 'identify', query: { method: 'idNumber', value: DEMO_ID_NUMBER } });
    expect(v.flow?.customer).toMatchObject({ displayName: '张*明', source, enrolledFace: true });
    if (source === 'local') expect(v.flow?.customer?.customerId).toBe('cust-a');
    await act(b, { type: 'chooseProduct', productId: 'wm-basic' });
    await act(b, { type: 'chooseMode', mode: 'self' });
    const f = await untilStep(b, 'faceCheck');
    expect(f.checks).toEqual({ face: 'engine', speech: 'engine' });
    return f.flow!.sessionId!;
  }

  async function playDisclosure(b: Booth): Promise<void> {
    await act(b, { type: 'disclosure', event: 'started', positionSec: 0 });
    await sleep(DISCLOSURE_SEC * 1000 + 50);
    await act(b, { type: 'disclosure', event: 'ended', positionSec: DISCLOSURE_SEC });
  }

  async function archived(stack: Stack, sessionId: string): Promise<SessionManifest> {
    await waitFor(async () => (await stack.booth.state()).session?.phase === 'archived', 60_000, 'the session to be archived');
    const record = JSON.parse((await stack.server.archive.store.get(archiveKeys(sessionId).record)).toString('utf8')) as { manifest: unknown };
    return SessionManifest.parse(record.manifest);
  }

  it('a customer enrolled on the server: the face and the spoken confirmation carry the flow to a synced recording', async () => {
    await withBooth({ camera: 'a.jpg', mic: 'confirm.wav', customerOn: 'server', kiosk: { confirmationWindowSec: 20, maxConfirmationAttempts: 2 } }, async (b, stack) => {
      const sessionId = await startFlow(b, 'server');
      // The face engine decides: the flow moves on to the disclosure by itself.
      await untilStep(b, 'disclosure', 60_000);
      await playDisclosure(b);
      await untilStep(b, 'summary', 60_000);
      await act(b, { type: 'signature', pngBase64: PNG });
      await act(b, { type: 'confirmSummary' });
      await untilStep(b, 'sync', 60_000);
      const m = await archived(stack, sessionId);
      expect(m.endReason).toBe('completed');
      const tl = m.timeline!;
      expect(tl.map((e) => e.event.type)).toEqual([
        'flowStarted', 'customerIdentified', 'productChosen', 'modeChosen', 'recordingStarted',
        'faceChecked', 'disclosureStarted', 'disclosureEnded', 'speechChecked', 'signatureCaptured', 'summaryConfirmed',
      ]);
      const face = (tl.find((e) => e.event.type === 'faceChecked')!.event as Checked<'faceChecked'>).result;
      expect(face).toMatchObject({ source: 'engine', passed: true, staffId: null, threshold: 0.42 });
      expect(face.engine).toMatch(/face/);
      expect(face.score).toBeLessThan(0.42);
      const speech = (tl.find((e) => e.event.type === 'speechChecked')!.event as Checked<'speechChecked'>).result;
      expect(speech).toMatchObject({ source: 'engine', passed: true, phraseIds: ['buy'], staffId: null });
      // The engines' own decisions are in the booth's session timeline (source `checks`).
      const snap = (await b.handle({ type: 'getChecks' })) as { events: { type: string }[] };
      const types = snap.events.map((e) => e.type);
      for (const t of ['checks.started', 'face.verified', 'disclosure.ended', 'confirmation.confirmed', 'checks.stopped']) expect(types).toContain(t);
    });
  }, 240_000);

  it('a customer from the booth config who refuses does not pass: the disclosure is replayed, then the flow ends', async () => {
    await withBooth({ camera: 'a.jpg', mic: 'refuse.wav', customerOn: 'config', kiosk: { confirmationWindowSec: 10, maxConfirmationAttempts: 2 } }, async (b, stack) => {
      const sessionId = await startFlow(b, 'local');
      await untilStep(b, 'disclosure', 60_000);
      await playDisclosure(b);
      const replay = await untilStep(b, 'disclosure', 60_000);
      expect(replay.flow?.disclosure.round).toBe(2);
      await playDisclosure(b);
      await untilStep(b, 'sync', 90_000);
      const m = await archived(stack, sessionId);
      expect(m.endReason).toBe('aborted');
      const tl = m.timeline!;
      const speech = tl.filter((e) => e.event.type === 'speechChecked').map((e) => (e.event as Checked<'speechChecked'>).result);
      expect(speech).toHaveLength(2);
      for (const r of speech) {
        expect(r).toMatchObject({ source: 'engine', passed: false, phraseIds: [] });
        expect(['refused', 'not_confirmed', 'silence']).toContain(r.note);
      }
      expect(tl.filter((e) => e.event.type === 'disclosureStarted')).toHaveLength(2);
      expect(tl.some((e) => e.event.type === 'signatureCaptured')).toBe(false);
    });
  }, 240_000);

  it('someone else in front of the camera does not pass: the face is re-acquired, then the flow ends before the disclosure', async () => {
    await withBooth({ camera: 'b.jpg', mic: 'confirm.wav', customerOn: 'config', kiosk: { maxFaceAttempts: 2 } }, async (b, stack) => {
      const sessionId = await startFlow(b, 'local');
      await waitFor(async () => (b.kiosk.view().flow?.face.attempts === 1 ? true : null), 60_000, 'the first face attempt');
      expect(b.kiosk.view().flow?.step).toBe('faceCheck');
      await untilStep(b, 'sync', 60_000);
      const m = await archived(stack, sessionId);
      expect(m.endReason).toBe('aborted');
      const faces = m.timeline!.filter((e) => e.event.type === 'faceChecked').map((e) => (e.event as Checked<'faceChecked'>).result);
      expect(faces).toHaveLength(2);
      for (const r of faces) {
        expect(r).toMatchObject({ source: 'engine', passed: false, threshold: 0.42 });
        expect(r.score).toBeGreaterThan(0.42);
        expect(r.note).toBe('not_matching');
      }
      expect(m.timeline!.some((e) => e.event.type === 'disclosureStarted')).toBe(false);
    });
  }, 240_000);
});
