import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadBoothConfig } from '../../booth/config.js';
import { boothMigrations } from '../../booth/db/migrations/index.js';
import type { BoothDb } from '../../booth/db/schema.js';
import { SqliteFaultStore } from '../../booth/faults/fault-store.js';
import { folderBytes, freeSpace } from '../../booth/vault/disk-guard.js';
import { SegmentStore, type Backlog } from '../../booth/vault/segment-store.js';
import { formatBytes } from '../../core/disk-policy.js';
import { ValidationError } from '../../core/errors.js';
import type { StoredSegmentState } from '../../core/segment-machine.js';
import { openSqlite } from '../../platform/db.js';
import type { Fault } from '../../protocol/faults.js';

export interface BoothStatusView {
  dataDir: string;
  boothId: string | null;
  backlog: Backlog & { oldestUnconfirmedAgeSec: number | null };
  byState: Partial<Record<StoredSegmentState, { segments: number; bytes: number }>>;
  disk: { freeBytes: number; vaultBytes: number; quotaBytes: number | null };
  /** Sessions the archive has not confirmed yet. */
  sessions: Array<{ sessionId: string; phase: string; segments: number; acknowledged: number; error: string | null }>;
  faults: Fault[];
}

/** Reads the booth's backlog, disk and faults from its data folder (the booth may be running). */
export async function readBoothStatus(dataDir: string, quotaBytes: number | null): Promise<BoothStatusView> {
  const dbPath = join(dataDir, 'booth.sqlite');
  if (!existsSync(dbPath)) throw new ValidationError('booth.no_data', `no booth database at ${dbPath}; pass --data or --config of an existing booth`);
  const db = await openSqlite<BoothDb>(dbPath, boothMigrations);
  try {
    const segments = new SegmentStore(db);
    const backlog = await segments.backlog();
    const identity = await db.selectFrom('booth_identity').select('booth_id').executeTakeFirst();
    const rows = await db
      .selectFrom('sessions')
      .leftJoin('segments', 'segments.session_id', 'sessions.session_id')
      .select((eb) => [
        'sessions.session_id',
        'sessions.phase',
        'sessions.error',
        eb.fn.count<number>('segments.seq').as('n'),
        eb.fn.sum<number>(eb.case().when('segments.state', 'in', ['acknowledged', 'purged']).then(1).else(0).end()).as('acked'),
      ])
      .where('sessions.archived_at', 'is', null)
      .groupBy(['sessions.session_id', 'sessions.phase', 'sessions.error'])
      .orderBy('sessions.created_at')
      .execute();
    const faults = await new SqliteFaultStore(db).loadActive();
    return {
      dataDir,
      boothId: identity?.booth_id ?? null,
      backlog: { ...backlog, oldestUnconfirmedAgeSec: backlog.oldestUnconfirmedAt ? Math.round((Date.now() - Date.parse(backlog.oldestUnconfirmedAt)) / 1000) : null },
      byState: await segments.countsByState(),
      disk: { freeBytes: await freeSpace(dataDir), vaultBytes: (await segments.bytesOnDisk()) + (await folderBytes(join(dataDir, 'spool'))), quotaBytes },
      sessions: rows.map((r) => ({ sessionId: r.session_id, phase: r.phase, segments: Number(r.n), acknowledged: Number(r.acked ?? 0), error: r.error })),
      faults,
    };
  } finally {
    await db.destroy();
  }
}

export function printBoothStatus(s: BoothStatusView): void {
  const b = s.backlog;
  console.log(`booth ${s.boothId ?? '(not enrolled)'} — data in ${s.dataDir}`);
  const age = b.oldestUnconfirmedAgeSec === null ? '' : `, oldest sealed ${formatAge(b.oldestUnconfirmedAgeSec)} ago`;
  console.log(`backlog: ${b.segments} segment(s), ${formatBytes(b.bytes)} not yet confirmed by the server${age}${b.quarantined ? `; ${b.quarantined} quarantined` : ''}`);
  const states = Object.entries(s.byState).map(([k, v]) => `${k} ${v.segments}`);
  console.log(`segments: ${states.length ? states.join(', ') : 'none'}`);
  console.log(`disk: ${formatBytes(s.disk.freeBytes)} free, vault ${formatBytes(s.disk.vaultBytes)}${s.disk.quotaBytes === null ? '' : ` of ${formatBytes(s.disk.quotaBytes)} quota`}`);
  if (s.sessions.length > 0) {
    console.log('sessions not yet archived:');
    for (const x of s.sessions) console.log(`  ${x.sessionId}  ${x.phase.padEnd(9)} ${x.acknowledged}/${x.segments} acknowledged${x.error ? `  (${x.error})` : ''}`);
  }
  if (s.faults.length === 0) {
    console.log('faults: none');
  } else {
    console.log('faults:');
    for (const f of s.faults) console.log(`  ${f.severity.toUpperCase().padEnd(8)} ${f.kind}${f.sessionId ? ` [${f.sessionId}]` : ''} x${f.count} since ${f.since}: ${f.message}`);
  }
}

function formatAge(sec: number): string {
  if (sec < 120) return `${sec} s`;
  if (sec < 7200) return `${Math.round(sec / 60)} min`;
  if (sec < 172_800) return `${Math.round(sec / 3600)} h`;
  return `${Math.round(sec / 86_400)} days`;
}

export function boothStatusCommand(setExit: (code: number) => void): Command {
  return new Command('status')
    .description("print the booth's upload backlog, disk and active faults (works while the booth runs)")
    .option('--config <file>', 'booth config JSON')
    .option('--data <dir>', 'booth data folder')
    .option('--json', 'print as JSON')
    .action(async (_opts: unknown, cmd: Command) => {
      // --config/--data may also land on the parent `booth` command, which has the same options.
      const o = cmd.optsWithGlobals<{ config?: string; data?: string; json?: boolean }>();
      const config = loadBoothConfig(o.config, { dataDir: o.data });
      const status = await readBoothStatus(config.dataDir, config.vault.quotaBytes);
      if (o.json) console.log(JSON.stringify(status, null, 2));
      else printBoothStatus(status);
      // Exit 2 when something needs attention: a critical fault or a quarantined segment.
      setExit(status.faults.some((f) => f.severity === 'critical') || status.backlog.quarantined > 0 ? 2 : 0);
    });
}
