// Sessions for the machine review tests: a camera video made of face / no-face stretches and the
// kiosk timeline the booth would have signed (customer, product with its phrase, face check,
// disclosure, speech check); the microphone track is speech.ts's writeMicTrack. Imports no other
// helper, so benches can load it as it is.
import { execFileSync } from 'node:child_process';
import type { TimelineEvent } from '../../src/protocol/kiosk-flow.js';

/** A camera video (640x480, 15 fps): each part shows `image` (a face photo) or an empty grey room for `seconds`. */
export function writeCameraVideo(file: string, parts: ReadonlyArray<{ image: string | null; seconds: number }>): void {
  const inputs: string[] = [];
  const chains: string[] = [];
  parts.forEach((p, i) => {
    if (p.image) inputs.push('-loop', '1', '-framerate', '15', '-t', String(p.seconds), '-i', p.image);
    else inputs.push('-f', 'lavfi', '-t', String(p.seconds), '-i', 'color=c=0x606870:s=640x480:r=15');
    chains.push(`[${i}:v]scale=640:480,setsar=1,format=yuv420p[p${i}]`);
  });
  const graph = `${chains.join(';')};${parts.map((_p, i) => `[p${i}]`).join('')}concat=n=${parts.length}:v=1:a=0[v]`;
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...inputs, '-filter_complex', graph, '-map', '[v]', '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '20', '-g', '15', file]);
}

export interface FlowOptions {
  startedAt: string;
  sessionId: string;
  customerId?: string;
  customerSource?: 'server' | 'local';
  disclosure: { atSec: number; durationSec: number; watchedSec?: number; ended?: boolean };
  face: { atSec: number; passed: boolean; source: 'engine' | 'staff'; distance: number | null };
  speech: { atSec: number; passed: boolean; source: 'engine' | 'staff' } | null;
  phrase?: string;
}

/** The kiosk timeline of one guided session, as the booth signs it into the manifest. */
export function flowTimeline(o: FlowOptions): TimelineEvent[] {
  const t0 = Date.parse(o.startedAt);
  const events: TimelineEvent[] = [];
  const push = (sessionSec: number | null, event: TimelineEvent['event'], beforeSec = 0) =>
    events.push({ seq: events.length, at: new Date(t0 + (sessionSec ?? -beforeSec) * 1000).toISOString(), sessionSec, event });
  push(null, { type: 'flowStarted', by: 'customer', staffId: null, language: 'zh-CN' }, 30);
  push(null, { type: 'customerIdentified', method: 'idNumber', customer: { customerId: o.customerId ?? 'cust-local', displayName: '张*', maskedIdentifier: '1101**********1234', source: o.customerSource ?? 'local', enrolledFace: true } }, 25);
  const product = {
    productId: 'fund-1',
    version: null,
    name: { zh: '稳健理财一号', en: 'Steady fund 1' },
    riskLevel: 'R2',
    disclosure: { durationSec: o.disclosure.durationSec, mime: 'video/mp4' as const },
    phrases: [{ id: 'confirm', text: o.phrase ?? '我确认购买', en: 'I confirm the purchase' }],
  };
  push(null, { type: 'productChosen', product }, 20);
  push(null, { type: 'modeChosen', mode: 'self', staffId: null }, 10);
  push(0, { type: 'recordingStarted', sessionId: o.sessionId, sessionStartedAt: o.startedAt });
  const f = o.face;
  push(f.atSec, { type: 'faceChecked', attempt: 1, result: { check: 'face', passed: f.passed, source: f.source, score: f.distance, threshold: 0.42, faces: 1, engine: f.source === 'engine' ? 'face-api' : null, staffId: f.source === 'staff' ? 'staff-1' : null, note: null } });
  const d = o.disclosure;
  push(d.atSec, { type: 'disclosureStarted', round: 1 });
  const watched = d.watchedSec ?? d.durationSec;
  if (d.ended ?? true) push(d.atSec + watched, { type: 'disclosureEnded', round: 1, positionSec: watched, watchedSec: watched });
  const s = o.speech;
  if (s) push(s.atSec, { type: 'speechChecked', attempt: 1, result: { check: 'speech', passed: s.passed, source: s.source, phraseIds: s.passed ? ['confirm'] : [], transcript: null, score: null, engine: s.source === 'engine' ? 'sherpa-onnx' : null, staffId: s.source === 'staff' ? 'staff-1' : null, note: null } });
  if (s?.passed) push(s.atSec + 1, { type: 'summaryConfirmed' });
  return events;
}
