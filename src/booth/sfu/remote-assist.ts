import { randomInt } from 'node:crypto';
import type { Logger } from '../../platform/log.js';
import type { Fault, FaultReport } from '../../protocol/faults.js';
import { SignalClient, signallingUrl } from '../../protocol/sfu-client.js';
import type { MediaSource, RecordingStatus } from '../../protocol/sfu-signal.js';
import type { TicketResponse } from '../../protocol/sfu.js';
import type { LiveOutput } from '../capture/args.js';
import type { BoothConfig } from '../config.js';
import type { FaultReporter } from '../faults/fault-reporter.js';
import type { ServerClient } from '../sync/server-client.js';
import { rtpParametersFor, type RtpTarget } from './rtp.js';

const faultKey = (f: Fault) => `${f.kind}|${f.sessionId ?? ''}`;

/**
 * The booth in its reserved SFU room: before a session starts it joins the room open for this
 * booth (if any), opens one plain SRTP transport per published source and produces it, so the
 * capture's FFmpeg can add RTP outputs (args.ts, `live`); while in the room it sends the recording
 * status every `statusEveryMs` and every fault raise or clear at once. Nothing here can stop a
 * recording: a server that is down or refuses means the session records without live output.
 */
export class RemoteAssist {
  private client: SignalClient | null = null;
  private roomId: string | null = null;
  private targets: RtpTarget[] = [];
  private timer: NodeJS.Timeout | null = null;
  private sent = new Map<string, Fault>();
  private readonly onFaults = () => this.sendFaults();

  constructor(
    private readonly server: ServerClient,
    private readonly cfg: BoothConfig['remote'],
    private readonly status: () => Promise<RecordingStatus>,
    private readonly faults: FaultReporter,
    private readonly log: Logger,
  ) {}

  /** The live outputs for the capture now (none when not in a room). */
  live(): LiveOutput | null {
    if (!this.client || this.client.closed || this.targets.length === 0) return null;
    return { targets: this.targets, video: { width: this.cfg.width, height: this.cfg.height, fps: this.cfg.fps, bitrate: this.cfg.bitrate } };
  }

  get room(): string | null {
    return this.client && !this.client.closed ? this.roomId : null;
  }

  /** Joins the room open for this booth now, if there is one. Never throws. */
  async prepare(): Promise<LiveOutput | null> {
    if (!this.cfg.enabled) return null;
    try {
      const { reservation } = await this.server.sfuRoom();
      if (!reservation) {
        await this.leave();
        return null;
      }
      if (this.room === reservation.roomId) return this.live();
      await this.leave();
      const ticket = await this.server.sfuTicket(reservation.roomId, 'booth');
      const client = await SignalClient.connect(signallingUrl(this.server.baseUrl, ticket));
      this.client = client;
      this.roomId = reservation.roomId;
      client.onClose((code, reason) => {
        if (this.client !== client) return;
        this.log.warn({ room: reservation.roomId, code, reason }, 'left the remote session room');
        this.stopReports();
        this.targets = [];
      });
      await client.request('join', { displayName: '' });
      const sources: MediaSource[] = this.cfg.publishScreen ? ['camera', 'screen', 'mic'] : ['camera', 'mic'];
      const targets: RtpTarget[] = [];
      for (const source of sources) {
        const plain = await client.request('createPlainTransport', { source });
        const target: RtpTarget = { ...plain, source, ssrc: randomInt(1, 2 ** 31) };
        await client.request('produce', { transportId: plain.transportId, source, ...rtpParametersFor(target) });
        targets.push(target);
      }
      this.targets = targets;
      this.startReports();
      this.log.info({ room: reservation.roomId, topic: reservation.topic, sources }, 'joined the remote session room');
      return this.live();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'cannot join the remote session room; recording without live output');
      await this.leave();
      return null;
    }
  }

  /** A one-time ticket for the kiosk page to join the same room (receives the remote staff member). */
  async kioskTicket(): Promise<{ serverUrl: string; ticket: TicketResponse } | null> {
    const room = this.room;
    if (!room) return null;
    return { serverUrl: this.server.baseUrl, ticket: await this.server.sfuTicket(room, 'kiosk') };
  }

  private startReports(): void {
    this.stopReports();
    this.sent.clear();
    this.faults.on('change', this.onFaults);
    this.sendFaults();
    const tick = () => {
      this.status().then(
        (s) => this.client?.request('recordingStatus', s),
        (err: unknown) => this.log.warn({ err }, 'cannot read the recording status'),
      ).catch((err: unknown) => this.log.debug({ err: (err as Error).message }, 'recording status not delivered'));
    };
    tick();
    this.timer = setInterval(tick, this.cfg.statusEveryMs);
  }

  private stopReports(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.faults.off('change', this.onFaults);
  }

  /** Sends every fault raised or changed, and every one cleared, since the last call. */
  private sendFaults(): void {
    const client = this.client;
    if (!client || client.closed) return;
    const now = new Map(this.faults.active().map((f) => [faultKey(f), f]));
    const reports: FaultReport[] = [];
    for (const [k, f] of now) {
      const before = this.sent.get(k);
      if (!before || before.count !== f.count || before.lastSeen !== f.lastSeen || before.severity !== f.severity) reports.push({ ...f, clearedAt: null });
    }
    for (const [k, f] of this.sent) if (!now.has(k)) reports.push({ ...f, clearedAt: new Date().toISOString() });
    this.sent = now;
    for (const r of reports) client.request('fault', r).catch((err: unknown) => this.log.debug({ err: (err as Error).message }, 'fault not delivered to the room'));
  }

  async leave(): Promise<void> {
    this.stopReports();
    this.targets = [];
    const client = this.client;
    this.client = null;
    this.roomId = null;
    client?.close();
  }
}
