import { EventEmitter } from 'node:events';
import { DualrecError } from '../../core/errors.js';
import type { BoothFleetConfig, ConfigApplyState } from '../../protocol/fleet.js';
import type { Logger } from '../../platform/log.js';
import { PeriodicTask } from '../../platform/periodic.js';
import type { BoothConfig } from '../config.js';
import type { FleetClient } from './fleet-client.js';
import type { FleetStateFile, FleetStateStore } from './fleet-state.js';
import type { IdleMonitor } from './idle.js';
import { applyFleetSettings, type EffectiveConfig } from './settings.js';

/** Puts an effective config into the running services (capture for the next session, disk floors, upload cap). */
export interface ConfigTarget {
  apply(next: EffectiveConfig): void;
}

export interface ConfigAgentOptions {
  /** The booth's own config (file + overrides): remote settings always apply on top of this. */
  base: BoothConfig;
  store: FleetStateStore;
  client: FleetClient;
  idle: IdleMonitor;
  target: ConfigTarget;
  pollMs: number;
  log: Logger;
}

/** What the booth starts with: the stored state and its config with the applied settings, if they still fit. */
export interface BootedConfig {
  state: FleetStateFile;
  effective: EffectiveConfig;
}

/**
 * Reads the stored remote-config state before the booth builds its services. Applied settings that
 * no longer fit the local config (it was edited) are dropped and reported as rejected.
 */
export async function bootConfig(base: BoothConfig, store: FleetStateStore, log: Logger): Promise<BootedConfig> {
  let state = await store.read(log);
  if (state.applied) {
    try {
      return { state, effective: applyFleetSettings(base, state.applied.settings) };
    } catch (err) {
      const reason = `applied remote config no longer fits this booth's local config: ${(err as Error).message}`;
      log.error({ version: state.applied.version }, reason);
      state = { ...state, applied: null, rejected: { version: state.applied.version, reason: reason.slice(0, 2000), at: new Date().toISOString() } };
      await store.write(state);
    }
  }
  return { state, effective: { config: base, languages: null } };
}

/**
 * Pulls the booth's remote settings (ETag; a 304 costs nothing), and applies a new version at the
 * next idle moment (no session recording, the quiet time after the last one has passed) while new
 * sessions are held off. A version that does not validate against this booth's config is rejected
 * as a whole and reported (`rejected`); the booth keeps the config it runs. Applied and rejected
 * versions are stored, so a restart comes up with the applied settings (see `bootConfig`).
 */
export class ConfigAgent extends EventEmitter<{ change: [] }> {
  private readonly task: PeriodicTask<void>;
  private etag: string | null = null;
  private lastPoll = 0;
  private pending: BoothFleetConfig | null = null;
  /** Rejected since this process started: not tried again until a restart (the local config may have been fixed). */
  private rejectedNow: number | null = null;

  private state: FleetStateFile;
  private effectiveConfig: EffectiveConfig;

  constructor(
    private readonly opts: ConfigAgentOptions,
    booted: BootedConfig,
  ) {
    super();
    this.state = booted.state;
    this.effectiveConfig = booted.effective;
    this.task = new PeriodicTask(() => this.round(), Math.min(opts.pollMs, 1000), (err) => opts.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'remote config round failed; will retry'));
  }

  get effective(): EffectiveConfig {
    return this.effectiveConfig;
  }

  /** What the heartbeat reports. */
  get report(): ConfigApplyState {
    return { appliedVersion: this.state.applied?.version ?? null, pendingVersion: this.pending?.version ?? null, rejected: this.state.rejected };
  }

  start(): void {
    this.task.start();
  }

  /** Polls now and applies if it can (tests, and after a session ends). */
  kick(): Promise<void> {
    return this.task.run();
  }

  close(): Promise<void> {
    return this.task.close();
  }

  private async round(): Promise<void> {
    if (Date.now() - this.lastPoll >= this.opts.pollMs) {
      const res = await this.opts.client.config(this.etag);
      this.lastPoll = Date.now();
      if (res.changed) this.received(res.config, res.etag);
    }
    await this.tryApply();
  }

  private received(cfg: BoothFleetConfig, etag: string | null): void {
    this.etag = etag;
    const current = this.state.applied?.version ?? 0;
    if (cfg.version === current || cfg.version === this.rejectedNow) {
      this.pending = null;
      return;
    }
    this.opts.log.info({ version: cfg.version, applied: current }, 'remote config received; applying at the next idle moment');
    this.pending = cfg;
    this.emit('change');
  }

  private async tryApply(): Promise<void> {
    const next = this.pending;
    if (!next) return;
    let effective: EffectiveConfig;
    try {
      effective = applyFleetSettings(this.opts.base, next.settings);
    } catch (err) {
      await this.reject(next, (err as Error).message);
      return;
    }
    const release = await this.opts.idle.acquire('applying new settings', false);
    if (!release) return;
    const previous = this.effectiveConfig;
    try {
      try {
        this.opts.target.apply(effective);
      } catch (err) {
        // The setters refuse only while a session runs, which the hold rules out; if one refuses anyway, put everything back.
        this.opts.target.apply(previous);
        throw new DualrecError('config.apply_failed', `could not apply config version ${next.version}: ${(err as Error).message}`, undefined, { cause: err });
      }
      this.effectiveConfig = effective;
      this.state = { ...this.state, applied: { version: next.version, settings: next.settings, appliedAt: new Date().toISOString() } };
      this.pending = null;
      await this.opts.store.write(this.state);
    } finally {
      release();
    }
    this.opts.log.info({ version: next.version }, 'remote config applied');
    this.emit('change');
  }

  private async reject(cfg: BoothFleetConfig, reason: string): Promise<void> {
    this.opts.log.warn({ version: cfg.version, reason }, 'remote config rejected; keeping the applied one');
    this.state = { ...this.state, rejected: { version: cfg.version, reason: reason.slice(0, 2000), at: new Date().toISOString() } };
    this.rejectedNow = cfg.version;
    this.pending = null;
    await this.opts.store.write(this.state);
    this.emit('change');
  }
}
