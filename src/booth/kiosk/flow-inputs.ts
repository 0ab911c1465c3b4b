import { createHash } from 'node:crypto';
import { describeIssues, ValidationError } from '../../core/errors.js';
import { FaceCheckResult, SpeechCheckResult, type FlowInput } from '../../protocol/kiosk-flow.js';
import type { StaffConfig } from './kiosk-config.js';

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The `signatureCaptured` event for a PNG from the signature pad; ValidationError unless it is a PNG. */
export function signatureEvent(pngBase64: string): Extract<FlowInput, { type: 'signatureCaptured' }> {
  const png = Buffer.from(pngBase64, 'base64');
  if (png.length < 33 || !png.subarray(0, 8).equals(PNG_MAGIC) || png.toString('latin1', 12, 16) !== 'IHDR') {
    throw new ValidationError('signature.not_png', 'the signature must be a PNG image');
  }
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  if (width < 1 || height < 1 || width > 4096 || height > 4096) throw new ValidationError('signature.bad_size', `the signature image is ${width}x${height}; 1-4096 pixels each way`);
  return { type: 'signatureCaptured', sha256: createHash('sha256').update(png).digest('hex'), width, height, pngBase64: png.toString('base64') };
}

/** A staff member's decision on a check, recorded as such (never as an engine result). */
export function staffFaceResult(staff: StaffConfig, passed: boolean, note: string | undefined): FaceCheckResult {
  return { check: 'face', passed, source: 'staff', score: null, threshold: null, faces: null, engine: null, staffId: staff.staffId, note: note ?? null };
}

export function staffSpeechResult(staff: StaffConfig, passed: boolean, phraseIds: string[], note: string | undefined): SpeechCheckResult {
  return { check: 'speech', passed, source: 'staff', phraseIds, transcript: null, score: null, engine: null, staffId: staff.staffId, note: note ?? null };
}

/** Validates what an engine answered: the right check, from an engine, no staff id. */
export function engineResult<K extends 'face' | 'speech'>(kind: K, raw: unknown): K extends 'face' ? FaceCheckResult : SpeechCheckResult {
  const schema = kind === 'face' ? FaceCheckResult : SpeechCheckResult;
  const r = schema.safeParse(raw);
  if (!r.success) throw new ValidationError('check.invalid_result', `the ${kind} engine answered an invalid result: ${describeIssues(r.error.issues)}`);
  if (r.data.source !== 'engine' || r.data.staffId !== null) throw new ValidationError('check.not_engine', `a ${kind} engine result must have source engine and no staff id`);
  return r.data as K extends 'face' ? FaceCheckResult : SpeechCheckResult;
}
