import type { types } from 'mediasoup';

/**
 * Codecs every room's router offers. Opus for audio; VP8 for browsers (simulcast layers from the
 * staff console) and H264 constrained baseline (42e01f, packetization-mode 1) for the booth's
 * FFmpeg (libx264) and for browsers that prefer it.
 */
export const ROOM_MEDIA_CODECS: types.RtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, parameters: { 'x-google-start-bitrate': 1000 } },
  {
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90000,
    parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1, 'x-google-start-bitrate': 1000 },
  },
];
