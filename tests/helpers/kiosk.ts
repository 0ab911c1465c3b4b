// Helpers for tests of the kiosk flow: a booth config section with a short disclosure and a staff
// PIN, a way to wait for a flow step, and `ControlledChecks`, an implementation of the check-engine
// seam whose decisions the test makes (the real engines come with issue 7). It stands where an
// engine stands: it receives the same requests and answers through the same validated path.
import type { Booth } from '../../src/booth/booth.js';
import { hashStaffPin } from '../../src/booth/kiosk/staff-gate.js';
import type { FaceCheckEngine, FaceCheckRequest, SpeechCheckEngine, SpeechCheckRequest } from '../../src/booth/kiosk/seams.js';
import type { BoothConfigInput } from '../../src/booth/config.js';
import type { FaceCheckResult, FlowAction, FlowStep, KioskView, SpeechCheckResult } from '../../src/protocol/kiosk-flow.js';
import { waitFor } from './stack.js';

export const STAFF_PIN = '2468';
export const STAFF_ID = 'S1001';
export const DEMO_ID_NUMBER = '11010519491231002X';
export const DEMO_TELLER_CODE = 'T0001';

let pinHash: string | null = null;

/** The kiosk section for tests: a `seconds`-long generated disclosure and one staff member. */
export function kioskConfig(seconds: number, extra: NonNullable<BoothConfigInput['kiosk']> = {}): NonNullable<BoothConfigInput['kiosk']> {
  pinHash ??= hashStaffPin(STAFF_PIN);
  return {
    products: [
      {
        productId: 'demo-fund-001',
        name: { zh: '稳健增利理财计划（演示）', en: 'Steady Growth Plan (demo)' },
        riskLevel: 'R3',
        disclosure: { generate: { seconds } },
        phrases: [{ id: 'confirm-risk', text: '本人已阅读并理解产品风险，自愿购买', en: 'I have read and understood the risks and buy of my own free will' }],
      },
    ],
    staff: [{ staffId: STAFF_ID, name: '王经理', pinHash }],
    ...extra,
  };
}

export function act(booth: Booth, action: FlowAction): Promise<KioskView> {
  return booth.handle({ type: 'flow', action }) as Promise<KioskView>;
}

/** Waits until the booth's flow is at `step` (attract: no flow running). */
export async function untilStep(booth: Booth, step: FlowStep, timeoutMs = 30_000): Promise<KioskView> {
  return waitFor(
    async () => {
      const v = booth.kiosk.view();
      return (v.flow?.step ?? 'attract') === step ? v : null;
    },
    timeoutMs,
    () => `the kiosk flow to reach ${step} (it is at ${booth.kiosk.view().flow?.step ?? 'attract'})`,
  );
}

interface Pending<Req, Res> {
  req: Req;
  signal: AbortSignal;
  resolve: (r: Res) => void;
}

/** Check engines whose answers the test gives; every request is kept. */
export class ControlledChecks implements FaceCheckEngine, SpeechCheckEngine {
  readonly name = 'test-controlled';
  readonly faceRequests: FaceCheckRequest[] = [];
  readonly speechRequests: SpeechCheckRequest[] = [];
  private face: Pending<FaceCheckRequest, FaceCheckResult> | null = null;
  private speech: Pending<SpeechCheckRequest, SpeechCheckResult> | null = null;

  verify(req: FaceCheckRequest, signal: AbortSignal): Promise<FaceCheckResult> {
    this.faceRequests.push(req);
    return new Promise((resolve) => (this.face = { req, signal, resolve }));
  }

  listen(req: SpeechCheckRequest, signal: AbortSignal): Promise<SpeechCheckResult> {
    this.speechRequests.push(req);
    return new Promise((resolve) => (this.speech = { req, signal, resolve }));
  }

  async answerFace(passed: boolean, score = passed ? 0.82 : 0.31): Promise<void> {
    const p = await waitFor(async () => (this.face !== null && !this.face.signal.aborted ? this.face : null), 10_000, 'a face check request');
    this.face = null;
    p.resolve({ check: 'face', passed, source: 'engine', score, threshold: 0.55, faces: 1, engine: this.name, staffId: null, note: null });
  }

  async answerSpeech(passed: boolean, transcript = passed ? '本人已阅读并理解产品风险，自愿购买' : '我不同意'): Promise<void> {
    const p = await waitFor(async () => (this.speech !== null && !this.speech.signal.aborted ? this.speech : null), 10_000, 'a speech check request');
    this.speech = null;
    p.resolve({ check: 'speech', passed, source: 'engine', phraseIds: passed ? p.req.phrases.map((x) => x.id) : [], transcript, score: passed ? 0.9 : 0.1, engine: this.name, staffId: null, note: null });
  }
}

const PNG_1X1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

/**
 * Walks a whole self-service flow through the booth API (staff decide the checks) and returns its
 * session id once the flow is on its sync screen. `whileRecording` runs during the disclosure,
 * `afterDisclosure` after it (still recording) before the confirmation and signature.
 */
export async function walkFlow(booth: Booth, whileRecording: () => Promise<void> = async () => undefined, afterDisclosure: () => Promise<void> = async () => undefined): Promise<string> {
  await act(booth, { type: 'start', by: 'customer', language: 'zh-CN' });
  await act(booth, { type: 'identify', query: { method: 'tellerCode', value: DEMO_TELLER_CODE } });
  await act(booth, { type: 'chooseProduct', productId: 'demo-fund-001' });
  await act(booth, { type: 'chooseMode', mode: 'self' });
  const v = await untilStep(booth, 'faceCheck');
  await act(booth, { type: 'staffUnlock', pin: STAFF_PIN });
  await act(booth, { type: 'staffDecision', check: 'face', passed: true });
  await act(booth, { type: 'disclosure', event: 'started', positionSec: 0 });
  const started = Date.now();
  await whileRecording();
  const rest = v.flow!.product!.disclosure.durationSec * 1000 + 50 - (Date.now() - started);
  if (rest > 0) await new Promise((r) => setTimeout(r, rest));
  await act(booth, { type: 'disclosure', event: 'ended', positionSec: v.flow!.product!.disclosure.durationSec });
  await afterDisclosure();
  await act(booth, { type: 'staffDecision', check: 'speech', passed: true });
  await act(booth, { type: 'staffLock' });
  await act(booth, { type: 'signature', pngBase64: PNG_1X1 });
  await act(booth, { type: 'confirmSummary' });
  await untilStep(booth, 'sync');
  return v.flow!.sessionId!;
}
