// Pure parts of the review workflow: the session page's timeline, the supervision sample's points
// and the webhook signature.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { samplePoint } from '../../../src/server/review/workflow/supervision.js';
import { buildTimeline, parseRecordForTimeline } from '../../../src/server/review/workflow/timeline.js';
import { webhookSignature } from '../../../src/server/review/workflow/webhook-delivery.js';
import { reportOf } from '../../helpers/review-ports.js';

const T0 = '2026-03-01T08:00:00.000Z';
const at = (sec: number) => new Date(Date.parse(T0) + sec * 1000).toISOString();

describe('timeline', () => {
  it('merges flow, checks, gaps, faults, flagged screenshots and findings, sorted by time', () => {
    const manifest = parseRecordForTimeline(
      Buffer.from(
        JSON.stringify({
          manifest: {
            startedAt: T0,
            gaps: [{ afterSeq: 2, startSec: 8, durationSec: 1.5, reason: 'restart' }],
            timeline: [
              { seq: 0, at: at(0), sessionSec: null, event: { type: 'languageChanged', language: 'en' } },
              { seq: 1, at: at(9), sessionSec: 9, event: { type: 'speechChecked', attempt: 1, result: { check: 'speech', passed: true, source: 'staff', phraseIds: ['agree'], transcript: null, score: null, engine: null, staffId: 'staff-1', note: null } } },
              { seq: 2, at: at(2), sessionSec: 2, event: { type: 'faultRaised', kind: 'camera.lost', severity: 'error', message: 'gone' } },
            ],
          },
        }),
      ),
      'sid',
    );
    const report = reportOf('0c0f5d1b-8a4e-4c55-9d36-6f1c2b1e9a01', 'needs_review', [{ code: 'duration_short', severity: 'info', message: 'short', atSec: 9, endSec: null }]);
    const shots = [
      { screenshotId: '1', sessionId: report.sessionId, atSec: 5, at: at(5), width: 1, height: 1, faces: 2, distance: 0.3, flags: ['multiple_faces' as const] },
      { screenshotId: '2', sessionId: report.sessionId, atSec: 6, at: at(6), width: 1, height: 1, faces: 1, distance: 0.3, flags: [] },
    ];
    const t = buildTimeline(manifest, [{ kind: 'disk.low', severity: 'warning', message: 'disk', since: at(-30) }], shots, report);
    expect(t.map((e) => [e.atSec, e.kind, e.label, e.flagged])).toEqual([
      [0, 'fault', 'disk.low', true], // raised before the recording: placed at its start
      [2, 'fault', 'camera.lost', true],
      [5, 'screenshot', 'multiple_faces', true],
      [8, 'gap', 'recording_gap', true],
      [9, 'check', 'speechChecked', true], // decided by staff: flagged for a look
      [9, 'finding', 'duration_short', false],
    ]);
  });

  it('a record.json without a readable manifest is an IntegrityError naming the session', () => {
    expect(() => parseRecordForTimeline(Buffer.from('{'), 's1')).toThrow(/record.json of session s1 is not valid JSON/);
    expect(() => parseRecordForTimeline(Buffer.from('{"manifest":{}}'), 's1')).toThrow(/has no readable manifest/);
  });
});

describe('sample points and signatures', () => {
  it('sample points are stable and spread over [0, 1)', () => {
    const points = Array.from({ length: 2000 }, (_, i) => samplePoint(String(i + 1)));
    expect(samplePoint('17')).toBe(points[16]);
    expect(points.every((p) => p >= 0 && p < 1)).toBe(true);
    const share = points.filter((p) => p < 0.1).length / points.length;
    expect(share).toBeGreaterThan(0.07);
    expect(share).toBeLessThan(0.13);
  });

  it('the signature is HMAC-SHA256 of "<t>.<body>" with the secret text', () => {
    const sig = webhookSignature('s3cret', 1700000000, '{"a":1}');
    expect(sig).toBe(`t=1700000000,v1=${createHmac('sha256', 's3cret').update('1700000000.{"a":1}').digest('hex')}`);
  });
});
