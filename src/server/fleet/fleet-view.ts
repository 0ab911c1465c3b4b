import type { Kysely } from 'kysely';
import semver from 'semver';
import { FaultKind, FaultSeverity } from '../../protocol/faults.js';
import type { FleetBoothView, FleetListQuery, FleetListResponse } from '../../protocol/fleet.js';
import { UpdateOutcome } from '../../protocol/fleet-releases.js';
import { BoothStatusReport } from '../../protocol/server-api.js';
import type { BranchScope } from '../../protocol/staff.js';
import type { Logger } from '../../platform/log.js';
import type { ServerDb } from '../db/schema.js';
import { boothState, deriveAlerts, type AlertInput, type AlertThresholds } from './alerts.js';
import type { FleetConfigService } from './fleet-config.js';

/**
 * The console's fleet list: every booth in the caller's branch scope with its latest heartbeat,
 * active faults, desired and applied config versions, update state and derived alerts.
 */
export class FleetView {
  constructor(
    private readonly db: Kysely<ServerDb>,
    private readonly config: FleetConfigService,
    private readonly thresholds: AlertThresholds,
    private readonly log: Logger,
  ) {}

  async list(scope: BranchScope, query: FleetListQuery, now = Date.now()): Promise<FleetListResponse> {
    let q = this.db.selectFrom('booths').select(['booth_id', 'name', 'branch_id', 'enrolled_at']).orderBy('name').orderBy('booth_id');
    if (scope !== '*') q = q.where('branch_id', 'in', scope);
    if (query.branch) q = q.where('branch_id', '=', query.branch);
    const booths = await q.execute();
    const ids = booths.map((b) => b.booth_id);
    if (ids.length === 0) return { booths: [], generatedAt: new Date(now).toISOString() };
    const [statuses, faults, updates, desired] = await Promise.all([
      this.db.selectFrom('booth_status').selectAll().where('booth_id', 'in', ids).execute(),
      this.activeFaults(ids),
      this.lastUpdates(ids),
      this.config.desiredVersions(booths.map((b) => ({ boothId: b.booth_id, branchId: b.branch_id }))),
    ]);
    const statusOf = new Map(statuses.map((s) => [s.booth_id, s]));
    const views = booths.map((b): FleetBoothView => {
      const row = statusOf.get(b.booth_id);
      const status = row ? this.parseStatus(b.booth_id, row.status_json) : null;
      const hb = status?.fleet;
      const config = { desiredVersion: desired.get(b.booth_id) ?? 0, appliedVersion: hb?.config.appliedVersion ?? null, pendingVersion: hb?.config.pendingVersion ?? null, rejected: hb?.config.rejected ?? null };
      const input: AlertInput = { now, enrolledAt: b.enrolled_at, lastHeartbeatAt: row?.received_at ?? null, status, faults: faults.get(b.booth_id) ?? [], config, lastUpdate: updates.get(b.booth_id) ?? null };
      return {
        boothId: b.booth_id,
        name: b.name,
        branchId: b.branch_id,
        enrolledAt: b.enrolled_at,
        state: boothState(input, this.thresholds),
        lastHeartbeatAt: input.lastHeartbeatAt,
        appVersion: hb?.appVersion ?? null,
        devices: hb?.devices ?? null,
        disk: status ? { freeBytes: status.disk.freeBytes, vaultBytes: status.disk.vaultBytes, level: status.disk.level } : null,
        backlog: status ? { segments: status.backlog.segments, bytes: status.backlog.bytes, quarantined: status.backlog.quarantined, oldestUnconfirmedAgeSec: status.backlog.oldestUnconfirmedAgeSec } : null,
        recordingSessionId: status?.recordingSessionId ?? null,
        lastSession: hb?.lastSession ?? null,
        faults: input.faults,
        config,
        update: hb?.update ?? null,
        alerts: deriveAlerts(input, this.thresholds),
      };
    });
    const keep = views.filter((v) => {
      if (query.version && (v.appVersion === null || !semver.eq(v.appVersion, query.version))) return false;
      if (query.state === 'alerting') return v.alerts.length > 0;
      return !query.state || v.state === query.state;
    });
    return { booths: keep, generatedAt: new Date(now).toISOString() };
  }

  /** A stored status that no longer parses is logged and shown as no status, never a failed list. */
  private parseStatus(boothId: string, json: string): BoothStatusReport | null {
    const r = BoothStatusReport.safeParse(JSON.parse(json));
    if (!r.success) {
      this.log.warn({ boothId, issues: r.error.issues.slice(0, 3) }, 'stored booth status does not parse');
      return null;
    }
    return r.data;
  }

  /** Faults whose latest delivered version is not cleared, per booth (one per kind and session). */
  private async activeFaults(ids: string[]): Promise<Map<string, FleetBoothView['faults']>> {
    const rows = await this.db
      .selectFrom('booth_faults as f')
      .select(['f.booth_id', 'f.kind', 'f.severity', 'f.message', 'f.count', 'f.since', 'f.session_key', 'f.fault_id'])
      .where('f.booth_id', 'in', ids)
      .where('f.cleared', '=', 0)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('booth_faults as c')
              .select('c.fault_id')
              .whereRef('c.booth_id', '=', 'f.booth_id')
              .whereRef('c.kind', '=', 'f.kind')
              .whereRef('c.session_key', '=', 'f.session_key')
              .whereRef('c.since', '=', 'f.since')
              .where('c.cleared', '=', 1),
          ),
        ),
      )
      .orderBy('f.fault_id')
      .execute();
    const latest = new Map<string, (typeof rows)[number]>();
    for (const r of rows) latest.set(`${r.booth_id}\n${r.kind}\n${r.session_key}`, r);
    const out = new Map<string, FleetBoothView['faults']>();
    for (const r of latest.values()) {
      const kind = FaultKind.safeParse(r.kind);
      const severity = FaultSeverity.safeParse(r.severity);
      if (!kind.success || !severity.success) continue;
      const list = out.get(r.booth_id) ?? [];
      list.push({ kind: kind.data, severity: severity.data, message: r.message, count: r.count, since: r.since });
      out.set(r.booth_id, list);
    }
    return out;
  }

  private async lastUpdates(ids: string[]): Promise<Map<string, NonNullable<AlertInput['lastUpdate']>>> {
    const rows = await this.db
      .selectFrom('fleet_update_events')
      .selectAll()
      .where('event_id', 'in', (eb) => eb.selectFrom('fleet_update_events').select((e) => e.fn.max('event_id').as('id')).where('booth_id', 'in', ids).groupBy('booth_id'))
      .execute();
    const out = new Map<string, NonNullable<AlertInput['lastUpdate']>>();
    for (const r of rows) {
      const outcome = UpdateOutcome.safeParse(r.outcome);
      if (outcome.success) out.set(r.booth_id, { version: r.version, outcome: outcome.data, message: r.message, at: r.at });
    }
    return out;
  }
}
