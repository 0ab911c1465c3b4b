import type { CapturePlatform } from '../../../platform/ffmpeg-lists.js';

export type { CapturePlatform };

export type DeviceRole = 'camera' | 'mic' | 'screen';

/** FFmpeg input backends dualrec captures from (`-f <backend>`; ddagrab is a lavfi source). */
export const BACKENDS = ['v4l2', 'pulse', 'alsa', 'x11grab', 'dshow', 'gdigrab', 'ddagrab', 'avfoundation'] as const;
export type Backend = (typeof BACKENDS)[number];

/**
 * A device as configured and as `dualrec doctor` prints it: `<backend>:<name>`, e.g.
 * `v4l2:/dev/video0`, `pulse:default`, `alsa:plughw:CARD=PCH,DEV=0`, `x11grab::0.0`,
 * `dshow:Integrated Camera`, `gdigrab:desktop`, `ddagrab:0`, `avfoundation:FaceTime HD Camera`.
 */
export type DeviceId = `${Backend}:${string}`;

/** `fake`: lavfi test pattern / tone / bars; `none`: not recorded; else a real device. */
export type DeviceChoice = 'fake' | 'none' | DeviceId;

export interface DiscoveredDevice {
  role: DeviceRole;
  /** What to put in the booth config (capture.camera / capture.mic / capture.screen). */
  id: DeviceId;
  backend: Backend;
  /** Human name (the card name, the DirectShow friendly name, ...). */
  label: string;
  /** Capture modes, e.g. `mjpeg 1280x720 640x480`, or the screen size. */
  modes: string[];
}

export interface DeviceDiscovery {
  platform: CapturePlatform;
  devices: DiscoveredDevice[];
  /** What could not be looked at and what to do about it, one sentence each. */
  notes: string[];
}

export interface CameraSelection {
  device: DeviceChoice;
  width: number;
  height: number;
  fps: number;
  /** v4l2 `-input_format`, dshow `-vcodec mjpeg` or `-pixel_format`, avfoundation `-pixel_format`. */
  inputFormat?: string;
  /** Fake camera only: end after this many seconds (camera-loss tests). */
  fakeSeconds?: number;
  /**
   * Fake camera + mic only: `testsrc` (moving test pattern + tone) or `avsync` (a white flash and a
   * 1 kHz beep at the start of every second, for measuring audio/video offset).
   */
  fakePattern?: 'testsrc' | 'avsync';
  /** Fake camera only: show this still image (looped) instead of the test pattern (face-check tests). */
  fakeImage?: string;
}

export interface MicSelection {
  device: DeviceChoice;
  /** Default 48000. */
  sampleRate?: number;
  /** Default 1 (the recorder keeps mono). */
  channels?: number;
  /** Fake microphone only: play this audio file in a loop instead of the tone (speech-check tests). */
  fakeAudio?: string;
}

export interface ScreenSelection {
  device: DeviceChoice;
  fps: number;
  /** Grab a region instead of the whole screen (x11grab, gdigrab, ddagrab; fake: its size). */
  region?: { width: number; height: number; x: number; y: number };
  /** Default true. */
  drawMouse?: boolean;
}

export interface DeviceSelection {
  camera: CameraSelection;
  mic: MicSelection;
  screen: ScreenSelection;
}

/** FFmpeg stream specifier of a selected device within the input list, e.g. `0:v`, `1:a`. */
export type StreamRef = `${number}:${'v' | 'a'}`;

/**
 * The input half of an FFmpeg command for one selection: `args` go before the filters and
 * outputs; the refs say where each device's stream is (null when the device is `none`).
 */
export interface InputPlan {
  args: string[];
  inputCount: number;
  screen: StreamRef | null;
  camera: StreamRef | null;
  mic: StreamRef | null;
}
