import { availableParallelism } from 'node:os';
import { z } from 'zod';

/** The SFU part of the server config (`sfu` in ServerConfig). */
export const SfuConfig = z.strictObject({
  /** Start mediasoup workers. Off: reservations and invitations work, media signalling answers 503. */
  enabled: z.boolean().default(false),
  /** mediasoup workers (processes); default one per core. Rooms are spread across them. */
  workers: z.number().int().min(1).max(64).nullable().default(null),
  /** Address the workers bind RTP/ICE sockets to. */
  listenIp: z.string().min(1).default('127.0.0.1'),
  /** Address put into ICE candidates and plain-transport answers (NAT / public address); default listenIp. */
  announcedIp: z.string().min(1).nullable().default(null),
  /** UDP/TCP port range shared out between the workers. */
  rtcMinPort: z.number().int().min(1024).max(65535).default(40000),
  rtcMaxPort: z.number().int().min(1024).max(65535).default(40999),
  /** Outgoing bitrate a WebRTC transport starts with (bits/s); congestion control adapts from there. */
  initialOutgoingBitrate: z.number().int().min(100_000).max(10_000_000).default(1_000_000),
  /** Keep a backup copy of the remote staff member's camera and microphone on the server (FFmpeg, no re-encoding). */
  recordStaff: z.boolean().default(true),
  /** mediasoup worker log level. */
  logLevel: z.enum(['debug', 'warn', 'error', 'none']).default('warn'),
});
export type SfuConfig = z.infer<typeof SfuConfig>;

export function workerCount(cfg: SfuConfig): number {
  return cfg.workers ?? availableParallelism();
}
