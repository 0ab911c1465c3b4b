// Live RTP outputs into the SFU (remote assistance) are added after the recording's outputs and
// leave them exactly as they were: same options, same order, only the filter graph gains splits.
import { describe, expect, it } from 'vitest';
import { buildCaptureArgs } from '../../../src/booth/capture/args.js';
import { buildInputArgs } from '../../../src/booth/capture/devices/input-args.js';
import { selectionFromConfig } from '../../../src/booth/capture/devices/selection.js';
import { CaptureConfig } from '../../../src/booth/config.js';
import { rtpParametersFor, type RtpTarget } from '../../../src/booth/sfu/rtp.js';
import type { MediaSource } from '../../../src/protocol/sfu-signal.js';

const out = { segmentPattern: '/spool/run-0/seg-%06d.ts', tsOffsetSec: 0 };
const plan = (cfg: CaptureConfig, display: string | null) => buildInputArgs('linux', selectionFromConfig({ ...cfg, screen: display ? 'auto' : 'none' }, 'linux', { DISPLAY: display ?? undefined }));
const target = (source: MediaSource, port: number): RtpTarget => ({ source, ssrc: 1000 + port, transportId: `t-${source}`, ip: '127.0.0.1', port, rtcpPort: port + 1, srtp: { cryptoSuite: 'AES_CM_128_HMAC_SHA1_80', keyBase64: 'A'.repeat(40) } });
const video = { width: 1280, height: 720, fps: 15, bitrate: 1_500_000 };
const withoutGraph = (args: string[]) => args.map((a, i) => (args[i - 1] === '-filter_complex' ? '<graph>' : a));

describe('live outputs of the capture', () => {
  const cfg = CaptureConfig.parse({});

  it('keeps every recording output as it was and appends SRTP outputs for camera and microphone', () => {
    const base = buildCaptureArgs(cfg, plan(cfg, null), out);
    const live = buildCaptureArgs(cfg, plan(cfg, null), { ...out, live: { targets: [target('camera', 40000), target('mic', 40002)], video } });
    expect(withoutGraph(live).slice(0, base.length)).toEqual(withoutGraph(base));
    const graph = live[live.indexOf('-filter_complex') + 1]!;
    expect(graph).toContain('[0:v]split=4[cam][camface][camprev][camlive]');
    expect(graph).toContain('asplit=3[a][atap][live_mic]');
    expect(graph).toContain('[camlive]fps=15,scale=1280:720:force_original_aspect_ratio=decrease,pad=1280:720');
    const extra = live.slice(base.length);
    expect(extra).toContain('srtp://127.0.0.1:40000?rtcpport=40001&pkt_size=1200');
    expect(extra).toContain('srtp://127.0.0.1:40002?rtcpport=40003&pkt_size=1200');
    expect(extra.filter((a) => a === '-srtp_out_suite')).toHaveLength(2);
    expect(extra[extra.indexOf('-c:v') + 1]).toBe('libx264');
    expect(extra[extra.indexOf('-profile:v') + 1]).toBe('baseline');
    expect(extra[extra.indexOf('-c:a') + 1]).toBe('libopus');
    expect(extra[extra.indexOf('-ssrc') + 1]).toBe('41000');
  });

  it('publishes the screen only when the plan has one, and ignores targets for missing devices', () => {
    const noScreen = buildCaptureArgs(cfg, plan(cfg, null), { ...out, live: { targets: [target('screen', 40004)], video } });
    expect(noScreen.join(' ')).not.toContain('srtp://');
    const withScreen = buildCaptureArgs(cfg, plan(cfg, ':99'), { ...out, live: { targets: [target('screen', 40004)], video } });
    const graph = withScreen[withScreen.indexOf('-filter_complex') + 1]!;
    expect(graph).toMatch(/split=2\[screenin\]\[screenlive\]/);
    expect(graph).toContain('[screenin]fps=15[scr]');
    expect(withScreen).toContain('srtp://127.0.0.1:40004?rtcpport=40005&pkt_size=1200');
  });

  it('declares the RTP parameters FFmpeg really sends', () => {
    expect(rtpParametersFor(target('camera', 1))).toEqual({
      kind: 'video',
      rtpParameters: { codecs: [{ payloadType: 102, mimeType: 'video/H264', clockRate: 90000, parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f' } }], encodings: [{ ssrc: 1001 }] },
    });
    expect(rtpParametersFor(target('mic', 2)).rtpParameters.codecs[0]).toMatchObject({ mimeType: 'audio/opus', payloadType: 111, channels: 2 });
  });
});
