// The archive re-checks a real booth (issue 7's archive side, issue 8's machine review): a booth
// records the screen with the camera inset (fake screen, the enrolled customer's photo as the
// camera, espeak-ng confirmation as the microphone), its own engines decide the kiosk flow's
// checks, the session syncs and is archived, then the machine review re-runs both engines on
// recording.mp4 and must agree with the booth.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCheckMedia } from '../helpers/check-media.js';
import { act, DEMO_ID_NUMBER, kioskConfig, untilStep } from '../helpers/kiosk.js';
import { KWS_MODEL_DIR, silence, synthesize, writeWav } from '../helpers/speech.js';
import { startStack, waitFor } from '../helpers/stack.js';

const DISCLOSURE_SEC = 2;
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

describe('machine review of a session recorded by a real booth', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dualrec-machine-review-e2e-'));
  let enrolledA: number[];

  beforeAll(async () => {
    ({ enrolledA } = await writeCheckMedia(dir));
    // The confirmation in the voice the spotter hears best through the recording's AAC (m3; the f5
    // voice of confirm.wav is spotted in the booth's raw PCM but not after AAC: see docs).
    const say = synthesize('我确认购买', { variant: 'm3', speed: 100 });
    writeWav(join(dir, 'm3.wav'), Buffer.concat([silence(2), say, silence(2), say, silence(2)]));
  }, 120_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('agrees with the booth engines: face present and matched in the inset, confirmation heard after the disclosure', async () => {
    const stack = await startStack({
      segmentSeconds: 2,
      branchId: 'br-m',
      server: { machineReview: { kwsModelDir: KWS_MODEL_DIR, screenshots: { sweepMs: 500 } } },
      booth: {
        capture: { screen: 'fake', fake: { cameraImage: join(dir, 'a.jpg'), micAudio: join(dir, 'm3.wav') } },
        checks: { kiosk: true, speech: { kwsModelDir: KWS_MODEL_DIR } },
        kiosk: kioskConfig(DISCLOSURE_SEC, {
          confirmationWindowSec: 20,
          maxConfirmationAttempts: 2,
          products: [{ productId: 'wm-basic', name: { zh: '稳健理财', en: 'Basic plan' }, disclosure: { generate: { seconds: DISCLOSURE_SEC } }, phrases: [{ id: 'buy', text: '我确认购买', en: 'I confirm the purchase' }] }],
          customers: [],
        }),
      },
    });
    try {
      await stack.server.catalogue.customers.create({ actor: 'system', scope: null }, { branchId: 'br-m', name: '张晓明', idDocument: { type: 'cn_resident_id', number: DEMO_ID_NUMBER }, faces: [{ model: 'face-api/face_recognition_model', descriptor: enrolledA }] });
      const b = stack.booth;
      await act(b, { type: 'start', by: 'customer', language: 'zh-CN' });
      await act(b, { type: 'identify', query: { method: 'idNumber', value: DEMO_ID_NUMBER } });
      await act(b, { type: 'chooseProduct', productId: 'wm-basic' });
      await act(b, { type: 'chooseMode', mode: 'self' });
      const sessionId = (await untilStep(b, 'faceCheck')).flow!.sessionId!;
      await untilStep(b, 'disclosure', 60_000);
      await act(b, { type: 'disclosure', event: 'started', positionSec: 0 });
      await new Promise((r) => setTimeout(r, DISCLOSURE_SEC * 1000 + 50));
      await act(b, { type: 'disclosure', event: 'ended', positionSec: DISCLOSURE_SEC });
      await untilStep(b, 'summary', 60_000);
      await act(b, { type: 'signature', pngBase64: PNG });
      await act(b, { type: 'confirmSummary' });
      await untilStep(b, 'sync', 60_000);

      const report = await waitFor(() => stack.server.machine.reports.get(sessionId), 180_000, 'the machine report');
      expect(report.booth.face).toMatchObject({ passed: true, source: 'engine' });
      expect(report.booth.speech).toMatchObject({ passed: true, source: 'engine', phraseIds: ['buy'] });
      expect(report.findings.map((f) => f.code)).not.toContain('booth_archive_disagreement');
      expect(report.face!.presentShare).toBeGreaterThanOrEqual(0.9);
      expect(report.face!.matchedShare).toBe(1);
      expect(report.speech!.confirmed).toBe(true);
      expect(report.speech!.confirmedAtSec).toBeGreaterThanOrEqual(report.disclosure.endedAtSec! - 1);
      expect(report.verdict, JSON.stringify(report.findings)).toBe('pass');
      // Screenshots came from the segments as they arrived: the first at 0 s, each with one face in the inset.
      const shots = await stack.server.machine.screenshots.list(sessionId);
      expect(shots[0]).toMatchObject({ atSec: 0, width: 640, height: 360 });
      expect(shots.filter((s) => s.faces === 1).length).toBeGreaterThanOrEqual(shots.length - 1);
    } finally {
      await stack.close();
    }
  }, 300_000);
});
