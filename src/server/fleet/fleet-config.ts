import type { Kysely } from 'kysely';
import { ForbiddenError, IntegrityError, NotFoundError } from '../../core/errors.js';
import { mergeFleetSettings } from '../../core/fleet.js';
import { describeIssues } from '../../core/errors.js';
import { FleetSettings, type BoothConfigResponse, type BoothFleetConfig, type ConfigLayerResponse, type ConfigLayerView, type ConfigScope, type SetFleetConfigRequest } from '../../protocol/fleet.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { AdminActor } from '../auth/admin-actor.js';
import { scopeCovers } from '../auth/staff-guard.js';
import type { ServerDb } from '../db/schema.js';
import { isUniqueViolation } from '../db/portable.js';

type ChangeRow = ServerDb['fleet_config_changes'] & { change_id: number };

const HISTORY = 50;

/** Who reads or changes fleet config: their branch scope decides which branches and booths. */
export type ScopedActor = Pick<AdminActor, 'scope' | 'name'>;

/**
 * Remote booth configuration: a branch layer and a booth layer, each versioned (a change is a new
 * row, never an update) and audited. A booth's effective settings are its branch layer with its
 * own layer on top; their version is the newer of the two layers' change ids, which only grows.
 */
export class FleetConfigService {
  constructor(
    private readonly db: Kysely<ServerDb>,
    private readonly audit: AuditLog,
  ) {}

  async branchLayer(actor: ScopedActor, branchId: string): Promise<ConfigLayerResponse> {
    await this.assertBranch(actor, branchId);
    return this.layer('branch', branchId);
  }

  async boothLayer(actor: ScopedActor, boothId: string): Promise<BoothConfigResponse> {
    const booth = await this.boothInScope(actor, boothId);
    const own = await this.layer('booth', boothId);
    const branch = booth.branch_id === null ? null : (await this.layer('branch', booth.branch_id)).current;
    return { ...own, branch, effective: effectiveOf(branch, own.current) };
  }

  async setBranch(actor: AdminActor, branchId: string, req: SetFleetConfigRequest): Promise<ConfigLayerView> {
    await this.assertBranch(actor, branchId);
    return this.append(actor, 'branch', branchId, branchId, req);
  }

  async setBooth(actor: AdminActor, boothId: string, req: SetFleetConfigRequest): Promise<ConfigLayerView> {
    const booth = await this.boothInScope(actor, boothId);
    return this.append(actor, 'booth', boothId, booth.branch_id, req);
  }

  /** What a booth pulls: its effective settings and their version. */
  async effectiveFor(booth: { boothId: string; branchId: string | null }): Promise<BoothFleetConfig> {
    const own = await this.current('booth', booth.boothId);
    const branch = booth.branchId === null ? null : await this.current('branch', booth.branchId);
    return effectiveOf(branch, own);
  }

  /** The desired config version of each booth (0: nothing set), for the fleet view. */
  async desiredVersions(booths: ReadonlyArray<{ boothId: string; branchId: string | null }>): Promise<Map<string, number>> {
    const latest = await this.db
      .selectFrom('fleet_config_changes')
      .select(['scope_kind', 'scope_id', (eb) => eb.fn.max('change_id').as('v')])
      .groupBy(['scope_kind', 'scope_id'])
      .execute();
    const of = new Map(latest.map((r) => [`${r.scope_kind}:${r.scope_id}`, Number(r.v)]));
    return new Map(booths.map((b) => [b.boothId, Math.max(of.get(`booth:${b.boothId}`) ?? 0, b.branchId === null ? 0 : (of.get(`branch:${b.branchId}`) ?? 0))]));
  }

  private async append(actor: AdminActor, scope: ConfigScope, scopeId: string, branchId: string | null, req: SetFleetConfigRequest): Promise<ConfigLayerView> {
    const createdAt = new Date().toISOString();
    for (let attempt = 0; ; attempt++) {
      try {
        const row = await this.db.transaction().execute(async (tx) => {
          const last = await tx.selectFrom('fleet_config_changes').select((eb) => eb.fn.max('layer_version').as('n')).where('scope_kind', '=', scope).where('scope_id', '=', scopeId).executeTakeFirst();
          const values = {
            scope_kind: scope,
            scope_id: scopeId,
            layer_version: Number(last?.n ?? 0) + 1,
            settings_json: JSON.stringify(req.settings),
            comment: req.comment ?? null,
            created_at: createdAt,
            created_by: actor.createdBy,
          };
          return tx.insertInto('fleet_config_changes').values(values).returningAll().executeTakeFirstOrThrow();
        });
        const view = toView(row as ChangeRow);
        await this.audit.append({ actor: actor.audit, action: 'fleet.config.set', target: `${scope}:${scopeId}`, branchId, details: { version: view.version, layerVersion: view.layerVersion, settings: req.settings, comment: req.comment ?? null } });
        return view;
      } catch (err) {
        // Two admins saving the same layer at once: the loser takes the next layer version.
        if (attempt < 3 && isUniqueViolation(err)) continue;
        throw err;
      }
    }
  }

  private async layer(scope: ConfigScope, scopeId: string): Promise<ConfigLayerResponse> {
    const rows = await this.db.selectFrom('fleet_config_changes').selectAll().where('scope_kind', '=', scope).where('scope_id', '=', scopeId).orderBy('change_id', 'desc').limit(HISTORY).execute();
    const history = rows.map((r) => toView(r as ChangeRow));
    return { current: history[0] ?? null, history };
  }

  private async current(scope: ConfigScope, scopeId: string): Promise<ConfigLayerView | null> {
    const r = await this.db.selectFrom('fleet_config_changes').selectAll().where('scope_kind', '=', scope).where('scope_id', '=', scopeId).orderBy('change_id', 'desc').limit(1).executeTakeFirst();
    return r ? toView(r as ChangeRow) : null;
  }

  private async assertBranch(actor: ScopedActor, branchId: string): Promise<void> {
    if (!scopeCovers(actor.scope, branchId)) throw new ForbiddenError('auth.branch', `${actor.name} may not configure branch ${branchId} (outside their branch scope)`);
    const b = await this.db.selectFrom('branches').select('branch_id').where('branch_id', '=', branchId).executeTakeFirst();
    if (!b) throw new NotFoundError('branch.not_found', `no branch ${branchId}`);
  }

  private async boothInScope(actor: ScopedActor, boothId: string): Promise<{ branch_id: string | null }> {
    const b = await this.db.selectFrom('booths').select(['booth_id', 'branch_id']).where('booth_id', '=', boothId).executeTakeFirst();
    if (!b) throw new NotFoundError('booth.not_found', `no booth ${boothId}`);
    const visible = b.branch_id === null ? actor.scope === '*' : scopeCovers(actor.scope, b.branch_id);
    if (!visible) throw new ForbiddenError('auth.branch', `${actor.name} may not configure booth ${boothId} (its branch is outside their scope)`);
    return b;
  }
}

function effectiveOf(branch: ConfigLayerView | null, own: ConfigLayerView | null): BoothFleetConfig {
  return { version: Math.max(branch?.version ?? 0, own?.version ?? 0), settings: mergeFleetSettings(branch?.settings ?? {}, own?.settings ?? {}) };
}

function toView(r: ChangeRow): ConfigLayerView {
  const parsed = FleetSettings.safeParse(JSON.parse(r.settings_json));
  if (!parsed.success) throw new IntegrityError('fleet.bad_config_row', `stored config version ${r.change_id} is invalid: ${describeIssues(parsed.error.issues)}`);
  return {
    scope: r.scope_kind,
    scopeId: r.scope_id,
    version: Number(r.change_id),
    layerVersion: r.layer_version,
    settings: parsed.data,
    comment: r.comment,
    createdAt: r.created_at,
    createdBy: r.created_by,
  };
}
