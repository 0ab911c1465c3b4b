import type { Kysely } from 'kysely';
import type { DiskFloors } from '../../core/disk-policy.js';
import type { FleetHeartbeat } from '../../protocol/fleet.js';
import type { Logger } from '../../platform/log.js';
import type { BoothConfig, CaptureConfig } from '../config.js';
import type { BoothDb } from '../db/schema.js';
import type { SessionGuard } from '../vault/disk-guard.js';
import { bootConfig, ConfigAgent, type BootedConfig, type ConfigTarget } from './config-agent.js';
import { FleetClient, type BoothCredentials } from './fleet-client.js';
import { FleetStateStore } from './fleet-state.js';
import { IdleMonitor } from './idle.js';
import type { EffectiveConfig } from './settings.js';
import { FleetStartGate } from './start-gate.js';
import { BoothUpdates, type ChangeSource } from './updates.js';

/** Puts a new config into the running services: capture for the next session, disk floors, the upload cap. */
export function liveTarget(s: {
  sessions: { setCapture(c: CaptureConfig): void };
  guard: { setFloors(f: DiskFloors): void };
  sync: { setMaxBytesPerSec(n: number | null): void };
}): ConfigTarget {
  return {
    apply: ({ config: c }) => {
      s.sessions.setCapture(c.capture);
      s.guard.setFloors({ warnBytes: c.vault.warnFreeBytes, refuseBytes: c.vault.refuseFreeBytes, stopBytes: c.vault.stopFreeBytes });
      s.sync.setMaxBytesPerSec(c.sync.maxBytesPerSec);
    },
  };
}

export interface FleetAttachDeps {
  db: Kysely<BoothDb>;
  /** The session service: busy while a session starts or records; `change` when that changes. */
  sessions: { readonly busy: boolean } & ChangeSource;
  credentials: BoothCredentials;
  target: ConfigTarget;
  appVersion: string;
}

/**
 * The booth's fleet side (issue 10), in two steps because the booth's services are built from its
 * output: `boot` reads the stored remote config before they exist (so they start with it), then
 * `attach` connects it to them: the session start gate, the config agent and the update port.
 */
export class FleetAgent {
  private agent: ConfigAgent | null = null;
  private port: BoothUpdates | null = null;
  private deps: FleetAttachDeps | null = null;
  private idle: IdleMonitor | null = null;
  private gate = new FleetStartGate(null);

  private constructor(
    private readonly base: BoothConfig,
    private readonly booted: BootedConfig,
    private readonly log: Logger,
  ) {}

  static async boot(base: BoothConfig, log: Logger): Promise<FleetAgent> {
    return new FleetAgent(base, await bootConfig(base, new FleetStateStore(base.dataDir), log), log);
  }

  /** The config the booth runs with now. */
  get effective(): EffectiveConfig {
    return this.agent?.effective ?? this.booted.effective;
  }

  /** The gate to hand the session service in place of `guard` (it asks `guard` first). */
  guard(guard: SessionGuard): FleetStartGate {
    this.gate = new FleetStartGate(guard);
    return this.gate;
  }

  attach(deps: FleetAttachDeps): void {
    this.deps = deps;
    const c = this.base.sync;
    const client = new FleetClient(deps.credentials, c.requestTimeoutMs);
    const idle = new IdleMonitor(deps.db, deps.sessions, this.gate, this.base.fleet.idleQuietSec * 1000);
    this.idle = idle;
    this.agent = new ConfigAgent({ base: this.base, store: new FleetStateStore(this.base.dataDir), client, idle, target: deps.target, pollMs: this.base.fleet.configPollMs, log: this.log }, this.booted);
    this.port = new BoothUpdates(deps.credentials, idle, deps.sessions, client, this.log.child({ part: 'updates' }));
    deps.sessions.on('change', () => {
      if (!deps.sessions.busy) this.agent?.kick().catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'remote config round failed'));
    });
  }

  /** Starts pulling remote config (once enrolled). */
  start(): void {
    this.agent?.start();
  }

  get config(): ConfigAgent {
    if (!this.agent) throw new Error('fleet agent not attached');
    return this.agent;
  }

  /** The port the Electron updater uses. */
  get updates(): BoothUpdates {
    if (!this.port) throw new Error('fleet agent not attached');
    return this.port;
  }

  /** The fleet part of the status report; also delivers update outcomes that are still unsent. */
  async heartbeat(): Promise<FleetHeartbeat> {
    const deps = this.deps;
    if (!deps || !this.agent || !this.port || !this.idle) throw new Error('fleet agent not attached');
    await this.port.flush();
    const capture = this.effective.config.capture;
    return {
      appVersion: deps.appVersion,
      devices: { camera: capture.camera, mic: capture.mic, screen: capture.screen },
      lastSession: await this.idle.lastSession(),
      config: this.agent.report,
      update: this.port.state,
    };
  }

  async close(): Promise<void> {
    await this.agent?.close();
  }
}
