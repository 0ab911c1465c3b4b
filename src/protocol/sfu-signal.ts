import { z } from 'zod';
import { FaultReport } from './faults.js';
import { IsoTime, SessionId } from './ids.js';
import { PeerRole, RoomId } from './sfu.js';

/**
 * SFU signalling over the WebSocket, JSON text frames. A client sends requests
 * `{ id, method, data }` and gets exactly one response `{ id, ok: true, data }` or
 * `{ id, ok: false, error: { code, message } }`; the server pushes notifications
 * `{ notification, data }`. Handlers switch on `method` and end in an exhaustiveness check.
 *
 * RTP capabilities/parameters and ICE/DTLS/SRTP parameters are mediasoup's own objects; the schemas
 * here check their outer shape, mediasoup validates the rest (its errors become 400s).
 */

const MediaKind = z.enum(['audio', 'video']);
export type MediaKind = z.infer<typeof MediaKind>;

/** What a producer carries, so receivers can lay out the booth's camera and screen. */
export const MediaSource = z.enum(['camera', 'mic', 'screen']);
export type MediaSource = z.infer<typeof MediaSource>;

const Id = z.string().min(1).max(100);
const Json = z.record(z.string(), z.unknown());
const RtpCapabilities = z.looseObject({ codecs: z.array(Json).max(100).optional(), headerExtensions: z.array(Json).max(100).optional() });
const RtpParameters = z.looseObject({ codecs: z.array(Json).min(1, 'rtpParameters.codecs must name a codec').max(20), encodings: z.array(Json).max(10).optional() });
export type RtpCapabilitiesJson = z.infer<typeof RtpCapabilities>;
export type RtpParametersJson = z.infer<typeof RtpParameters>;
const DtlsParameters = z.looseObject({ fingerprints: z.array(Json).min(1).max(10) });

export const PeerInfo = z.strictObject({ peerId: Id, role: PeerRole, displayName: z.string().max(100) });
export type PeerInfo = z.infer<typeof PeerInfo>;

export const ProducerInfo = z.strictObject({ producerId: Id, peerId: Id, kind: MediaKind, source: MediaSource });
export type ProducerInfo = z.infer<typeof ProducerInfo>;

/** What the booth reports about its recording every 2 s while in a room. */
export const RecordingStatus = z.strictObject({
  sessionId: SessionId.nullable(),
  state: z.enum(['idle', 'recording', 'stopping', 'failed']),
  bytesWritten: z.number().int().min(0),
  durationSec: z.number().min(0),
  restarts: z.number().int().min(0),
  at: IsoTime,
});
export type RecordingStatus = z.infer<typeof RecordingStatus>;

// ---- requests --------------------------------------------------------------------------------

export const SignalRequest = z.discriminatedUnion('method', [
  z.strictObject({ id: z.number().int().min(0), method: z.literal('getRouterRtpCapabilities'), data: z.strictObject({}).default({}) }),
  z.strictObject({ id: z.number().int().min(0), method: z.literal('join'), data: z.strictObject({ displayName: z.string().max(100).default(''), rtpCapabilities: RtpCapabilities.optional() }) }),
  z.strictObject({ id: z.number().int().min(0), method: z.literal('createWebRtcTransport'), data: z.strictObject({ direction: z.enum(['send', 'recv']) }) }),
  z.strictObject({ id: z.number().int().min(0), method: z.literal('connectWebRtcTransport'), data: z.strictObject({ transportId: Id, dtlsParameters: DtlsParameters }) }),
  /** Booth only: a PlainTransport (comedia, SRTP) its FFmpeg sends RTP to. */
  z.strictObject({ id: z.number().int().min(0), method: z.literal('createPlainTransport'), data: z.strictObject({ source: MediaSource }) }),
  z.strictObject({
    id: z.number().int().min(0),
    method: z.literal('produce'),
    data: z.strictObject({ transportId: Id, kind: MediaKind, source: MediaSource, rtpParameters: RtpParameters }),
  }),
  z.strictObject({ id: z.number().int().min(0), method: z.literal('closeProducer'), data: z.strictObject({ producerId: Id }) }),
  z.strictObject({ id: z.number().int().min(0), method: z.literal('consume'), data: z.strictObject({ transportId: Id, producerId: Id }) }),
  z.strictObject({ id: z.number().int().min(0), method: z.literal('resumeConsumer'), data: z.strictObject({ consumerId: Id }) }),
  z.strictObject({
    id: z.number().int().min(0),
    method: z.literal('setConsumerPreferredLayers'),
    data: z.strictObject({ consumerId: Id, spatialLayer: z.number().int().min(0).max(3), temporalLayer: z.number().int().min(0).max(3).optional() }),
  }),
  /** Booth only: its recording status (every 2 s), relayed to staff, monitors and consoles. */
  z.strictObject({ id: z.number().int().min(0), method: z.literal('recordingStatus'), data: RecordingStatus }),
  /** Booth only: a recording fault raised or cleared, relayed at once. */
  z.strictObject({ id: z.number().int().min(0), method: z.literal('fault'), data: FaultReport }),
]);
export type SignalRequest = z.infer<typeof SignalRequest>;
export type SignalMethod = SignalRequest['method'];

export interface TransportOptions {
  id: string;
  iceParameters: unknown;
  iceCandidates: unknown[];
  dtlsParameters: unknown;
}

export interface PlainTransportInfo {
  transportId: string;
  /** Where the booth sends RTP (and RTCP to rtcpPort). */
  ip: string;
  port: number;
  rtcpPort: number;
  /** SRTP suite and base64 key+salt the booth's FFmpeg must use (srtp_out_suite/srtp_out_params). */
  srtp: { cryptoSuite: string; keyBase64: string };
}

export interface ConsumerInfo {
  consumerId: string;
  producerId: string;
  peerId: string;
  kind: MediaKind;
  source: MediaSource;
  rtpParameters: unknown;
  /** Consumers start paused; the client resumes once its track is ready. */
  paused: true;
}

export interface JoinResult {
  self: PeerInfo;
  roomId: RoomId;
  topic: string;
  peers: PeerInfo[];
  /** Producers already in the room that this peer may consume. */
  producers: ProducerInfo[];
  /** The booth's latest recording status and its active faults. */
  recording: RecordingStatus | null;
  faults: FaultReport[];
}

/** Response data per method. */
export interface SignalResponses {
  getRouterRtpCapabilities: { rtpCapabilities: RtpCapabilitiesJson };
  join: JoinResult;
  createWebRtcTransport: TransportOptions;
  connectWebRtcTransport: Record<string, never>;
  createPlainTransport: PlainTransportInfo;
  produce: { producerId: string };
  closeProducer: Record<string, never>;
  consume: ConsumerInfo;
  resumeConsumer: Record<string, never>;
  setConsumerPreferredLayers: Record<string, never>;
  recordingStatus: Record<string, never>;
  fault: Record<string, never>;
}

export type SignalResponse =
  | { id: number; ok: true; data: SignalResponses[SignalMethod] }
  | { id: number; ok: false; error: { code: string; message: string; status: number } };

// ---- notifications (server -> client) ---------------------------------------------------------

export type SignalNotification =
  | { notification: 'peerJoined'; data: PeerInfo }
  | { notification: 'peerLeft'; data: { peerId: string } }
  | { notification: 'newProducer'; data: ProducerInfo }
  | { notification: 'producerClosed'; data: { producerId: string } }
  | { notification: 'consumerClosed'; data: { consumerId: string } }
  | { notification: 'recordingStatus'; data: RecordingStatus & { roomId: RoomId } }
  | { notification: 'fault'; data: FaultReport & { roomId: RoomId } }
  | { notification: 'roomClosed'; data: { roomId: RoomId; reason: string } };

/** Close codes of the signalling socket. */
export const WS_CLOSE = { ticketInvalid: 4401, roomClosed: 4000, replaced: 4001, protocol: 4400 } as const;
