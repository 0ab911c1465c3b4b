import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { DependencyError } from '../core/errors.js';
import { isExecutable } from './fs.js';
import { capturePlatform, featuresFromLists, type CapturePlatform, type FeatureReport, type FfmpegLists } from './ffmpeg-lists.js';

export { FFMPEG_FEATURES, type CapturePlatform, type FeatureNeed, type FeatureReport, type FfmpegFeature } from './ffmpeg-lists.js';

const execFileAsync = promisify(execFile);

export type FfmpegSource = 'configured' | 'system' | 'bundled';

export interface FfmpegInfo {
  ffmpeg: string;
  /** ffprobe beside the chosen ffmpeg, or null (the bundled build has none). */
  ffprobe: string | null;
  source: FfmpegSource;
  version: string;
}

function findOnPath(name: string): string | null {
  const exe = process.platform === 'win32' ? `${name}.exe` : name;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, exe))) return join(dir, exe);
  }
  return null;
}

function bundledFfmpeg(): string | null {
  try {
    const require = createRequire(import.meta.url);
    const mod = require('@ffmpeg-installer/ffmpeg') as { path: string };
    // In a packaged Electron app the binary is unpacked next to the asar archive.
    const path = mod.path.replace(/app\.asar([\\/])/, 'app.asar.unpacked$1');
    return isExecutable(path) ? path : null;
  } catch {
    return null;
  }
}

async function versionOf(ffmpeg: string): Promise<string> {
  try {
    const { stdout } = await execFileAsync(ffmpeg, ['-hide_banner', '-version'], { timeout: 10_000 });
    return /ffmpeg version (\S+)/.exec(stdout)?.[1] ?? 'unknown';
  } catch (cause) {
    throw new DependencyError('ffmpeg.broken', `ffmpeg at ${ffmpeg} does not run: ${String(cause)}`, undefined, { cause });
  }
}

/**
 * Chooses the FFmpeg binary: the configured path if given (it must work), else the system ffmpeg
 * on PATH (preferred: current, with pulse input and ffprobe), else the static build shipped by
 * @ffmpeg-installer/ffmpeg. Throws DependencyError naming what was tried.
 */
export async function resolveFfmpeg(configured?: string | null): Promise<FfmpegInfo> {
  if (configured) {
    if (!isExecutable(configured)) throw new DependencyError('ffmpeg.missing', `configured ffmpeg ${configured} is not an executable file`);
    const probe = join(dirname(configured), process.platform === 'win32' ? 'ffprobe.exe' : 'ffprobe');
    return { ffmpeg: configured, ffprobe: isExecutable(probe) ? probe : null, source: 'configured', version: await versionOf(configured) };
  }
  const system = findOnPath('ffmpeg');
  if (system) return { ffmpeg: system, ffprobe: findOnPath('ffprobe'), source: 'system', version: await versionOf(system) };
  const bundled = bundledFfmpeg();
  if (bundled) return { ffmpeg: bundled, ffprobe: null, source: 'bundled', version: await versionOf(bundled) };
  throw new DependencyError(
    'ffmpeg.missing',
    'no ffmpeg found: set ffmpegPath in the config, install ffmpeg (Debian: apt-get install ffmpeg), or reinstall @ffmpeg-installer/ffmpeg',
  );
}

async function listing(ffmpeg: string, flag: string): Promise<string> {
  try {
    const { stdout } = await execFileAsync(ffmpeg, ['-hide_banner', flag], { timeout: 10_000, maxBuffer: 4 * 1024 * 1024 });
    return stdout;
  } catch (cause) {
    throw new DependencyError('ffmpeg.broken', `ffmpeg at ${ffmpeg} fails to list ${flag}: ${String(cause)}`, undefined, { cause });
  }
}

/**
 * Which of the features dualrec uses the chosen binary has (input devices, encoders, muxers,
 * filters), and which of the platform's needs it misses. Runs the binary four times (~0.1 s).
 * Throws DependencyError when a listing fails. Platforms dualrec does not capture on are checked as linux.
 */
export async function ffmpegFeatures(info: FfmpegInfo, platform: CapturePlatform = capturePlatform() ?? 'linux'): Promise<FeatureReport> {
  const [devices, muxers, encoders, filters] = await Promise.all(['-devices', '-muxers', '-encoders', '-filters'].map((f) => listing(info.ffmpeg, f)));
  const lists: FfmpegLists = { devices: devices!, muxers: muxers!, encoders: encoders!, filters: filters! };
  return featuresFromLists(lists, platform);
}
