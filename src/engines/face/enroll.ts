import { ValidationError } from '../../core/errors.js';
import type { FfmpegInfo } from '../../platform/ffmpeg.js';
import type { FaceBox, FaceEngine } from './face-engine.js';
import { readImageFile } from './image-file.js';

export interface Enrollment {
  /** The 128-d descriptor stored with the customer and sent to the booth (startChecks). */
  descriptor: number[];
  box: FaceBox;
  ms: number;
}

/** Smallest face (pixels high) an enrollment photo may show: smaller ones describe poorly. */
const MIN_FACE_PX = 80;

/**
 * Enrollment from a photo (server side, or a staff tool): the photo must show exactly one face,
 * large and clear enough. Throws ValidationError naming the problem (unreadable image, no face,
 * several faces, face too small or unclear) so the photo can be retaken.
 */
export async function enrollFromPhoto(ff: Pick<FfmpegInfo, 'ffmpeg'>, file: string, engine: FaceEngine): Promise<Enrollment> {
  const frame = await readImageFile(ff, file, 1280);
  const r = await engine.analyze(frame);
  if (r.faces.length === 0) throw new ValidationError('enroll.no_face', `no face found in ${file}; take a photo facing the camera`);
  if (r.faces.length > 1) throw new ValidationError('enroll.several_faces', `${r.faces.length} faces found in ${file}; the enrollment photo must show only the customer`);
  const f = r.faces[0]!;
  if (f.box.height < MIN_FACE_PX) throw new ValidationError('enroll.face_too_small', `the face in ${file} is ${Math.round(f.box.height)} px high; at least ${MIN_FACE_PX} px is needed`);
  if (f.box.score < 0.8) throw new ValidationError('enroll.face_unclear', `the face in ${file} is not clear enough (detector score ${f.box.score}); retake the photo`);
  return { descriptor: f.descriptor, box: f.box, ms: r.ms };
}
