import { ValidationError } from '../../../core/errors.js';
import { parseDeviceChoice, type ParsedDevice } from './device-id.js';
import type { CameraSelection, CapturePlatform, DeviceSelection, InputPlan, MicSelection, ScreenSelection, StreamRef } from './types.js';

/** Live device inputs get a deeper queue so one slow input does not block the others. */
const QUEUE = ['-thread_queue_size', '512'];
const SINE = 'sine=frequency=440:sample_rate=48000:beep_factor=4';

interface Input {
  args: string[];
  video: boolean;
  audio: boolean;
}

const size = (w: number, h: number) => `${w}x${h}`;

function fakeScreen(s: ScreenSelection): Input {
  const r = s.region ?? { width: 1280, height: 720 };
  return { args: ['-re', '-f', 'lavfi', '-i', `smptehdbars=size=${size(r.width, r.height)}:rate=${s.fps}`], video: true, audio: false };
}

function screenInput(dev: ParsedDevice, s: ScreenSelection): Input {
  const mouse = s.drawMouse ?? true;
  const r = s.region;
  const fps = String(s.fps);
  switch (dev.backend) {
    case 'x11grab': {
      const args = ['-f', 'x11grab', ...QUEUE, '-draw_mouse', mouse ? '1' : '0', '-framerate', fps];
      if (r) args.push('-video_size', size(r.width, r.height));
      return { args: [...args, '-i', r ? `${dev.name}+${r.x},${r.y}` : dev.name], video: true, audio: false };
    }
    case 'gdigrab': {
      const args = ['-f', 'gdigrab', ...QUEUE, '-draw_mouse', mouse ? '1' : '0', '-framerate', fps];
      if (r) args.push('-offset_x', String(r.x), '-offset_y', String(r.y), '-video_size', size(r.width, r.height));
      return { args: [...args, '-i', dev.name], video: true, audio: false };
    }
    case 'ddagrab': {
      // A lavfi source producing D3D11 frames; hwdownload brings them to system memory.
      let src = `ddagrab=output_idx=${dev.name}:framerate=${fps}:draw_mouse=${mouse ? 1 : 0}`;
      if (r) src += `:video_size=${size(r.width, r.height)}:offset_x=${r.x}:offset_y=${r.y}`;
      return { args: ['-f', 'lavfi', ...QUEUE, '-i', `${src},hwdownload,format=bgra`], video: true, audio: false };
    }
    case 'avfoundation':
      return { args: ['-f', 'avfoundation', ...QUEUE, '-framerate', fps, '-capture_cursor', mouse ? '1' : '0', '-i', `${dev.name}:none`], video: true, audio: false };
    default:
      throw new ValidationError('capture.device_invalid', `capture.screen: ${dev.backend} is not a screen backend`);
  }
}

function cameraOptions(c: CameraSelection, backend: ParsedDevice['backend']): string[] {
  const args = ['-framerate', String(c.fps), '-video_size', size(c.width, c.height)];
  if (!c.inputFormat) return args;
  if (backend === 'v4l2') return [...args, '-input_format', c.inputFormat];
  if (backend === 'dshow' && c.inputFormat === 'mjpeg') return [...args, '-vcodec', 'mjpeg'];
  return [...args, '-pixel_format', c.inputFormat];
}

function micOptions(m: MicSelection): string[] {
  return ['-sample_rate', String(m.sampleRate ?? 48000), '-channels', String(m.channels ?? 1)];
}

/** The fake camera as a lavfi source: the test pattern, or a still image looped at the camera's rate. */
function fakeVideo(c: CameraSelection): string {
  const camEnd = c.fakeSeconds ? `:duration=${c.fakeSeconds}` : '';
  if (!c.fakeImage) return `testsrc2=size=${size(c.width, c.height)}:rate=${c.fps}${camEnd}`;
  const fit = `scale=${c.width}:${c.height}:force_original_aspect_ratio=decrease,pad=${c.width}:${c.height}:(ow-iw)/2:(oh-ih)/2`;
  const end = c.fakeSeconds ? `,trim=duration=${c.fakeSeconds}` : '';
  return `movie=${c.fakeImage},loop=loop=-1:size=1,setpts=N/(${c.fps}*TB),${fit},format=yuv420p${end}`;
}

/** The fake microphone as a lavfi source: a tone, or an audio file played in a loop. */
function fakeAudio(m: MicSelection): string {
  return m.fakeAudio ? `amovie=${m.fakeAudio}:loop=0,aresample=48000,asetpts=N/SR/TB` : SINE;
}

/** Camera and/or mic inputs: one input when both come from the same dshow/avfoundation backend. */
function cameraMicInputs(cam: ParsedDevice | null, mic: ParsedDevice | null, sel: DeviceSelection): Input[] {
  const c = sel.camera;
  const fakeCam = c.device === 'fake';
  const camEnd = c.fakeSeconds ? `:duration=${c.fakeSeconds}` : '';
  const fakeMic = sel.mic.device === 'fake';
  const inputs: Input[] = [];
  if (fakeCam && fakeMic) {
    // One lavfi input for both: two separate -re lavfi inputs drift apart.
    const graph =
      c.fakePattern === 'avsync'
        ? `color=c=black:size=${size(c.width, c.height)}:rate=${c.fps}${camEnd},drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='lt(mod(t,1),0.1)'[out0];` +
          `aevalsrc='if(lt(mod(t,1),0.05),0.8*sin(2*PI*1000*t),0)':s=48000[out1]`
        : `${fakeVideo(c)}[out0];${fakeAudio(sel.mic)}[out1]`;
    return [{ args: ['-re', '-f', 'lavfi', '-i', graph], video: true, audio: true }];
  }
  if (fakeCam) inputs.push({ args: ['-re', '-f', 'lavfi', '-i', fakeVideo(c)], video: true, audio: false });
  if (cam && mic && cam.backend === mic.backend && (cam.backend === 'dshow' || cam.backend === 'avfoundation')) {
    // Same input for camera and microphone keeps them in sync (FFmpeg dshow/avfoundation docs).
    const target = cam.backend === 'dshow' ? `video=${cam.name}:audio=${mic.name}` : `${cam.name}:${mic.name}`;
    const extra = cam.backend === 'dshow' ? ['-rtbufsize', '100M', '-audio_buffer_size', '50'] : [];
    return [{ args: ['-f', cam.backend, ...QUEUE, ...extra, ...cameraOptions(c, cam.backend), ...micOptions(sel.mic), '-i', target], video: true, audio: true }];
  }
  if (cam) {
    const target = cam.backend === 'dshow' ? `video=${cam.name}` : cam.backend === 'avfoundation' ? `${cam.name}:none` : cam.name;
    const extra = cam.backend === 'dshow' ? ['-rtbufsize', '100M'] : [];
    inputs.push({ args: ['-f', cam.backend, ...QUEUE, ...extra, ...cameraOptions(c, cam.backend), '-i', target], video: true, audio: false });
  }
  if (fakeMic) inputs.push({ args: ['-re', '-f', 'lavfi', '-i', fakeAudio(sel.mic)], video: false, audio: true });
  if (mic) {
    const target = mic.backend === 'dshow' ? `audio=${mic.name}` : mic.backend === 'avfoundation' ? `none:${mic.name}` : mic.name;
    const extra = mic.backend === 'dshow' ? ['-audio_buffer_size', '50'] : [];
    inputs.push({ args: ['-f', mic.backend, ...QUEUE, ...extra, ...micOptions(sel.mic), '-i', target], video: false, audio: true });
  }
  return inputs;
}

/**
 * The FFmpeg input arguments for a device selection on a platform. Pure. Inputs are ordered
 * screen, camera (with the mic when they share a dshow/avfoundation input), mic. Throws
 * ValidationError naming the field for a device the platform cannot open, or when nothing at all
 * is selected.
 */
export function buildInputArgs(platform: CapturePlatform, sel: DeviceSelection): InputPlan {
  const screenDev = parseDeviceChoice(sel.screen.device, 'screen', platform, 'capture.screen');
  const camDev = parseDeviceChoice(sel.camera.device, 'camera', platform, 'capture.camera');
  const micDev = parseDeviceChoice(sel.mic.device, 'mic', platform, 'capture.mic');
  if (sel.screen.device === 'none' && sel.camera.device === 'none' && sel.mic.device === 'none') {
    throw new ValidationError('capture.nothing_selected', 'capture: screen, camera and mic are all none; select at least one');
  }
  const plan: InputPlan = { args: [], inputCount: 0, screen: null, camera: null, mic: null };
  const add = (input: Input): number => {
    plan.args.push(...input.args);
    return plan.inputCount++;
  };
  const ref = (index: number, kind: 'v' | 'a'): StreamRef => `${index}:${kind}`;
  if (sel.screen.device === 'fake') plan.screen = ref(add(fakeScreen(sel.screen)), 'v');
  else if (screenDev) plan.screen = ref(add(screenInput(screenDev, sel.screen)), 'v');
  for (const input of cameraMicInputs(camDev, micDev, sel)) {
    const index = add(input);
    if (input.video) plan.camera = ref(index, 'v');
    if (input.audio) plan.mic = ref(index, 'a');
  }
  return plan;
}
