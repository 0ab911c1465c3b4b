import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { descriptorDistance } from '../../src/core/checks/face-math.js';
import type { FaceEngine } from '../../src/engines/face/face-engine.js';
import { boothView, enrollmentPhoto, FACES, noFace, twoPeople } from '../helpers/faces.js';

/** The contract every FaceEngine passes, on the face-api demo photos. */
export function faceEngineSuite(name: string, make: () => Promise<FaceEngine>): void {
  describe(`FaceEngine contract: ${name}`, () => {
    let engine: FaceEngine;
    beforeAll(async () => {
      engine = await make();
    }, 60_000);
    afterAll(async () => {
      await engine.close();
    });

    it('finds one face in an enrollment photo and describes it with 128 numbers', async () => {
      const r = await engine.analyze(enrollmentPhoto(FACES.a));
      expect(r.faces).toHaveLength(1);
      expect(r.faces[0]!.descriptor).toHaveLength(128);
      expect(r.faces[0]!.box.score).toBeGreaterThan(0.5);
      expect(r.ms).toBeGreaterThan(0);
      expect(engine.name).toMatch(/face-api 1\.7\.15 \(tfjs wasm/);
    });

    it('works on the gray frames of the capture tap, and is deterministic', async () => {
      const frame = boothView(FACES.a);
      const [r1, r2] = [await engine.analyze(frame), await engine.analyze(frame)];
      expect(r1.faces).toHaveLength(1);
      expect(descriptorDistance(r1.faces[0]!.descriptor, r2.faces[0]!.descriptor)).toBeLessThan(1e-5);
      const d = await engine.detect(frame);
      expect(d.faces).toHaveLength(1);
    });

    it('counts two faces and no face', async () => {
      const two = twoPeople(FACES.a, FACES.b);
      expect((await engine.analyze(two)).faces).toHaveLength(2);
      expect((await engine.detect(two)).faces).toHaveLength(2);
      expect((await engine.detect(noFace())).faces).toHaveLength(0);
      expect((await engine.analyze(noFace())).faces).toHaveLength(0);
    });

    it('refuses malformed frames with an error naming the problem', async () => {
      await expect(engine.detect({ width: 320, height: 240, channels: 1, data: new Uint8Array(10) })).rejects.toThrow(/needs 76800 bytes, got 10/);
      await expect(engine.analyze({ width: 8, height: 8, channels: 1, data: new Uint8Array(64) })).rejects.toThrow(/16\.\.4096/);
      await expect(engine.detect({ width: 32, height: 32, channels: 4 as 3, data: new Uint8Array(32 * 32 * 4) })).rejects.toThrow(/1 or 3 channels/);
    });

    it('refuses work after close, and close is safe twice', async () => {
      const e = await make();
      await e.close();
      await e.close();
      await expect(e.detect(noFace())).rejects.toThrow(/closed/);
    });
  });
}
