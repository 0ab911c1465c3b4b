import type { Kysely, Selectable } from 'kysely';
import { IntegrityError, NotFoundError, describeIssues } from '../../../core/errors.js';
import { screenshotMatch } from '../../../core/review/screenshot-match.js';
import { ScreenshotView, type FaceSummary } from '../../../protocol/review.js';
import type { ServerDb } from '../../db/schema.js';
import type { DerivedFile } from '../../evidence/evidence-files.js';
import type { BlobStore } from '../../storage/blob-store.js';
import type { Screenshots } from '../ports.js';

type Row = Selectable<ServerDb['screenshots']>;

function view(r: Row): ScreenshotView {
  let flags: unknown;
  try {
    flags = JSON.parse(r.flags_json);
  } catch {
    flags = null;
  }
  const v = ScreenshotView.safeParse({
    screenshotId: String(r.screenshot_id),
    sessionId: r.session_id,
    atSec: Number(r.at_sec),
    at: r.at,
    width: Number(r.width),
    height: Number(r.height),
    faces: r.faces === null ? null : Number(r.faces),
    distance: r.distance === null ? null : Number(r.distance),
    flags,
  });
  if (!v.success) throw new IntegrityError('screenshot.bad_row', `stored screenshot ${r.screenshot_id} does not validate: ${describeIssues(v.error.issues)}`);
  return v.data;
}

/** The screenshots port over table screenshots and the blob store. */
export class DbScreenshots implements Screenshots {
  constructor(
    private readonly db: Kysely<ServerDb>,
    private readonly store: BlobStore,
  ) {}

  async list(sessionId: string): Promise<ScreenshotView[]> {
    const rows = await this.db.selectFrom('screenshots').selectAll().where('session_id', '=', sessionId).orderBy('at_sec').execute();
    return rows.map(view);
  }

  async image(sessionId: string, screenshotId: string): Promise<Buffer> {
    const id = Number(screenshotId);
    const row = Number.isSafeInteger(id) ? await this.db.selectFrom('screenshots').select(['storage_key', 'sha256']).where('screenshot_id', '=', id).where('session_id', '=', sessionId).executeTakeFirst() : undefined;
    if (!row) throw new NotFoundError('screenshot.unknown', `session ${sessionId} has no screenshot ${screenshotId}`);
    return this.store.get(row.storage_key);
  }

  async latest(sessionIds: readonly string[]): Promise<Map<string, ScreenshotView>> {
    const out = new Map<string, ScreenshotView>();
    if (sessionIds.length === 0) return out;
    const rows = await this.db
      .selectFrom('screenshots as s')
      .selectAll('s')
      .where('s.session_id', 'in', [...sessionIds])
      .where((eb) => eb('s.at_sec', '=', eb.selectFrom('screenshots as t').select((t) => t.fn.max('t.at_sec').as('m')).whereRef('t.session_id', '=', 's.session_id')))
      .execute();
    for (const r of rows) out.set(r.session_id, view(r));
    return out;
  }
}

/**
 * A session's screenshots as evidence files (`screenshot-<ms>.jpg`), so retention protects them,
 * deletion removes them and the export package carries them with the derived files.
 */
export async function listScreenshotFiles(db: Kysely<ServerDb>, sessionId: string): Promise<DerivedFile[]> {
  const rows = await db.selectFrom('screenshots').select(['at_sec', 'storage_key', 'sha256', 'bytes']).where('session_id', '=', sessionId).orderBy('at_sec').execute();
  return rows.map((r) => ({ kind: `screenshot-${String(Math.round(Number(r.at_sec) * 1000)).padStart(9, '0')}`, key: r.storage_key, sha256: r.sha256, bytes: Number(r.bytes), mediaType: 'image/jpeg' }));
}

/**
 * Puts the machine review's face distances on a session's screenshots (core/review/screenshot-match.ts):
 * the nearest measured face-pass sample within `withinSec`, and `face_mismatch` above the threshold.
 * Returns how many screenshots changed.
 */
export async function matchScreenshots(db: Kysely<ServerDb>, sessionId: string, face: FaceSummary, withinSec: number): Promise<number> {
  const rows = await db.selectFrom('screenshots').selectAll().where('session_id', '=', sessionId).execute();
  let changed = 0;
  for (const r of rows) {
    const v = view(r);
    const m = screenshotMatch(v.atSec, v.faces, v.flags, face.samples, face.threshold, withinSec);
    if (m.distance === v.distance && JSON.stringify(m.flags) === JSON.stringify(v.flags)) continue;
    await db.updateTable('screenshots').set({ distance: m.distance, flags_json: JSON.stringify(m.flags) }).where('screenshot_id', '=', r.screenshot_id).execute();
    changed++;
  }
  return changed;
}
