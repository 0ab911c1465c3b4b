import type { Kysely } from 'kysely';
import { ConflictError, NotFoundError } from '../../core/errors.js';
import type { ServerDb } from '../db/schema.js';
import { segmentKey } from '../ingest/views.js';

/** One stored file of an archived session. */
export interface EvidenceFile {
  /** Stable name within the session: `recording.mp4`, `record.json`, `segments/000003.seg`, `<kind>.<ext>` for derived files. */
  name: string;
  key: string;
  kind: 'segment' | 'recording' | 'record' | 'derived';
  /** SHA-256 recorded when the file was stored (null where none is recorded: record.json). */
  sha256: string | null;
  bytes: number | null;
  mediaType: string;
}

/** A derived file of the finalize step (table derived_files, migration 0006). */
export interface DerivedFile {
  kind: string;
  key: string;
  sha256: string;
  bytes: number;
  mediaType: string;
}

/** Where the derived files of a session come from (the finalize step's table); none by default. */
export type DerivedFileSource = (sessionId: string) => Promise<DerivedFile[]>;

export const noDerivedFiles: DerivedFileSource = async () => [];

export interface ArchivedSession {
  sessionId: string;
  boothId: string;
  productId: string;
  startedAt: string;
  endedAt: string | null;
  archivedAt: string;
  durationSec: number;
  mp4Key: string;
  mp4Sha256: string;
  mp4Bytes: number;
  recordKey: string;
}

/** The archived session `sessionId`, or NotFoundError / ConflictError (exists, not archived yet). */
export async function readArchivedSession(db: Kysely<ServerDb>, sessionId: string): Promise<ArchivedSession> {
  const row = await db
    .selectFrom('sessions as s')
    .leftJoin('archives as a', 'a.session_id', 's.session_id')
    .select(['s.session_id', 's.booth_id', 's.product_id', 's.started_at', 's.ended_at', 's.status', 'a.archived_at', 'a.duration_sec', 'a.mp4_key', 'a.mp4_sha256', 'a.mp4_bytes', 'a.record_key'])
    .where('s.session_id', '=', sessionId)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('session.unknown', `unknown session ${sessionId}`);
  if (!row.archived_at || !row.mp4_key || !row.record_key || !row.mp4_sha256) throw new ConflictError('session.not_archived', `session ${sessionId} is not archived yet (status ${row.status})`);
  return {
    sessionId: row.session_id,
    boothId: row.booth_id,
    productId: row.product_id,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    archivedAt: row.archived_at,
    durationSec: Number(row.duration_sec),
    mp4Key: row.mp4_key,
    mp4Sha256: row.mp4_sha256,
    mp4Bytes: Number(row.mp4_bytes),
    recordKey: row.record_key,
  };
}

/** Every stored file of an archived session: its sealed segments, the recording, its record and the derived files. */
export async function listEvidenceFiles(db: Kysely<ServerDb>, s: ArchivedSession, derived: DerivedFileSource): Promise<EvidenceFile[]> {
  const segments = await db.selectFrom('segments').select(['seq', 'sha256', 'bytes']).where('session_id', '=', s.sessionId).orderBy('seq').execute();
  const files: EvidenceFile[] = segments.map((g) => ({
    name: `segments/${String(g.seq).padStart(6, '0')}.seg`,
    key: segmentKey(s.sessionId, g.seq),
    kind: 'segment',
    sha256: g.sha256,
    bytes: Number(g.bytes),
    mediaType: 'application/octet-stream',
  }));
  files.push({ name: 'recording.mp4', key: s.mp4Key, kind: 'recording', sha256: s.mp4Sha256, bytes: s.mp4Bytes, mediaType: 'video/mp4' });
  files.push({ name: 'record.json', key: s.recordKey, kind: 'record', sha256: null, bytes: null, mediaType: 'application/json' });
  for (const d of await derived(s.sessionId)) {
    const ext = /\.([A-Za-z0-9]{1,8})$/.exec(d.key)?.[1] ?? 'bin';
    files.push({ name: `${d.kind}.${ext}`, key: d.key, kind: 'derived', sha256: d.sha256, bytes: d.bytes, mediaType: d.mediaType });
  }
  return files;
}
