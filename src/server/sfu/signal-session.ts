import type { types } from 'mediasoup';
import { DualrecError, ForbiddenError, ValidationError, describeIssues } from '../../core/errors.js';
import type { Logger } from '../../platform/log.js';
import { SignalRequest, type SignalResponse, type SignalResponses } from '../../protocol/sfu-signal.js';
import type { Peer } from './peer.js';
import type { Room } from './room.js';

/** The part of a WebSocket a session uses (ws's WebSocket satisfies it). */
export interface SignalSocket {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  readonly readyState: number;
}

const OPEN = 1;

/**
 * One peer's signalling: parses each text frame as a SignalRequest, runs it against the room and
 * answers with exactly one response carrying the request id. Errors become `{ ok: false }` with the
 * error's code, message and HTTP-like status; unknown failures are logged and answered as 500
 * without internals.
 */
export class SignalSession {
  constructor(
    private readonly room: Room,
    private readonly peer: Peer,
    private readonly socket: SignalSocket,
    private readonly log: Logger,
  ) {}

  send(payload: unknown): void {
    if (this.socket.readyState === OPEN) this.socket.send(JSON.stringify(payload));
  }

  async onMessage(raw: string): Promise<void> {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      this.send({ id: -1, ok: false, error: { code: 'request.bad_json', message: 'a signalling message must be one JSON object', status: 400 } } satisfies SignalResponse);
      return;
    }
    const id = typeof (json as { id?: unknown })?.id === 'number' ? (json as { id: number }).id : -1;
    const parsed = SignalRequest.safeParse(json);
    if (!parsed.success) {
      this.send({ id, ok: false, error: { code: 'request.invalid', message: `invalid signalling request: ${describeIssues(parsed.error.issues)}`, status: 400 } } satisfies SignalResponse);
      return;
    }
    try {
      const data = await this.handle(parsed.data);
      this.send({ id, ok: true, data } satisfies SignalResponse);
    } catch (err) {
      if (err instanceof DualrecError) {
        this.send({ id, ok: false, error: { code: err.code, message: err.message, status: err.status } } satisfies SignalResponse);
      } else {
        this.log.error({ err, method: parsed.data.method, peer: this.peer.id }, 'signalling request failed');
        this.send({ id, ok: false, error: { code: 'internal', message: `${parsed.data.method} failed on the server`, status: 500 } } satisfies SignalResponse);
      }
    }
  }

  private requireJoined(method: string): void {
    if (!this.peer.joined) throw new ValidationError('sfu.not_joined', `send join before ${method}`);
  }

  private requireBooth(method: string): void {
    if (this.peer.role !== 'booth') throw new ForbiddenError('sfu.booth_only', `${method} is sent by the booth only`);
  }

  private async handle(req: SignalRequest): Promise<SignalResponses[SignalRequest['method']]> {
    const { room, peer } = this;
    if (req.method !== 'getRouterRtpCapabilities' && req.method !== 'join') this.requireJoined(req.method);
    switch (req.method) {
      case 'getRouterRtpCapabilities':
        return { rtpCapabilities: room.router.rtpCapabilities };
      case 'join':
        return room.join(peer, req.data.rtpCapabilities as types.RtpCapabilities | undefined);
      case 'createWebRtcTransport':
        return room.createWebRtcTransport(peer, req.data.direction);
      case 'connectWebRtcTransport':
        await room.connectWebRtcTransport(peer, req.data.transportId, req.data.dtlsParameters);
        return {};
      case 'createPlainTransport':
        this.requireBooth(req.method);
        return room.createPlainTransport(peer, req.data.source);
      case 'produce':
        return room.produce(peer, req.data.transportId, req.data.kind, req.data.source, req.data.rtpParameters);
      case 'closeProducer':
        room.closeProducer(peer, req.data.producerId);
        return {};
      case 'consume':
        return room.consume(peer, req.data.transportId, req.data.producerId);
      case 'resumeConsumer':
        await peer.consumer(req.data.consumerId).resume();
        return {};
      case 'setConsumerPreferredLayers':
        await peer.consumer(req.data.consumerId).setPreferredLayers({ spatialLayer: req.data.spatialLayer, temporalLayer: req.data.temporalLayer });
        return {};
      case 'recordingStatus':
        this.requireBooth(req.method);
        room.relayRecording(req.data);
        return {};
      case 'fault':
        this.requireBooth(req.method);
        room.relayFault(req.data);
        return {};
      default: {
        const never: never = req;
        throw new ValidationError('request.invalid', `unknown method ${JSON.stringify(never)}`);
      }
    }
  }
}
