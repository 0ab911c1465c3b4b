import type { Kysely } from 'kysely';
import { IntegrityError, describeIssues } from '../../../core/errors.js';
import type { FaultDuring } from '../../../core/review/machine-rules.js';
import { DEFAULT_FACE_MODEL, FaceDescriptor } from '../../../protocol/customers.js';
import { SessionManifest } from '../../../protocol/envelope.js';
import { archiveKeys, parseArchiveRecord } from '../../archive/archive-record.js';
import type { ServerDb } from '../../db/schema.js';
import type { BlobStore } from '../../storage/blob-store.js';

export interface ArchivedInputs {
  sessionId: string;
  boothId: string;
  manifest: SessionManifest;
  mp4Key: string;
  mp4Sha256: string;
}

/** The archived session's recording and its signed manifest (from record.json); ConflictError-free: it must be archived. */
export async function readArchivedInputs(db: Kysely<ServerDb>, store: BlobStore, sessionId: string): Promise<ArchivedInputs> {
  const a = await db.selectFrom('archives').select(['mp4_key', 'mp4_sha256']).where('session_id', '=', sessionId).executeTakeFirst();
  if (!a) throw new IntegrityError('review.not_archived', `session ${sessionId} is not archived; there is nothing to review`);
  const key = archiveKeys(sessionId).record;
  const record = parseArchiveRecord(await store.get(key), key);
  const m = SessionManifest.safeParse(record.manifest);
  if (!m.success) throw new IntegrityError('review.manifest_invalid', `the manifest in ${key} does not validate: ${describeIssues(m.error.issues)}`);
  return { sessionId, boothId: record.boothId, manifest: m.data, mp4Key: a.mp4_key, mp4Sha256: a.mp4_sha256 };
}

/**
 * The booth's faults raised while the session recorded: those reported for the session, and those
 * of its booth that began between the session's start and end. Seconds since the recording began.
 */
export async function faultsDuring(db: Kysely<ServerDb>, boothId: string, sessionId: string, startedAt: string, endedAt: string): Promise<FaultDuring[]> {
  const rows = await db
    .selectFrom('booth_faults')
    .select(['kind', 'severity', 'message', 'since'])
    .where('booth_id', '=', boothId)
    .where((eb) => eb.or([eb('session_id', '=', sessionId), eb.and([eb('since', '>=', startedAt), eb('since', '<=', endedAt)])]))
    .orderBy('since')
    .limit(1000)
    .execute();
  const t0 = Date.parse(startedAt);
  return rows.map((r) => ({ kind: r.kind, severity: r.severity, message: r.message.slice(0, 400), atSec: Math.max(0, Math.round(Date.parse(r.since) - t0) / 1000) }));
}

/** The enrolled face descriptors of a server customer (face-api model only); empty when none. */
export async function enrolledDescriptors(db: Kysely<ServerDb>, customerId: string): Promise<number[][]> {
  const rows = await db.selectFrom('customer_faces').select(['descriptor_json', 'model']).where('customer_id', '=', customerId).where('descriptor_json', 'is not', null).execute();
  const out: number[][] = [];
  for (const r of rows) {
    if (r.model !== DEFAULT_FACE_MODEL || r.descriptor_json === null) continue;
    const d = FaceDescriptor.safeParse(JSON.parse(r.descriptor_json));
    if (!d.success) throw new IntegrityError('customer.bad_row', `a stored face descriptor of customer ${customerId} does not validate`);
    out.push(d.data);
  }
  return out;
}
