import { descriptorDistance, round4 } from '../../../core/checks/face-math.js';
import { DependencyError } from '../../../core/errors.js';
import type { ArchiveHit } from '../../../core/review/speech-summary.js';
import type { FaceEngine, ImageFrame } from '../../../engines/face/face-engine.js';
import { SPEECH_RATE, type KeywordSpec, type SpeechEngine } from '../../../engines/speech/speech-engine.js';
import type { FfmpegInfo } from '../../../platform/ffmpeg.js';
import { ffmpegStdout, fixedRecords } from '../../../platform/ffmpeg-stream.js';
import type { FaceSample } from '../../../protocol/review.js';
import { cameraFilter, type Region } from './camera-region.js';

const SHOWINFO = /\bn:\s*(\d+)\s+pts:\s*-?\d+\s+pts_time:(-?[0-9.]+)/;

export interface FacePassOptions {
  ff: FfmpegInfo;
  file: string;
  region: Region;
  everySec: number;
  matchEverySec: number;
  /** The customer's descriptors; empty: take the face the booth verified (at `referenceAtSec`) as the reference. */
  enrolled: readonly (readonly number[])[];
  referenceAtSec: number | null;
  /** Media time of the recording's first frame (subtracted: samples are seconds since the recording began). */
  startSec: number;
  signal: AbortSignal;
  onProgress?: (atSec: number) => void;
}

/**
 * The archive's face pass: FFmpeg decodes the recording, keeps one frame every `everySec` (by its
 * own timestamps, so holes in the recording have no samples), cuts out the camera picture, and
 * each frame goes to the tiny detector; every `matchEverySec` a frame with one face is analysed
 * and its distance to the nearest reference descriptor recorded.
 */
export async function facePass(engine: FaceEngine, o: FacePassOptions): Promise<FaceSample[]> {
  const cam = cameraFilter(o.region);
  const times: number[] = [];
  const select = `select='isnan(prev_selected_t)+gte(t-prev_selected_t\\,${(o.everySec - 0.001).toFixed(3)})'`;
  const args = ['-v', 'info', '-i', o.file, '-an', '-sn', '-dn', '-vf', `${select},showinfo,${cam.filter}`, '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'];
  const stream = ffmpegStdout(o.ff, args, {
    what: 'decode the camera picture for the face pass',
    timeoutMs: 6 * 3600_000,
    signal: o.signal,
    onStderrLine: (line) => {
      const m = SHOWINFO.exec(line);
      if (m) times[Number(m[1])] = Number(m[2]);
    },
  });
  const samples: FaceSample[] = [];
  let reference: number[][] = o.enrolled.map((d) => [...d]);
  let lastMatchAt = -Infinity;
  let i = 0;
  for await (const bytes of fixedRecords(stream, cam.width * cam.height)) {
    const t = await timeOf(times, i++);
    const atSec = Math.max(0, Math.round((t - o.startSec) * 1000) / 1000);
    const frame: ImageFrame = { width: cam.width, height: cam.height, channels: 1, data: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length) };
    const faces = (await engine.detect(frame)).faces.length;
    let distance: number | null = null;
    const wantsReference = reference.length === 0 && o.referenceAtSec !== null && atSec >= o.referenceAtSec;
    if (faces === 1 && (wantsReference || (reference.length > 0 && atSec - lastMatchAt >= o.matchEverySec - 1e-6))) {
      const analysed = (await engine.analyze(frame)).faces[0];
      if (analysed) {
        if (reference.length === 0) reference = [analysed.descriptor];
        distance = round4(Math.min(...reference.map((r) => descriptorDistance(r, analysed.descriptor))));
        lastMatchAt = atSec;
      }
    }
    samples.push({ atSec, faces: Math.min(20, faces), distance });
    o.onProgress?.(atSec);
  }
  return samples;
}

/** The i-th frame's timestamp: showinfo logs it before the frame reaches stdout, but the two pipes are read separately. */
async function timeOf(times: readonly number[], i: number): Promise<number> {
  for (let waited = 0; times[i] === undefined; waited += 5) {
    if (waited > 10_000) throw new DependencyError('review.no_timestamp', `ffmpeg gave no timestamp for frame ${i} of the face pass`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return times[i]!;
}

export interface SpeechPassResult {
  hits: ArchiveHit[];
  utterances: number;
  seconds: number;
}

/**
 * The archive's speech pass: FFmpeg decodes the audio to 16 kHz mono PCM on the recording's clock
 * (holes filled with silence, so times stay seconds since the recording began) and the speech
 * engine's voice gate and keyword spotter go over it.
 */
export async function speechPass(engine: SpeechEngine, keywords: readonly KeywordSpec[], o: { ff: FfmpegInfo; file: string; signal: AbortSignal }): Promise<SpeechPassResult> {
  const speech = engine.createStream(keywords);
  const args = ['-v', 'error', '-i', o.file, '-vn', '-sn', '-dn', '-af', 'aresample=async=1:first_pts=0', '-ar', String(SPEECH_RATE), '-ac', '1', '-f', 's16le', 'pipe:1'];
  const hits: ArchiveHit[] = [];
  let utterances = 0;
  const take = (list: ReturnType<typeof speech.push>) => {
    for (const u of list) {
      utterances++;
      for (const h of u.hits) hits.push({ phraseId: h.phraseId, text: h.text, atSec: Math.round(h.atSec * 1000) / 1000 });
    }
  };
  for await (const chunk of fixedRecords(ffmpegStdout(o.ff, args, { what: 'decode the audio for the speech pass', timeoutMs: 6 * 3600_000, signal: o.signal }), 3200)) take(speech.push(chunk));
  take(speech.flush());
  return { hits, utterances, seconds: speech.seconds };
}
