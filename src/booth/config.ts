import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { describeIssues, ValidationError } from '../core/errors.js';
import { DEVICE_CHOICE_PATTERN } from './capture/devices/device-id.js';
import { ChecksConfig } from './checks/checks-config.js';
import type { DeviceChoice } from './capture/devices/types.js';
import { KioskConfig } from './kiosk/kiosk-config.js';

/** `fake`, `none` or a device id as `dualrec doctor` lists it (`<backend>:<name>`). */
const deviceChoice = (field: string) =>
  z
    .string()
    .regex(DEVICE_CHOICE_PATTERN, `${field} must be fake, none or a device id such as v4l2:/dev/video0 (see dualrec doctor)`)
    .transform((s) => s as DeviceChoice);
const screenChoice = z
  .string()
  .refine((s) => s === 'auto' || s === 'x11' || DEVICE_CHOICE_PATTERN.test(s), 'capture.screen must be auto, x11, none, fake or a device id such as x11grab::0.0 (see dualrec doctor)')
  .transform((s) => s as 'auto' | 'x11' | DeviceChoice);

/** A file the fake devices play; it goes into an FFmpeg filter graph, so characters that graph syntax uses are refused. */
const fakeMediaPath = (field: string) =>
  z
    .string()
    .min(1)
    .regex(/^[^:'\\,;[\]=]+$/, `${field} must be a file path without : ' \\ , ; [ ] = (it goes into an FFmpeg filter graph)`)
    .transform((p) => resolve(p));

export const CaptureConfig = z.strictObject({
  /** `fake`: lavfi test pattern + tone (demo, tests). Real devices arrive with the capture engine (issue 3). */
  source: z.literal('fake').default('fake'),
  /**
   * Screen capture: `auto` grabs the X display in $DISPLAY when there is one (Windows: gdigrab
   * desktop; macOS: Capture screen 0); `none` records the camera only; `fake` SMPTE bars; or a
   * device id (`x11grab::0.0`, `gdigrab:desktop`, `ddagrab:0`, `avfoundation:Capture screen 0`).
   */
  screen: screenChoice.default('auto'),
  /** Camera: `fake` (test pattern), `none`, or a device id (`v4l2:/dev/video0`, `dshow:Integrated Camera`, `avfoundation:FaceTime HD Camera`). */
  camera: deviceChoice('capture.camera').default('fake'),
  /** Microphone: `fake` (tone), `none`, or a device id (`pulse:default`, `alsa:plughw:CARD=PCH,DEV=0`, `dshow:Microphone (USB Audio)`). */
  mic: deviceChoice('capture.mic').default('fake'),
  /** What the camera delivers (`mjpeg`, `yuyv422`, ...); default: the device's choice. */
  cameraFormat: z.string().regex(/^[a-z0-9_]+$/, 'capture.cameraFormat must be an FFmpeg pixel format or mjpeg').optional(),
  /** X display to grab (e.g. `:0`); default: $DISPLAY. */
  display: z.string().regex(/^[A-Za-z0-9.-]*:\d+(\.\d+)?$/, 'capture.display must look like :0 or host:0.0').optional(),
  segmentSeconds: z.number().min(1).max(60).default(4),
  width: z.number().int().min(160).max(3840).default(640),
  height: z.number().int().min(120).max(2160).default(480),
  fps: z.number().int().min(1).max(60).default(15),
  /** x264 preset and quality of the recording (see npm run bench:capture for the CPU cost). */
  preset: z.enum(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium']).default('veryfast'),
  crf: z.number().int().min(16).max(40).default(26),
  /** Width of the camera picture-in-picture on the screen recording, pixels. */
  pipWidth: z.number().int().min(64).max(1920).multipleOf(2).default(400),
  taps: z
    .strictObject({
      /** Gray frames for face checks. */
      faceFps: z.number().min(0.5).max(15).default(2),
      faceWidth: z.number().int().min(64).max(1280).multipleOf(2).default(320),
      faceHeight: z.number().int().min(48).max(960).multipleOf(2).default(240),
      /** MJPEG camera preview for the kiosk. */
      previewFps: z.number().min(1).max(30).default(5),
      previewWidth: z.number().int().min(64).max(1280).multipleOf(2).default(320),
    })
    .prefault({}),
  supervisor: z
    .strictObject({
      /** No progress from FFmpeg for this long counts as a stall: kill and restart. */
      stallSeconds: z.number().min(1).max(120).default(6),
      /** No camera frames for this long while recording raises camera.lost. */
      cameraLostSeconds: z.number().min(1).max(60).default(3),
      micLostSeconds: z.number().min(1).max(60).default(3),
      /** Restarts allowed per session before it ends as an emergency stop. */
      maxRestarts: z.number().int().min(0).max(1000).default(30),
    })
    .prefault({}),
  /** Test knobs of the fake source set. */
  fake: z
    .strictObject({
      /** End the fake camera after this many seconds (camera-loss tests). */
      cameraSeconds: z.number().min(1).optional(),
      /** `testsrc`: moving pattern + tone; `avsync`: a flash and a beep each second (A/V offset tests). */
      pattern: z.enum(['testsrc', 'avsync']).default('testsrc'),
      /** A still image the fake camera shows in a loop instead of the pattern (face checks in tests and demos). */
      cameraImage: fakeMediaPath('capture.fake.cameraImage').optional(),
      /** An audio file the fake microphone plays in a loop instead of the tone (speech checks in tests and demos). */
      micAudio: fakeMediaPath('capture.fake.micAudio').optional(),
    })
    .prefault({}),
});
export type CaptureConfig = z.infer<typeof CaptureConfig>;

export const BoothConfig = z.strictObject({
  name: z.string().min(1).max(100).default('booth-1'),
  /** Folder for the booth database, keys and sealed segments. */
  dataDir: z.string().min(1).default('./data/booth'),
  server: z
    .strictObject({
      /** The central server. Plain http is allowed only to this machine (tests, demo); use https. */
      url: z
        .url({ message: 'server.url must be an http(s) URL' })
        .refine((u) => isSecureOrLocal(u), 'server.url must use https unless the server is on this machine (127.0.0.1, ::1 or localhost)')
        .default('http://127.0.0.1:8080'),
      /** One-time enrollment code; needed only until the booth has enrolled. */
      enrollmentCode: z.string().min(8).max(128).optional(),
      /**
       * SHA-256 fingerprint of the archive public key, given by IT with the enrollment code. When
       * set, enrollment refuses any other key, so nobody between booth and server can substitute one.
       */
      archiveKeyId: z.string().regex(/^[0-9a-f]{64}$/, 'server.archiveKeyId must be a lower-case hex SHA-256 (dualrec server prints it)').optional(),
    })
    .prefault({}),
  /** Browser-mode bridge for the kiosk UI; 127.0.0.1 only. Port 0 picks a free port. */
  bridge: z
    .strictObject({
      enabled: z.boolean().default(true),
      port: z.number().int().min(0).max(65535).default(8090),
      /** Folder with the built renderer (out/renderer). */
      staticDir: z.string().optional(),
    })
    .prefault({}),
  capture: CaptureConfig.prefault({}),
  /** Face and speech checks (models, default policy). */
  checks: ChecksConfig.prefault({}),
  /** Remote assistance: publish the capture into the server's SFU room reserved for this booth. */
  remote: z
    .strictObject({
      /** Off by default: no RTP output, the capture is exactly the recording. */
      enabled: z.boolean().default(false),
      /** Also publish the screen (the camera and microphone are always published). */
      publishScreen: z.boolean().default(false),
      width: z.number().int().min(160).max(1920).multipleOf(2).default(1280),
      height: z.number().int().min(120).max(1080).multipleOf(2).default(720),
      fps: z.number().int().min(5).max(30).default(15),
      /** Live video bitrate, bits/s. */
      bitrate: z.number().int().min(100_000).max(8_000_000).default(1_500_000),
      /** How often the recording status goes to the room (staff and monitors), ms. */
      statusEveryMs: z.number().int().min(200).max(60_000).default(2000),
    })
    .prefault({}),
  /** The kiosk's guided session: products, customers, staff PINs, attempts, timers (src/booth/kiosk/kiosk-config.ts). */
  kiosk: KioskConfig.prefault({}),
  /** Explicit ffmpeg binary; default: system ffmpeg, else @ffmpeg-installer/ffmpeg. */
  ffmpegPath: z.string().nullable().default(null),
  sync: z
    .strictObject({
      /** Poll interval while waiting for the archive, ms. */
      pollMs: z.number().int().min(50).max(60_000).default(1000),
      backoffBaseMs: z.number().int().min(10).default(500),
      backoffMaxMs: z.number().int().min(100).default(60_000),
      /** Sessions uploaded in parallel; segments of one session always go in order. */
      parallelSessions: z.number().int().min(1).max(16).default(2),
      /** Bandwidth cap for segment uploads over all sessions together, bytes/s; null: no cap. */
      maxBytesPerSec: z.number().int().min(1024, 'sync.maxBytesPerSec must be at least 1024').nullable().default(null),
      /** Raise `upload.failing` when no upload has succeeded for this long while there is work, s. */
      uploadFailingAfterSec: z.number().min(1).max(86_400).default(600),
      /** How often the booth reports its status (the fleet heartbeat: version, devices, disk, backlog, faults, last session), ms. */
      statusEveryMs: z.number().int().min(200).max(3_600_000).default(30_000),
      /** A request to the server that has not answered after this long is abandoned and retried, ms. */
      requestTimeoutMs: z.number().int().min(500).max(600_000).default(30_000),
      /** Raise `clock.skew` when the booth clock is further than this from the server's, s. */
      maxClockSkewSec: z.number().min(1).max(86_400).default(120),
    })
    .prefault({}),
  /** Fleet management (src/booth/fleet): remote config pulled from the server, update gating. */
  fleet: z
    .strictObject({
      /** How often the booth asks for its remote config (a 304 when unchanged), ms. */
      configPollMs: z.number().int().min(200).max(3_600_000).default(30_000),
      /** The booth counts as idle this long after its last session ended (remote config and updates wait for it), s. */
      idleQuietSec: z.number().min(0).max(86_400).default(120),
    })
    .prefault({}),
  /** Disk policy of the vault (sealed segments + spool). Floors compare with the headroom: min(free space, quota left). */
  vault: z
    .strictObject({
      /** Most bytes the vault may hold (sealed, not yet purged); null: bounded by free space only. */
      quotaBytes: z.number().int().min(1).nullable().default(null),
      /** Below this headroom staff and the centre are warned (`disk.nearly_full`). */
      warnFreeBytes: z.number().int().min(0).default(2 * 1024 ** 3),
      /** Below this no new session may start. */
      refuseFreeBytes: z.number().int().min(0).default(1024 ** 3),
      /** Below this the current session is stopped (its sealed part is kept) and `disk.full` raised. */
      stopFreeBytes: z.number().int().min(0).default(256 * 1024 ** 2),
      /** How long acknowledged segments stay on the booth before they are purged, hours. */
      retentionHours: z.number().min(0).max(24 * 3650).default(24 * 7),
      /** How often the disk is checked, ms (faults must appear within seconds). */
      checkEveryMs: z.number().int().min(100).max(60_000).default(2000),
      /** How often purgeable segments are looked for, ms. */
      purgeEveryMs: z.number().int().min(100).max(86_400_000).default(10 * 60_000),
    })
    .prefault({})
    .superRefine((v, ctx) => {
      if (v.refuseFreeBytes > v.warnFreeBytes) ctx.addIssue({ code: 'custom', path: ['refuseFreeBytes'], message: 'must not exceed vault.warnFreeBytes' });
      if (v.stopFreeBytes > v.refuseFreeBytes) ctx.addIssue({ code: 'custom', path: ['stopFreeBytes'], message: 'must not exceed vault.refuseFreeBytes' });
    }),
  /** The product catalogue cached for offline use. */
  catalogue: z
    .strictObject({
      /** How often the booth asks the server whether the catalogue changed, ms (an unchanged one costs a 304). */
      refreshEveryMs: z.number().int().min(1000).max(86_400_000).default(5 * 60_000),
    })
    .prefault({}),
});
export type BoothConfig = z.infer<typeof BoothConfig>;

function isSecureOrLocal(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return true; // not a URL at all: z.url() reports that
  }
  return u.protocol === 'https:' || (u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname));
}
export type BoothConfigInput = z.input<typeof BoothConfig>;

/** Validates a booth config object; throws ValidationError naming each bad field. */
export function parseBoothConfig(input: unknown): BoothConfig {
  const r = BoothConfig.safeParse(input ?? {});
  if (!r.success) throw new ValidationError('config.invalid', `booth config is invalid: ${describeIssues(r.error.issues)}`);
  return { ...r.data, dataDir: resolve(r.data.dataDir) };
}

/** Reads a JSON booth config file (or defaults when no path is given). */
export function loadBoothConfig(path?: string, overrides: BoothConfigInput = {}): BoothConfig {
  let fromFile: unknown = {};
  if (path) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (cause) {
      throw new ValidationError('config.unreadable', `cannot read booth config ${path}: ${(cause as Error).message}`);
    }
    try {
      fromFile = JSON.parse(text);
    } catch {
      throw new ValidationError('config.invalid', `booth config ${path} is not valid JSON`);
    }
  }
  return parseBoothConfig(deepMerge(fromFile, overrides));
}

function deepMerge(a: unknown, b: unknown): unknown {
  if (typeof a !== 'object' || a === null || Array.isArray(a) || typeof b !== 'object' || b === null || Array.isArray(b)) return b ?? a;
  const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
  for (const [k, v] of Object.entries(b as Record<string, unknown>)) if (v !== undefined) out[k] = deepMerge(out[k], v);
  return out;
}
