import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { descriptorDistance } from '../../src/core/checks/face-math.js';
import { ValidationError } from '../../src/core/errors.js';
import { enrollFromPhoto } from '../../src/engines/face/enroll.js';
import { WorkerFaceEngine } from '../../src/engines/face/worker-face-engine.js';
import { DEFAULT_FACE_THRESHOLD } from '../../src/protocol/checks.js';
import { boothView, DEMO_DIR, FACES, writeEnrollmentJpeg } from '../helpers/faces.js';

const ff = { ffmpeg: 'ffmpeg' };
let engine: WorkerFaceEngine;
const dir = mkdtempSync(join(tmpdir(), 'dualrec-enroll-'));
beforeAll(async () => {
  engine = await WorkerFaceEngine.create();
});
afterAll(async () => {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

it('enrolls a customer from a JPEG photo; the booth view of the same person matches it', async () => {
  writeEnrollmentJpeg(FACES.b, join(dir, 'b.jpg'));
  const e = await enrollFromPhoto(ff, join(dir, 'b.jpg'), engine);
  expect(e.descriptor).toHaveLength(128);
  const seen = await engine.analyze(boothView(FACES.b));
  expect(descriptorDistance(e.descriptor, seen.faces[0]!.descriptor)).toBeLessThan(DEFAULT_FACE_THRESHOLD);
});

it('refuses photos that cannot enroll anyone, naming the problem', async () => {
  await expect(enrollFromPhoto(ff, join(DEMO_DIR, 'sample1.jpg'), engine)).rejects.toThrow(/3 faces found.*only the customer/);
  writeFileSync(join(dir, 'not-an-image.jpg'), 'hello');
  await expect(enrollFromPhoto(ff, join(dir, 'not-an-image.jpg'), engine)).rejects.toThrow(ValidationError);
  await expect(enrollFromPhoto(ff, join(dir, 'missing.jpg'), engine)).rejects.toThrow(/cannot decode image/);
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x480', '-frames:v', '1', join(dir, 'pattern.jpg')]);
  await expect(enrollFromPhoto(ff, join(dir, 'pattern.jpg'), engine)).rejects.toThrow(/no face found/);
});
