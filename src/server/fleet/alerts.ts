import type { FaultSeverity } from '../../protocol/faults.js';
import type { FleetAlert, FleetBoothState, FleetBoothView } from '../../protocol/fleet.js';
import type { UpdateOutcome } from '../../protocol/fleet-releases.js';
import type { BoothStatusReport } from '../../protocol/server-api.js';

export interface AlertThresholds {
  /** No heartbeat for this long: `silent` (the booth reports every 30 s). */
  silentAfterSec: number;
  /** The oldest segment the server has not confirmed is older than this: `sync.stuck` (the backlog is not draining). */
  syncStuckAfterSec: number;
}

export const DEFAULT_THRESHOLDS: AlertThresholds = { silentAfterSec: 5 * 60, syncStuckAfterSec: 30 * 60 };

export interface AlertInput {
  now: number;
  enrolledAt: string;
  lastHeartbeatAt: string | null;
  status: BoothStatusReport | null;
  faults: FleetBoothView['faults'];
  config: FleetBoothView['config'];
  /** The booth's latest update outcome. */
  lastUpdate: { version: string; outcome: UpdateOutcome; message: string | null; at: string } | null;
}

const FAILED: readonly UpdateOutcome[] = ['download-failed', 'install-failed', 'start-failed'];
const RANK: Record<FaultSeverity, number> = { warning: 0, error: 1, critical: 2 };

/** The booth's fleet state: never reported, silent for too long, recording, or online. */
export function boothState(i: Pick<AlertInput, 'now' | 'lastHeartbeatAt' | 'status'>, t: AlertThresholds): FleetBoothState {
  if (i.lastHeartbeatAt === null) return 'new';
  if (i.now - Date.parse(i.lastHeartbeatAt) > t.silentAfterSec * 1000) return 'silent';
  return i.status?.recordingSessionId ? 'recording' : 'online';
}

/** What IT should look at on this booth, most severe first. */
export function deriveAlerts(i: AlertInput, t: AlertThresholds): FleetAlert[] {
  const alerts: FleetAlert[] = [];
  const since = i.lastHeartbeatAt ?? i.enrolledAt;
  const silentSec = Math.round((i.now - Date.parse(since)) / 1000);
  if (silentSec > t.silentAfterSec) {
    alerts.push({ kind: 'silent', severity: 'error', message: i.lastHeartbeatAt ? `no heartbeat for ${minutes(silentSec)}` : `enrolled ${minutes(silentSec)} ago and never reported` });
  }
  const s = i.status;
  if (s) {
    const free = s.disk.freeBytes === null ? 'unknown free space' : `${gib(s.disk.freeBytes)} free`;
    if (s.disk.level === 'warn') alerts.push({ kind: 'disk.nearly_full', severity: 'warning', message: `disk nearly full (${free})` });
    if (s.disk.level === 'refuse') alerts.push({ kind: 'disk.full', severity: 'error', message: `disk full: new sessions are refused (${free})` });
    if (s.disk.level === 'stop') alerts.push({ kind: 'disk.full', severity: 'critical', message: `disk full: recording stopped (${free})` });
    const age = s.backlog.oldestUnconfirmedAgeSec;
    if (age !== null && age > t.syncStuckAfterSec) {
      alerts.push({ kind: 'sync.stuck', severity: 'error', message: `failing to sync: ${s.backlog.segments} segments waiting, the oldest for ${minutes(age)}` });
    }
    if (s.backlog.quarantined > 0) alerts.push({ kind: 'sync.quarantined', severity: 'error', message: `${s.backlog.quarantined} segment(s) quarantined; an operator must look at the booth` });
  }
  if (i.faults.length > 0) {
    const worst = i.faults.reduce((a, f) => (RANK[f.severity] > RANK[a] ? f.severity : a), 'warning' as FaultSeverity);
    alerts.push({ kind: 'fault', severity: worst, message: `${i.faults.length} active fault(s): ${i.faults.map((f) => f.kind).join(', ')}` });
  }
  const rej = i.config.rejected;
  if (rej && rej.version === i.config.desiredVersion && rej.version !== i.config.appliedVersion) {
    alerts.push({ kind: 'config.rejected', severity: 'warning', message: `config version ${rej.version} was rejected: ${rej.reason}` });
  }
  const u = i.lastUpdate;
  if (u && FAILED.includes(u.outcome)) alerts.push({ kind: 'update.failed', severity: 'error', message: `update to ${u.version}: ${u.outcome}${u.message ? ` (${u.message})` : ''}` });
  return alerts.sort((a, b) => RANK[b.severity] - RANK[a.severity]);
}

function minutes(sec: number): string {
  return sec < 120 ? `${sec} s` : sec < 7200 ? `${Math.round(sec / 60)} min` : `${Math.round(sec / 3600)} h`;
}

function gib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}
