// npm run bench:face-distances
//
// The measurement behind the face threshold (DEFAULT_FACE_THRESHOLD in src/protocol/checks.ts).
// Every face the SSD detector finds in the six @vladmandic/face-api demo photos (group photos; no
// person appears in two of them, checked on a contact sheet) is enrolled from a colour ID-style
// crop (3:4, face 60% of the height, 300x400) and then "seen" the way the booth sees a customer:
// a 4:3 crop with the face at 45% of the height, as the 320x240 gray face tap (and variants:
// 640x480 gray, 320x240 colour, dimmer, turned 8 degrees, mirrored). Same-person distance =
// enrollment vs its own booth view; different-person = enrollment vs every other face's view; plus
// all pairs of faces on the full photos. Faces that a crop loses (the detector missing it) are
// left out and counted; with neighbours in a crop the face nearest its centre is the one measured.
// Prints JSON, then the table of false rejects / false accepts per threshold. Runs dist/ (the npm script builds it first).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = (p: string) => pathToFileURL(join(import.meta.dirname, '../../dist', p)).href;
const helper = (p: string) => pathToFileURL(join(import.meta.dirname, '../helpers', p)).href;
const { WorkerFaceEngine } = (await import(dist('engines/face/worker-face-engine.js'))) as typeof import('../../src/engines/face/worker-face-engine.js');
const { readImageFile } = (await import(dist('engines/face/image-file.js'))) as typeof import('../../src/engines/face/image-file.js');
const { descriptorDistance } = (await import(dist('core/checks/face-math.js'))) as typeof import('../../src/core/checks/face-math.js');
const faces = (await import(helper('faces.ts'))) as typeof import('../helpers/faces.js');

const VARIANTS: Record<string, { width?: number; height?: number; pre?: string }> = {
  'tap 320x240 gray': {},
  '640x480 gray': { width: 640, height: 480 },
  dimmer: { pre: 'eq=brightness=-0.12:contrast=0.8' },
  'turned 8°': { pre: 'rotate=8*PI/180:fillcolor=gray' },
  mirrored: { pre: 'hflip' },
};
const THRESHOLDS = [0.35, 0.4, 0.42, 0.45, 0.5, 0.55, 0.6];

const engine = await WorkerFaceEngine.create();
try {
  const all: { face: import('../helpers/faces.js').DemoFace; descriptor: number[] }[] = [];
  for (let photo = 1; photo <= 6; photo++) {
    const img = await readImageFile({ ffmpeg: 'ffmpeg' }, join(faces.DEMO_DIR, `sample${photo}.jpg`), 1920);
    const r = await engine.analyze(img);
    r.faces.forEach((f, k) => all.push({ face: { id: `${photo}.${k}`, photo, box: { x: f.box.x, y: f.box.y, w: f.box.width, h: f.box.height } }, descriptor: f.descriptor }));
  }
  const photoPairs: number[] = [];
  for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) photoPairs.push(descriptorDistance(all[i]!.descriptor, all[j]!.descriptor));

  /** The face nearest the centre of the crop: the person the crop was made around (group photos put neighbours at the edges). */
  const single = async (frame: import('../../src/engines/face/face-engine.js').ImageFrame) => {
    const r = await engine.analyze(frame);
    const off = (b: { x: number; y: number; width: number; height: number }) => Math.hypot(b.x + b.width / 2 - frame.width / 2, b.y + b.height / 2 - frame.height / 2);
    const best = [...r.faces].sort((a, b) => off(a.box) - off(b.box))[0];
    return best && off(best.box) < frame.width / 4 ? best.descriptor : null;
  };
  const enrolled = new Map<string, number[]>();
  for (const { face } of all) {
    const d = await single(faces.enrollmentPhoto(face));
    if (d) enrolled.set(face.id, d);
  }
  const variants: Record<string, { same: number[]; different: number[]; lost: number }> = {};
  for (const [name, opts] of Object.entries(VARIANTS)) {
    const seen = new Map<string, number[]>();
    for (const { face } of all) {
      if (!enrolled.has(face.id)) continue;
      const d = await single(faces.boothView(face, opts));
      if (d) seen.set(face.id, d);
    }
    const same: number[] = [];
    const different: number[] = [];
    for (const [id, e] of enrolled) {
      for (const [sid, s] of seen) (id === sid ? same : different).push(descriptorDistance(e, s));
    }
    variants[name] = { same: same.sort((a, b) => a - b), different: different.sort((a, b) => a - b), lost: all.length - seen.size };
  }
  const r3 = (n: number | undefined) => (n === undefined ? null : Math.round(n * 1000) / 1000);
  const summary = Object.fromEntries(
    Object.entries(variants).map(([k, v]) => [k, { sameN: v.same.length, sameMax: r3(v.same.at(-1)), sameMedian: r3(v.same[v.same.length >> 1]), differentN: v.different.length, differentMin: r3(v.different[0]), facesLeftOut: v.lost }]),
  );
  const table = THRESHOLDS.map((t) => ({
    threshold: t,
    ...Object.fromEntries(Object.entries(variants).map(([k, v]) => [k, `FR ${v.same.filter((d) => d >= t).length}/${v.same.length} FA ${v.different.filter((d) => d < t).length}/${v.different.length}`])),
    photoPairsFA: `${photoPairs.filter((d) => d < t).length}/${photoPairs.length}`,
  }));
  console.log(JSON.stringify({ engine: engine.name, faces: all.length, enrolled: enrolled.size, photoPairsMin: r3(Math.min(...photoPairs)), summary, table }, null, 2));
  console.log(`\n${all.length} faces, ${enrolled.size} enrolled; closest pair of different people on the photos: ${r3(Math.min(...photoPairs))}`);
  for (const [k, v] of Object.entries(summary)) console.log(`${k.padEnd(18)} same max ${v.sameMax} (n=${v.sameN})  different min ${v.differentMin} (n=${v.differentN})  left out ${v.facesLeftOut}`);
  console.log('\nthreshold  ' + Object.keys(VARIANTS).map((k) => k.padEnd(20)).join('') + 'photo pairs');
  for (const row of table) console.log(`${String(row.threshold).padEnd(10)} ${Object.keys(VARIANTS).map((k) => String(row[k as keyof typeof row]).padEnd(20)).join('')}${row.photoPairsFA}`);
} finally {
  await engine.close();
}
