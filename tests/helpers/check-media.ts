// The media of the check e2e tests: the photos the fake camera loops (a: the enrolled customer,
// b: someone else), the espeak-ng speech the fake microphone plays (a confirmation, a refusal), and
// the enrolled descriptor of face a as the server would compute it at enrollment.
import { join } from 'node:path';
import { FaceApiRuntime } from '../../src/engines/face/face-runtime.js';
import { enrollmentPhoto, FACES, writeCameraImage } from './faces.js';
import { silence, synthesize, writeWav } from './speech.js';

/** Writes a.jpg, b.jpg, confirm.wav ('我确认购买' twice) and refuse.wav into `dir`; returns face a's descriptor. */
export async function writeCheckMedia(dir: string): Promise<{ enrolledA: number[] }> {
  const engine = await FaceApiRuntime.create();
  let enrolledA: number[];
  try {
    enrolledA = (await engine.analyze(enrollmentPhoto(FACES.a))).faces[0]!.descriptor;
  } finally {
    await engine.close();
  }
  writeCameraImage(FACES.a, join(dir, 'a.jpg'));
  writeCameraImage(FACES.b, join(dir, 'b.jpg'));
  const gap = silence(3);
  writeWav(join(dir, 'confirm.wav'), Buffer.concat([gap, synthesize('我确认购买', { variant: 'm3', speed: 100 }), gap, synthesize('我确认购买', { variant: 'f5', speed: 100 }), gap]));
  const refusal = (variant: string) => synthesize('我不同意这个条款', { variant, speed: 100 });
  writeWav(join(dir, 'refuse.wav'), Buffer.concat([gap, refusal('m3'), gap, refusal('f5'), gap, refusal('m7'), gap]));
  return { enrolledA };
}
