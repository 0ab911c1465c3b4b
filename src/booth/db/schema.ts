import type { Generated } from 'kysely';
import type { StoredSegmentState } from '../../core/segment-machine.js';

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
    next_attempt_at: string | null;
    sealed_at: string;
    state_changed_at: string;
    purged_at: string | null;
  };
  /** Faults raised on this booth, kept until the server has the latest version (then cleared ones are deleted). */
  faults: {
    kind: string;
    /** The session id, or '' for booth-wide faults (part of the primary key). */
    session_key: string;
    severity: string;
    message: string;
    session_id: string | null;
    since: string;
    last_seen: string;
    count: number;
    cleared_at: string | null;
    version: number;
    delivered_version: Generated<number>;
  };
  /** The session timeline (checks decisions with evidence), in order per session. */
  session_events: {
    session_id: string;
    seq: number;
    source: string;
    type: string;
    at: string;
    at_sec: number;
    data_json: string;
  };
  /** Kiosk flows (migration 0004): the state after the last event, and the session it recorded. */
  kiosk_flows: {
    flow_id: string;
    session_id: string | null;
    step: string;
    state_json: string;
    started_at: string;
    ended_at: string | null;
    outcome: string | null;
  };
  /** Every event of a flow, in order (a `TimelineEvent` as JSON). */
  kiosk_timeline: {
    flow_id: string;
    seq: number;
    at: string;
    type: string;
    event_json: string;
  };
  /** Customers found by a networked lookup, for offline use; keyed by a hash of the identifier. */
  kiosk_customer_cache: {
    key_sha256: string;
    summary_json: string;
    cached_at: string;
  };
}

/** Segment lifecycle on the booth (rules in src/core/segment-machine.ts). */
export type SegmentState = StoredSegmentState;
