import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { descriptorDistance } from '../../src/core/checks/face-math.js';
import { FaceVerification } from '../../src/core/checks/face-verification.js';
import { PresenceTracker } from '../../src/core/checks/presence.js';
import { WorkerFaceEngine } from '../../src/engines/face/worker-face-engine.js';
import { DEFAULT_FACE_THRESHOLD, FacePolicy } from '../../src/protocol/checks.js';
import { boothView, enrollmentPhoto, FACES, twoPeople, type DemoFace } from '../helpers/faces.js';

/**
 * The chosen threshold on the demo photos (the measurement behind it: tests/bench/face-distances.ts
 * and docs/ARCHITECTURE.md). The same person, enrolled from a colour ID-style photo and seen by the
 * booth's gray 320x240 face tap, matches; four different people never do.
 */
describe(`face verification at the chosen threshold ${DEFAULT_FACE_THRESHOLD}`, () => {
  let engine: WorkerFaceEngine;
  const people = Object.values(FACES) as DemoFace[];
  const enrolled = new Map<string, number[]>();
  const seen = new Map<string, number[]>();

  beforeAll(async () => {
    engine = await WorkerFaceEngine.create();
    for (const p of people) {
      const e = await engine.analyze(enrollmentPhoto(p));
      expect(e.faces, `enrollment photo ${p.id}`).toHaveLength(1);
      enrolled.set(p.id, e.faces[0]!.descriptor);
      const v = await engine.analyze(boothView(p));
      expect(v.faces, `booth view ${p.id}`).toHaveLength(1);
      seen.set(p.id, v.faces[0]!.descriptor);
    }
  }, 120_000);
  afterAll(() => engine.close());

  it('matches the same person', () => {
    for (const p of people) expect(descriptorDistance(enrolled.get(p.id)!, seen.get(p.id)!), p.id).toBeLessThan(DEFAULT_FACE_THRESHOLD);
  });

  it('matches the same person in dimmer light and turned a little', async () => {
    for (const p of [FACES.a, FACES.b]) {
      for (const pre of ['eq=brightness=-0.12:contrast=0.8', 'rotate=5*PI/180:fillcolor=gray']) {
        const r = await engine.analyze(boothView(p, { pre }));
        expect(r.faces, `${p.id} ${pre}`).toHaveLength(1);
        expect(descriptorDistance(enrolled.get(p.id)!, r.faces[0]!.descriptor), `${p.id} ${pre}`).toBeLessThan(DEFAULT_FACE_THRESHOLD);
      }
    }
  });

  it('does not match different people', () => {
    for (const p of people) {
      for (const q of people) {
        if (p === q) continue;
        expect(descriptorDistance(enrolled.get(p.id)!, seen.get(q.id)!), `${p.id} enrolled, ${q.id} seen`).toBeGreaterThanOrEqual(DEFAULT_FACE_THRESHOLD);
      }
    }
  });

  it('drives the verification rules: the right person verifies, the wrong one is re-acquired and fails', async () => {
    const policy = FacePolicy.parse({ framesPerAttempt: 2, maxAttempts: 2 });
    const run = async (enrolledId: string, shown: DemoFace) => {
      const v = new FaceVerification(policy);
      v.begin(0);
      const out = [];
      for (let i = 1; i <= 4 && v.status === 'verifying'; i++) {
        const r = await engine.analyze(boothView(shown));
        out.push(...v.onSample({ atSec: i, faces: r.faces.length, distance: r.faces.length === 1 ? descriptorDistance(r.faces[0]!.descriptor, enrolled.get(enrolledId)!) : null }));
      }
      return out.map((d) => d.type);
    };
    expect(await run(FACES.a.id, FACES.a)).toEqual(['face.attempt', 'face.verified']);
    expect(await run(FACES.a.id, FACES.c)).toEqual(['face.attempt', 'face.reacquire', 'face.attempt', 'face.failed']);
  });

  it('flags two faces in the picture', async () => {
    const frame = twoPeople(FACES.a, FACES.b);
    const fast = await engine.detect(frame);
    const full = await engine.analyze(frame);
    expect(fast.faces).toHaveLength(2);
    expect(full.faces).toHaveLength(2);
    const p = new PresenceTracker(0);
    p.onSample(0, 1);
    expect(p.onSample(1, fast.faces.length)).toEqual([{ type: 'face.presence', atSec: 1, state: 'multiple', sinceSec: 1, faces: 2 }]);
    const v = new FaceVerification(FacePolicy.parse({ attemptTimeoutSec: 1, maxAttempts: 1 }));
    v.begin(0);
    expect(v.onSample({ atSec: 1, faces: full.faces.length, distance: null }).at(-1)).toMatchObject({ type: 'face.failed', reason: 'multiple_faces' });
  });
});
