import type { MediaSource, PlainTransportInfo, RtpParametersJson } from '../../protocol/sfu-signal.js';

/** Payload types and codecs the booth's FFmpeg sends (the room's router offers both). */
export const BOOTH_RTP = {
  video: { payloadType: 102, mimeType: 'video/H264', clockRate: 90000, parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f' } },
  audio: { payloadType: 111, mimeType: 'audio/opus', clockRate: 48000, channels: 2, parameters: { useinbandfec: 1 } },
} as const;

/** One of the booth's live outputs: where FFmpeg sends it and the SSRC it uses. */
export interface RtpTarget extends PlainTransportInfo {
  source: MediaSource;
  ssrc: number;
}

export interface LiveVideoSettings {
  width: number;
  height: number;
  fps: number;
  /** Target bitrate, bits/s. */
  bitrate: number;
}

/** The RTP parameters the booth declares when it produces `target` (what FFmpeg really sends). */
export function rtpParametersFor(target: RtpTarget): { kind: 'audio' | 'video'; rtpParameters: RtpParametersJson } {
  const kind = target.source === 'mic' ? 'audio' : 'video';
  const codec = kind === 'audio' ? BOOTH_RTP.audio : BOOTH_RTP.video;
  return { kind, rtpParameters: { codecs: [{ ...codec, parameters: { ...codec.parameters } }], encodings: [{ ssrc: target.ssrc }] } };
}

/** `srtp://ip:port?rtcpport=…&pkt_size=1200` (IPv6 literals in brackets). */
function srtpUrl(t: RtpTarget): string {
  const host = t.ip.includes(':') ? `[${t.ip}]` : t.ip;
  return `srtp://${host}:${t.port}?rtcpport=${t.rtcpPort}&pkt_size=1200`;
}

/**
 * FFmpeg output options sending the filter graph label `label` to `target` as SRTP. Video is a
 * separate low-latency encode (H264 constrained baseline, ultrafast, zerolatency, a keyframe every
 * second so a receiver that joins late waits at most a second: FFmpeg cannot answer a PLI), so the
 * recorded segments' encoder and its settings are untouched. UDP is connectionless: a server that
 * is gone makes the packets vanish, it does not stop FFmpeg.
 */
export function rtpOutputArgs(label: string, target: RtpTarget, video: LiveVideoSettings): string[] {
  const common = ['-payload_type', String(target.source === 'mic' ? BOOTH_RTP.audio.payloadType : BOOTH_RTP.video.payloadType), '-ssrc', String(target.ssrc), '-f', 'rtp', '-srtp_out_suite', target.srtp.cryptoSuite, '-srtp_out_params', target.srtp.keyBase64, srtpUrl(target)];
  if (target.source === 'mic') return ['-map', `[${label}]`, '-c:a', 'libopus', '-application', 'voip', '-b:a', '48k', '-ar', '48000', '-ac', '2', ...common];
  const kbps = Math.round(video.bitrate / 1000);
  return [
    '-map', `[${label}]`,
    '-c:v', 'libx264', '-profile:v', 'baseline', '-level', '3.1', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p',
    '-g', String(video.fps), '-keyint_min', String(video.fps), '-sc_threshold', '0',
    '-b:v', `${kbps}k`, '-maxrate', `${Math.round(kbps * 1.2)}k`, '-bufsize', `${kbps}k`,
    ...common,
  ];
}
