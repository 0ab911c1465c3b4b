import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { backoffDelay } from '../core/backoff.js';
import { ConflictError, DualrecError, describeIssues, ValidationError } from '../core/errors.js';
import { archiveKeyId } from '../core/keys.js';
import { BoothRequest, type BoothEvent, type BoothResponses, type BoothState } from '../protocol/booth-api.js';
import { openSqlite } from '../platform/db.js';
import { resolveFfmpeg, type FfmpegInfo } from '../platform/ffmpeg.js';
import { createLogger, type Logger } from '../platform/log.js';
import { BridgeServer } from './bridge/bridge-server.js';
import { BoothCatalogue } from './catalogue/booth-catalogue.js';
import { CatalogueClient } from './sync/catalogue-client.js';
import type { BoothConfig } from './config.js';
import { boothMigrations } from './db/migrations/index.js';
import type { BoothDb } from './db/schema.js';
import { loadDeviceKey, readIdentity, saveIdentity, type BoothIdentity, type DeviceKey } from './identity.js';
import { describeCapture } from './capture/plan.js';
import { ChecksService } from './checks/checks-service.js';
import { RecordingLock } from './capture/recording-lock.js';
import { buildStatusReport } from './faults/booth-status.js';
import { FaultReporter } from './faults/fault-reporter.js';
import { SqliteFaultStore } from './faults/fault-store.js';
import { readAppVersion } from './fleet/app-version.js';
import { BoothActivity } from './fleet/activity.js';
import { FleetAgent, liveTarget } from './fleet/fleet-agent.js';
import { checksEngines } from './kiosk/checks-adapter.js';
import { CatalogueCustomerDirectory } from './kiosk/catalogue-customers.js';
import { CatalogueProductSource } from './kiosk/catalogue-products.js';
import { ConfigCustomerDirectory } from './kiosk/customers.js';
import { KioskFlowService } from './kiosk/flow-service.js';
import { ConfigProductSource } from './kiosk/products.js';
import { SessionService } from './session-service.js';
import { RemoteAssist } from './sfu/remote-assist.js';
import { recordingStatusOf } from './sfu/recording-status.js';
import { ServerClient, ServerRejectedError } from './sync/server-client.js';
import { StatusReporter } from './sync/status-reporter.js';
import { SyncLoop } from './sync/sync-loop.js';
import { DiskGuard } from './vault/disk-guard.js';
import { Purger } from './vault/purger.js';
import { SegmentStore } from './vault/segment-store.js';

export interface BoothEvents {
  event: [BoothEvent];
  /** Camera preview JPEGs while recording (FFmpeg owns the camera; the kiosk shows these). */
  preview: [Buffer];
  /** Camera gray frames for face checks. */
  face: [Buffer];
  /** 16 kHz mono s16le PCM for speech checks. */
  pcm: [Buffer];
}

/**
 * The booth composition root: database, device key, enrollment, capture sessions, sync and the
 * kiosk bridge. Used by `dualrec booth`, the Electron main process and the tests.
 */
export class Booth extends EventEmitter<BoothEvents> {
  private identity: BoothIdentity | null;
  private bridge: BridgeServer | null = null;
  private enrollTimer: NodeJS.Timeout | null = null;
  private stateTimer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Remote assistance (SFU room of this booth), when `remote.enabled`. */
  private remote: RemoteAssist | null = null;
  /** Vault parts (disk guard, purger, segment rows), set by create(). */
  private vault: { guard: DiskGuard; purger: Purger; segments: SegmentStore } | null = null;
  /** The offline product catalogue, set by create(). */
  private cat: BoothCatalogue | null = null;
  /** Face and speech checks, set by create(). */
  private checks: ChecksService | null = null;
  /** Remote config and update gating (issue 10), set by create(). */
  private fleetAgent: FleetAgent | null = null;
  /** The kiosk's guided session flow, set by create(). */
  private flow: KioskFlowService | null = null;

  private constructor(
    readonly config: BoothConfig,
    readonly ffmpeg: FfmpegInfo,
    private readonly db: Kysely<BoothDb>,
    /** Null when it is missing or damaged on an enrolled booth (the `key.missing` fault). */
    private readonly deviceKey: DeviceKey | null,
    identity: BoothIdentity | null,
    private readonly client: ServerClient,
    private readonly sessions: SessionService,
    private readonly sync: SyncLoop,
    readonly faults: FaultReporter,
    private readonly log: Logger,
  ) {
    super();
    this.identity = identity;
  }

  static async create(local: BoothConfig, opts: { log?: Logger } = {}): Promise<Booth> {
    const log = (opts.log ?? createLogger('booth')).child({ booth: local.name });
    // The booth runs its local config with the remote settings it last applied on top.
    const fleet = await FleetAgent.boot(local, log.child({ part: 'fleet' }));
    const config = fleet.effective.config;
    const ffmpeg = await resolveFfmpeg(config.ffmpegPath);
    log.info({ ffmpeg: ffmpeg.ffmpeg, source: ffmpeg.source, version: ffmpeg.version }, 'ffmpeg resolved');
    const dirs = { vault: join(config.dataDir, 'vault'), spool: join(config.dataDir, 'spool') };
    mkdirSync(dirs.vault, { recursive: true, mode: 0o700 });
    mkdirSync(dirs.spool, { recursive: true, mode: 0o700 });
    const db = await openSqlite<BoothDb>(join(config.dataDir, 'booth.sqlite'), boothMigrations, { synchronous: 'FULL' });
    try {
      const identity = await readIdentity(db);
      // An enrolled booth never makes itself a new key: the server would refuse what it signed.
      const keyLoad = loadDeviceKey(config.dataDir, { create: identity === null });
      const deviceKey = keyLoad.ok ? keyLoad.key : null;
      const client = new ServerClient(identity?.serverUrl ?? config.server.url, identity?.token ?? null, config.sync.requestTimeoutMs);
      let booth: Booth | null = null;
      const faults = new FaultReporter(new SqliteFaultStore(db), log.child({ part: 'faults' }));
      await faults.load();
      if (keyLoad.ok) faults.clear('key.missing');
      else {
        log.error({ path: keyLoad.path, reason: keyLoad.reason }, 'device key missing: no new session can start');
        faults.raise({ kind: 'key.missing', severity: 'critical', sessionId: null, message: `This booth's signing key is missing or damaged (${keyLoad.reason}). New recordings cannot start; recordings already sealed still upload. IT: restore ${keyLoad.path} from the booth's backup and restart the booth.` });
      }
      const segments = new SegmentStore(db);
      const v = config.vault;
      const floors = { warnBytes: v.warnFreeBytes, refuseBytes: v.refuseFreeBytes, stopBytes: v.stopFreeBytes };
      const guard = new DiskGuard({ dataDir: config.dataDir, vaultDir: dirs.vault, spoolDir: dirs.spool, quotaBytes: v.quotaBytes, floors, checkEveryMs: v.checkEveryMs }, segments, faults, log.child({ part: 'disk' }));
      const purger = new Purger(db, segments, { vaultDir: dirs.vault, spoolDir: dirs.spool, retentionMs: v.retentionHours * 3_600_000, everyMs: v.purgeEveryMs }, log.child({ part: 'purge' }));
      const reporter = new StatusReporter(client, new SqliteFaultStore(db), async () => ({ ...(await buildStatusReport(db, segments, guard.status, faults.active().length)), fleet: await fleet.heartbeat() }), config.sync.statusEveryMs, log.child({ part: 'report' }), faults, config.sync.maxClockSkewSec * 1000);
      const lock = new RecordingLock(join(config.dataDir, 'recording.lock'), log);
      const sessions = new SessionService(db, dirs, ffmpeg, config.capture, () => booth?.identity ?? null, deviceKey, faults, lock, log, fleet.guard(guard));
      const c = config.sync;
      const syncOpts = {
        pollMs: c.pollMs,
        backoff: { baseMs: c.backoffBaseMs, maxMs: c.backoffMaxMs },
        parallelSessions: c.parallelSessions,
        maxBytesPerSec: c.maxBytesPerSec,
        uploadFailingAfterMs: c.uploadFailingAfterSec * 1000,
      };
      const sync = new SyncLoop(db, dirs.vault, client, syncOpts, faults, log.child({ part: 'sync' }), reporter);
      booth = new Booth(config, ffmpeg, db, deviceKey, identity, client, sessions, sync, faults, log);
      booth.vault = { guard, purger, segments };
      const catalogueClient = new CatalogueClient({ baseUrl: () => client.baseUrl, token: () => booth?.identity?.token ?? null, timeoutMs: config.sync.requestTimeoutMs });
      booth.cat = await BoothCatalogue.open({ dir: join(config.dataDir, 'catalogue'), client: catalogueClient, refreshEveryMs: config.catalogue.refreshEveryMs, log: log.child({ part: 'catalogue' }), faults });
      if (config.remote.enabled) {
        const remote = new RemoteAssist(client, config.remote, async () => recordingStatusOf(await sessions.view()), faults, log.child({ part: 'remote' }));
        booth.remote = remote;
        sessions.live = () => remote.live();
      }
      booth.fleetAgent = fleet;
      const activity = new BoothActivity(sessions);
      fleet.attach({
        db,
        sessions: activity,
        appVersion: readAppVersion(),
        credentials: () => (booth.identity ? { serverUrl: booth.identity.serverUrl, token: booth.identity.token } : null),
        target: liveTarget({ sessions, guard, sync }),
      });
      fleet.config.on('change', () => {
        booth.changed();
        reporter.statusNow();
      });
      // Issue 6 seams: customers from the server's directory (ID numbers, enrolled booth), else the config list; products from the cached catalogue when it has playable ones, else the config.
      const k = config.kiosk;
      const configProducts = new ConfigProductSource(k.products, k.contentDir ?? join(config.dataDir, 'content'), ffmpeg);
      const products = new CatalogueProductSource(booth.cat, () => booth.identity !== null, configProducts, ffmpeg);
      const customers = new CatalogueCustomerDirectory(booth.cat, () => booth.identity !== null, new ConfigCustomerDirectory(k.customers));
      const flow = new KioskFlowService({ db, config: k, sessions, faults, customers, products, log: log.child({ part: 'kiosk' }) });
      booth.flow = flow;
      activity.watchFlow(flow);
      sessions.setTimelineSource((sessionId) => flow.timelineFor(sessionId));
      flow.on('change', () => booth.changed());
      await flow.recover();
      faults.on('change', () => {
        booth.changed();
        faults.flush().then(() => sync.reportNow(), (err: unknown) => log.error({ err }, 'cannot flush faults'));
      });
      sessions.on('sealed', () => {
        guard.check().then(undefined, (err: unknown) => log.error({ err }, 'disk check failed'));
      });
      guard.start();
      sessions.on('change', () => booth.changed());
      sessions.on('sealed', () => sync.kick());
      sessions.on('preview', (j) => booth.emit('preview', j));
      sessions.on('face', (f) => booth.emit('face', f));
      sessions.on('pcm', (p) => booth.emit('pcm', p));
      sync.on('change', () => booth.changed());
      const taps = config.capture.taps;
      booth.checks = new ChecksService(config.checks, db, sessions, { width: taps.faceWidth, height: taps.faceHeight }, log.child({ part: 'checks' }));
      booth.checks.on('event', (event, view) => booth.emit('event', { type: 'check', event, view }));
      booth.checks.warmUp();
      // Issue 7's engines decide the flow's checks (the seams table in docs/ARCHITECTURE.md).
      const ch = config.checks;
      if (ch.enabled && ch.kiosk) {
        const enrolled = (customerId: string) => customers.faceDescriptors(customerId);
        flow.attachEngines(checksEngines(booth.checks, { enrolled, policy: ch.policy, windowSec: k.confirmationWindowSec, speech: ch.speech.kwsModelDir !== null }));
      }
      if (identity) {
        await sessions.recoverInterrupted();
        purger.start();
        sync.start();
        booth.cat.start();
        fleet.start();
      } else {
        await booth.enrollWithRetry(0);
      }
      if (config.bridge.enabled) booth.bridge = await BridgeServer.start(booth, config.bridge, log.child({ part: 'bridge' }));
      return booth;
    } catch (err) {
      await db.destroy();
      throw err;
    }
  }

  get boothId(): string | null {
    return this.identity?.boothId ?? null;
  }

  /** The product catalogue cached on this booth (plays offline). */
  get catalogue(): BoothCatalogue {
    if (!this.cat) throw new DualrecError('booth.not_ready', 'the booth catalogue is not open');
    return this.cat;
  }

  /** A verified content file of the cached catalogue (the bridge serves it to the kiosk). */
  catalogueContent(sha256: string): Promise<{ path: string; ref: { sha256: string; bytes: number; mime: string } }> {
    return this.catalogue.content(sha256);
  }

  /** Remote config and update gating; main/updater.ts installs through `fleet.updates`. */
  get fleet(): FleetAgent {
    if (!this.fleetAgent) throw new DualrecError('booth.not_ready', 'the booth has not finished starting');
    return this.fleetAgent;
  }

  /** The kiosk's guided session flow (check engines attach here: `booth.kiosk.attachEngines`). */
  get kiosk(): KioskFlowService {
    if (this.flow === null) throw new DualrecError('booth.not_ready', 'the booth has not finished starting');
    return this.flow;
  }

  /** Absolute path of a product's disclosure video, for the bridge and Electron's content scheme. */
  disclosureFile(productId: string): Promise<string> {
    return this.kiosk.disclosureFile(productId);
  }

  /** URL of the kiosk bridge (browser mode), or null when disabled. */
  get bridgeUrl(): string | null {
    return this.bridge?.url ?? null;
  }

  /** Handles one kiosk request. The request is validated here, whatever transport brought it. */
  async handle(raw: unknown): Promise<BoothResponses[BoothRequest['type']]> {
    const parsed = BoothRequest.safeParse(raw);
    if (!parsed.success) throw new ValidationError('request.invalid', `invalid booth request: ${describeIssues(parsed.error.issues)}`);
    const req = parsed.data;
    if ((req.type === 'startSession' || req.type === 'stopSession') && this.kiosk.ownsRecording()) {
      throw new ConflictError('flow.owns_recording', 'the kiosk flow is recording; staff abort it from the staff controls');
    }
    switch (req.type) {
      case 'getState':
        return this.state();
      case 'startSession':
        await this.remote?.prepare();
        return this.sessions.start(req.productId);
      case 'remoteTicket':
        return { remote: (await this.remote?.kioskTicket()) ?? null };
      case 'stopSession':
        return this.sessions.stop();
      case 'getCatalogue':
        return this.catalogue.view();
      case 'getProduct':
        return (await this.catalogue.product(req.productId)).entry;
      case 'lookupCustomer':
        return this.catalogue.lookupCustomer({ idDocument: req.idDocument });
      case 'startChecks':
      case 'verifyFace':
      case 'disclosureEnded':
      case 'getChecks':
        if (!this.checks) throw new ValidationError('checks.unavailable', 'the checks are not set up');
        return this.checks.handle(req);
      case 'flow':
        return this.kiosk.act(req.action);
      default: {
        const unreachable: never = req;
        throw new ValidationError('request.unknown', `unknown booth request ${JSON.stringify(unreachable)}`);
      }
    }
  }

  async state(): Promise<BoothState> {
    const backlog = await (this.vault?.segments ?? new SegmentStore(this.db)).backlog();
    const sync = this.sync.state;
    return {
      boothName: this.config.name,
      boothId: this.boothId,
      captureSource: this.captureSource(),
      session: await this.sessions.view(),
      sync: { online: sync.online, pendingSegments: backlog.segments, pendingBytes: backlog.bytes, lastError: sync.lastError },
      faults: this.faults.active(),
      kiosk: this.kiosk.view(),
    };
  }

  private captureSource(): string {
    try {
      return describeCapture(this.fleetAgent?.effective.config.capture ?? this.config.capture);
    } catch (err) {
      return `invalid capture selection: ${(err as Error).message}`;
    }
  }

  /** Enrolls with the configured one-time code, retrying with backoff while the server is unreachable. */
  private async enrollWithRetry(attempt: number): Promise<void> {
    const code = this.config.server.enrollmentCode;
    if (!code) {
      this.log.warn('booth is not enrolled and no server.enrollmentCode is configured; sessions cannot start');
      return;
    }
    // Unreachable in practice: a booth not enrolled makes its key when it is missing.
    if (!this.deviceKey) return void this.log.error('cannot enroll without a device key');
    try {
      const res = await this.client.enroll({ code, name: this.config.name, publicKey: this.deviceKey.publicKeyDer.toString('base64') });
      const der = Buffer.from(res.archivePublicKey, 'base64');
      if (archiveKeyId(der) !== res.archiveKeyId) throw new DualrecError('enroll.bad_key', 'the server sent an archive key whose fingerprint does not match');
      const pinned = this.config.server.archiveKeyId;
      if (pinned && pinned !== res.archiveKeyId) {
        throw new DualrecError('enroll.key_not_pinned', `the server's archive key ${res.archiveKeyId.slice(0, 16)}… is not the one configured in server.archiveKeyId (${pinned.slice(0, 16)}…); refusing to enroll`);
      }
      const identity: BoothIdentity = { boothId: res.boothId, token: res.token, archivePublicKeyDer: der, archiveKeyId: res.archiveKeyId, serverUrl: this.client.baseUrl };
      await saveIdentity(this.db, identity);
      this.identity = identity;
      this.client.setToken(res.token);
      this.log.info({ boothId: res.boothId }, 'booth enrolled');
      this.vault?.purger.start();
      this.sync.start();
      this.cat?.start();
      this.fleetAgent?.start();
      this.changed();
    } catch (err) {
      if (this.closed) return;
      // Rejections that a retry cannot fix: a bad or used code, or an archive key that is not the pinned one.
      const permanent = (err instanceof ServerRejectedError && err.permanent) || (err instanceof DualrecError && err.code.startsWith('enroll.'));
      if (permanent) {
        this.log.error({ err: (err as Error).message }, 'enrollment refused; fix the configuration and restart the booth');
        // At start-up the caller (CLI, Electron) shows the reason; from a retry timer there is no caller.
        if (attempt === 0) throw err;
        return;
      }
      const delay = backoffDelay(attempt, { baseMs: 1000, maxMs: 60_000 });
      this.log.warn({ err: (err as Error).message, retryInMs: delay }, 'enrollment failed; retrying');
      this.enrollTimer = setTimeout(() => {
        this.enrollWithRetry(attempt + 1).catch((e: unknown) => this.log.error({ err: e }, 'enrollment retry failed'));
      }, delay);
    }
  }

  /** Coalesces state changes into one `state` event per 100 ms. */
  private changed(): void {
    if (this.stateTimer || this.closed) return;
    this.stateTimer = setTimeout(() => {
      this.stateTimer = null;
      this.state().then(
        (state) => this.emit('event', { type: 'state', state }),
        (err: unknown) => this.log.error({ err }, 'cannot read booth state'),
      );
    }, 100);
  }

  /** Stops any recording (keeping what is sealed), the sync loop and the bridge. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.enrollTimer) clearTimeout(this.enrollTimer);
    if (this.stateTimer) clearTimeout(this.stateTimer);
    await this.bridge?.close();
    await this.cat?.close();
    await this.vault?.guard.close();
    await this.vault?.purger.close();
    await this.flow?.close();
    await this.sessions.close();
    await this.checks?.close();
    await this.remote?.leave();
    await this.fleetAgent?.close();
    await this.sync.close();
    await this.faults.flush();
    await this.db.destroy();
  }
}
