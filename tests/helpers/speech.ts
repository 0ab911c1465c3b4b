import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pinyin } from 'pinyin-pro';

/** The Mandarin keyword-spotting model the tests use in place (never copied into the repo). */
export const KWS_MODEL_DIR = resolve(import.meta.dirname, '../../../shared/models/sherpa-onnx-kws-zipformer-wenetspeech-3.3M-2024-01-01-int8');

export interface Voice {
  /** espeak-ng variant of cmn-latn-pinyin, e.g. m3. */
  variant: string;
  /** Words per minute (espeak-ng -s); synthetic Mandarin is spotted best when slow. */
  speed: number;
}

/** Mandarin text -> tone-number pinyin as espeak-ng's cmn-latn-pinyin voice reads it (neutral tone 5). */
export function toneNumbers(text: string): string {
  return pinyin(text.replace(/[，。、；！？]/gu, ' , '), { type: 'array', toneType: 'num', nonZh: 'consecutive' })
    .map((s) => s.trim().replace(/0$/, '5'))
    .filter((s) => s.length > 0)
    .join(' ');
}

/** Speaks Mandarin text with espeak-ng and returns 16 kHz mono s16le PCM. */
export function synthesize(text: string, voice: Voice = { variant: 'm3', speed: 100 }): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'dualrec-tts-'));
  try {
    const wav = join(dir, 'speech.wav');
    execFileSync('espeak-ng', ['-v', `cmn-latn-pinyin+${voice.variant}`, '-s', String(voice.speed), '-w', wav, toneNumbers(text)]);
    return execFileSync('ffmpeg', ['-v', 'error', '-i', wav, '-ar', '16000', '-ac', '1', '-f', 's16le', 'pipe:1'], { maxBuffer: 64 * 1024 * 1024 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `seconds` of digital silence as s16le PCM. */
export function silence(seconds: number): Buffer {
  return Buffer.alloc(Math.round(seconds * 16000) * 2);
}

/** Pink-ish noise at roughly -16 dBFS from FFmpeg's anoisesrc (deterministic seed). */
export function noise(seconds: number, color: 'white' | 'pink' | 'brown' = 'pink'): Buffer {
  return execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', `anoisesrc=d=${seconds}:c=${color}:a=0.15:seed=7:r=16000`, '-ac', '1', '-f', 's16le', 'pipe:1'], { maxBuffer: 64 * 1024 * 1024 });
}

/** Writes PCM as a 16 kHz mono WAV file (for the fake microphone). */
export function writeWav(file: string, pcm: Buffer): void {
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 's16le', '-ar', '16000', '-ac', '1', '-i', 'pipe:0', file], { input: pcm });
}

export function readPcm(file: string): Buffer {
  return readFileSync(file);
}

/** A microphone track: silence, then the confirmation said twice (two voices) from `confirmAtSec` (null: silence only), `seconds` long. */
export function writeMicTrack(file: string, seconds: number, confirmAtSec: number | null, text = '我确认购买'): void {
  const parts = confirmAtSec === null ? [silence(seconds)] : [silence(confirmAtSec), synthesize(text, { variant: 'm3', speed: 100 }), silence(1), synthesize(text, { variant: 'f5', speed: 100 })];
  const used = parts.reduce((n, b) => n + b.length, 0) / 32_000;
  writeWav(file, Buffer.concat([...parts, silence(Math.max(1, seconds - used))]));
}
