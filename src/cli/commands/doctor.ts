import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { discoverDevices } from '../../booth/capture/devices/discover.js';
import { buildInputArgs } from '../../booth/capture/devices/input-args.js';
import { selectionFromConfig } from '../../booth/capture/devices/selection.js';
import type { DeviceDiscovery, DeviceRole, DeviceSelection } from '../../booth/capture/devices/types.js';
import { loadBoothConfig, type CaptureConfig } from '../../booth/config.js';
import { capturePlatform, type CapturePlatform, type FeatureNeed, type FfmpegFeature } from '../../platform/ffmpeg-lists.js';
import { ffmpegFeatures, resolveFfmpeg, type FfmpegSource } from '../../platform/ffmpeg.js';
import { electronBinary, findChromium } from './ui.js';

export interface DoctorFfmpeg {
  path: string;
  source: FfmpegSource;
  version: string;
  ffprobe: string | null;
  has: Record<FfmpegFeature, boolean>;
  missing: FeatureNeed[];
}

/** The devices a booth config selects, and why they would not record here. */
export interface DoctorConfigured {
  file: string;
  camera: string;
  mic: string;
  screen: string;
  problems: string[];
}

export interface DoctorReport {
  /** False when recording or archiving cannot work here: no usable FFmpeg, no ffprobe, a required feature missing. */
  ok: boolean;
  platform: CapturePlatform;
  node: string;
  ffmpeg: DoctorFfmpeg | { error: string };
  devices: DeviceDiscovery | null;
  /** With a booth config: its device selection checked against what was found. */
  configured: DoctorConfigured | null;
  chromium: string | null;
  electron: string | null;
  display: string | null;
  kioskBuilt: boolean;
  /** What to do next, one sentence each. */
  guidance: string[];
}

export interface DoctorOptions {
  /** An explicit ffmpeg binary (as `ffmpegPath` in the booth config). */
  ffmpegPath?: string | null;
  /** A booth config file: check the devices it selects (and use its ffmpegPath unless one is given). */
  configFile?: string | null;
  env?: NodeJS.ProcessEnv;
}

function ffmpegGuidance(ff: DoctorFfmpeg, platform: CapturePlatform): string[] {
  const out: string[] = [];
  if (ff.source === 'bundled') {
    out.push('using the static FFmpeg bundled with @ffmpeg-installer (2018): no PulseAudio input, no ffprobe, about twice the CPU; install the system ffmpeg (Debian: apt-get install ffmpeg)');
  }
  if (!ff.ffprobe) out.push(`no ffprobe beside ${ff.path}: the vault and the archive measure segments with it; install a full FFmpeg`);
  for (const need of ff.missing) {
    const fix = platform === 'linux' ? 'Debian: apt-get install ffmpeg' : platform === 'win32' ? 'use a full Windows build (e.g. gyan.dev "full", FFmpeg >= 6 for ddagrab)' : 'brew install ffmpeg';
    out.push(`${need.level === 'required' ? 'required' : 'recommended'}: ${need.anyOf.join(' or ')} is missing (${need.why}); ${fix}, or set ffmpegPath`);
  }
  return out;
}

function deviceGuidance(d: DeviceDiscovery): string[] {
  const roles: Array<[DeviceRole, string]> = [['camera', 'capture.camera'], ['mic', 'capture.mic'], ['screen', 'capture.screen']];
  const found = roles.filter(([r]) => d.devices.some((x) => x.role === r));
  if (found.length === 0) return ['no capture devices found: the booth records with capture.camera/mic "fake" until devices are attached'];
  return [`to record from a device, put its id in the booth config: ${found.map(([r, f]) => `${f} = "${d.devices.find((x) => x.role === r)!.id}"`).join(', ')}`];
}

/** x11grab `:0` and `:0.0` name the same screen. */
const sameDevice = (a: string, b: string) => a === b || (a.startsWith('x11grab:') && b.startsWith('x11grab:') && a.replace(/\.0$/, '') === b.replace(/\.0$/, ''));

function checkConfigured(file: string, capture: CaptureConfig, platform: CapturePlatform, env: NodeJS.ProcessEnv, devices: DeviceDiscovery | null): DoctorConfigured {
  let sel: DeviceSelection;
  try {
    sel = selectionFromConfig(capture, platform, env);
    buildInputArgs(platform, sel);
  } catch (err) {
    return { file, camera: capture.camera, mic: capture.mic, screen: capture.screen, problems: [(err as Error).message] };
  }
  const problems: string[] = [];
  for (const [role, choice] of [['camera', sel.camera.device], ['mic', sel.mic.device], ['screen', sel.screen.device]] as const) {
    if (choice === 'fake' || choice === 'none' || !devices) continue;
    if (!devices.devices.some((d) => d.role === role && sameDevice(d.id, choice))) problems.push(`capture.${role} ${choice} was not found on this machine`);
  }
  return { file, camera: sel.camera.device, mic: sel.mic.device, screen: sel.screen.device, problems };
}

/**
 * Looks at this machine the way the booth will: which FFmpeg it would use, what that binary can
 * do, which devices it can open, and the rest of the toolchain. Never throws for what is missing;
 * it says so in the report.
 */
export async function doctorReport(opts: DoctorOptions = {}): Promise<DoctorReport> {
  const platform = capturePlatform() ?? 'linux';
  const guidance: string[] = [];
  const config = opts.configFile ? loadBoothConfig(opts.configFile) : null;
  // The booth grabs capture.display when the config names one.
  const env = { ...(opts.env ?? process.env), ...(config?.capture.display ? { DISPLAY: config.capture.display } : {}) };
  let ffmpeg: DoctorReport['ffmpeg'];
  let devices: DeviceDiscovery | null = null;
  let ok: boolean;
  try {
    const info = await resolveFfmpeg(opts.ffmpegPath ?? config?.ffmpegPath ?? null);
    const features = await ffmpegFeatures(info, platform);
    const ff: DoctorFfmpeg = { path: info.ffmpeg, source: info.source, version: info.version, ffprobe: info.ffprobe, has: features.has, missing: features.missing };
    ffmpeg = ff;
    ok = ff.ffprobe !== null && !ff.missing.some((n) => n.level === 'required');
    guidance.push(...ffmpegGuidance(ff, platform));
    devices = await discoverDevices(info.ffmpeg, platform, { env, has: features.has });
    guidance.push(...deviceGuidance(devices));
  } catch (err) {
    ffmpeg = { error: (err as Error).message };
    ok = false;
    guidance.push('install FFmpeg (Debian: apt-get install ffmpeg) or set ffmpegPath in the booth config');
  }
  const configured = config && opts.configFile ? checkConfigured(opts.configFile, config.capture, platform, env, devices) : null;
  if (configured && configured.problems.length > 0) {
    ok = false;
    guidance.push(...configured.problems.map((p) => `${p}: change it in ${configured.file} to one of the ids above`));
  }
  const major = Number(/^v(\d+)\.(\d+)/.exec(process.version)?.[1] ?? 0);
  const minor = Number(/^v\d+\.(\d+)/.exec(process.version)?.[1] ?? 0);
  if (major < 22 || (major === 22 && minor < 12)) {
    ok = false;
    guidance.push(`Node ${process.version} is too old: dualrec needs >= 22.12 (scripts/setup.sh installs it)`);
  }
  const kioskBuilt = existsSync(new URL('../../../out/renderer/kiosk/index.html', import.meta.url));
  if (!kioskBuilt) guidance.push('the kiosk UI is not built: run npm run build');
  return { ok, platform, node: process.version, ffmpeg, devices, configured, chromium: findChromium(), electron: electronBinary(), display: env.DISPLAY || null, kioskBuilt, guidance };
}

/** The report as the lines `dualrec doctor` prints. */
export function formatDoctorReport(r: DoctorReport): string[] {
  const lines: string[] = [];
  const line = (good: boolean, what: string, detail: string) => lines.push(`${good ? 'ok  ' : 'MISS'} ${what}: ${detail}`);
  line(true, 'node', r.node);
  if ('error' in r.ffmpeg) line(false, 'ffmpeg', r.ffmpeg.error);
  else {
    const ff = r.ffmpeg;
    line(true, 'ffmpeg', `${ff.version} (${ff.source}) at ${ff.path}`);
    line(ff.ffprobe !== null, 'ffprobe', ff.ffprobe ?? 'not found');
    const present = (Object.keys(ff.has) as FfmpegFeature[]).filter((f) => ff.has[f]);
    line(!ff.missing.some((n) => n.level === 'required'), 'ffmpeg features', ff.missing.length === 0 ? `all that ${r.platform} needs (${present.join(', ')})` : `missing ${ff.missing.map((n) => `${n.anyOf.join('|')} (${n.level})`).join(', ')}`);
  }
  if (r.devices) {
    for (const role of ['camera', 'mic', 'screen'] as const) {
      const found = r.devices.devices.filter((d) => d.role === role);
      if (found.length === 0) lines.push(`     ${role.padEnd(6)} none found`);
      for (const d of found) lines.push(`     ${role.padEnd(6)} ${d.id}  (${d.label}${d.modes.length ? `; ${d.modes.join('; ')}` : ''})`);
    }
    for (const n of r.devices.notes) lines.push(`     note: ${n}`);
  }
  if (r.configured) {
    const c = r.configured;
    line(c.problems.length === 0, 'configured devices', `camera ${c.camera}, mic ${c.mic}, screen ${c.screen} (${c.file})`);
  }
  line(r.chromium !== null, 'chromium', r.chromium ?? 'not found (browser-mode kiosk and e2e tests need it)');
  line(r.electron !== null, 'electron', r.electron ?? 'binary not downloaded: `npm start` falls back to Chromium');
  line(r.display !== null, 'display', r.display ?? 'none: screen capture records the camera only');
  line(r.kioskBuilt, 'kiosk UI build', 'out/renderer (npm run build)');
  for (const g of r.guidance) lines.push(`  -> ${g}`);
  lines.push(r.ok ? 'doctor: this machine can record and archive' : 'doctor: something required is missing (see MISS and -> lines)');
  return lines;
}

export function doctorCommand(setExit: (code: number) => void): Command {
  return new Command('doctor')
    .description('report what this machine has for dualrec: Node, FFmpeg (features), devices, browser, Electron, display')
    .option('--ffmpeg <path>', 'check this ffmpeg binary instead of the one dualrec would choose')
    .option('--config <file>', 'booth config: check the camera, mic and screen it selects')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { ffmpeg?: string; config?: string; json?: boolean }) => {
      const report = await doctorReport({ ffmpegPath: opts.ffmpeg ?? null, configFile: opts.config ?? null });
      console.log(opts.json ? JSON.stringify(report, null, 2) : formatDoctorReport(report).join('\n'));
      setExit(report.ok ? 0 : 1);
    });
}
