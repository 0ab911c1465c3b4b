import type { Generated } from 'kysely';

/** Booth database (SQLite, WAL). Row types as stored; read-backs are validated where they cross a boundary. */
export interface BoothDb {
  booth_identity: {
    id: number;
    booth_id: string;
    token: string;
    archive_public_key: string;
    archive_key_id: string;
    server_url: string;
    enrolled_at: string;
  };
  sessions: {
    session_id: string;
    product_id: string;
    phase: string;
    started_at: string;
    ended_at: string | null;
    end_reason: string | null;
    key_wrap_json: string;
    genesis_link: string;
    last_link: string;
    media_sec: number;
    manifest_json: string | null;
    signature: string | null;
    server_registered: number;
    server_finished: number;
    archived_at: string | null;
    error: string | null;
    created_at: string;
  };
  segments: {
    session_id: string;
    seq: number;
    file: string;
    cipher_sha256: string;
    plain_sha256: string;
    prev_link: string;
    link: string;
    bytes: number;
    start_sec: number;
    duration_sec: number;
    state: SegmentState;
    attempts: Generated<number>;
    last_error: string | null;
    ack_segment_id: string | null;
    ack_sha256: string | null;
    ack_at: string | null;
    sealed_at: string;
  };
}

/** Segment lifecycle on the booth. Issue 4 adds uploading, purged, failed and quarantined. */
export type SegmentState = 'sealed' | 'acknowledged';
