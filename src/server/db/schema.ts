import type { Generated } from 'kysely';

/** Central database. SQLite by default; the schema keeps to what PostgreSQL also runs. */
export interface ServerDb {
  booths: {
    booth_id: string;
    name: string;
    public_key: string;
    token_sha256: string;
    enrolled_at: string;
    /** NULL for booths enrolled before branches existed (0003). */
    branch_id: Generated<string | null>;
  };
  enrollment_codes: {
    code_sha256: string;
    created_at: string;
    expires_at: string;
    used_at: string | null;
    booth_id: string | null;
    branch_id: Generated<string | null>;
    /** `staff:<uuid>` or `cli`; NULL for codes made before 0003. */
    created_by: Generated<string | null>;
  };
  sessions: {
    session_id: string;
    booth_id: string;
    product_id: string;
    status: string;
    started_at: string;
    ended_at: string | null;
    key_wrap_json: string;
    manifest_json: string | null;
    signature: string | null;
    failure: string | null;
    created_at: string;
  };
  segments: {
    segment_id: string;
    session_id: string;
    seq: number;
    sha256: string;
    prev_link: string;
    link: string;
    bytes: number;
    storage_key: string;
    received_at: string;
  };
  jobs: {
    job_id: Generated<number>;
    kind: string;
    session_id: string;
    state: string;
    attempts: number;
    run_after: string;
    last_error: string | null;
    created_at: string;
    updated_at: string;
    /** Fraction done (0..1) of a running job, null before it reports (migration 0006). */
    progress: number | null;
  };
  archives: {
    session_id: string;
    mp4_key: string;
    mp4_sha256: string;
    mp4_bytes: number;
    record_key: string;
    duration_sec: number;
    archived_at: string;
  };
  /** Files derived from an archived recording (archive/derived-files.ts). */
  derived_files: {
    session_id: string;
    kind: string;
    storage_key: string;
    media_type: string;
    sha256: string;
    bytes: number;
    duration_sec: number | null;
    /** SHA-256 of the original recording.mp4 the file was made from. */
    source_sha256: string;
    created_at: string;
  };
  booth_faults: {
    fault_id: Generated<number>;
    booth_id: string;
    kind: string;
    severity: string;
    message: string;
    session_id: string | null;
    /** session_id or '' (part of the unique key). */
    session_key: string;
    since: string;
    last_seen: string;
    count: number;
    cleared_at: string | null;
    cleared: number;
    received_at: string;
  };
  booth_status: {
    booth_id: string;
    status_json: string;
    reported_at: string;
    received_at: string;
  };
  branches: {
    branch_id: string;
    name: string;
    created_at: string;
  };
  staff: {
    staff_id: string;
    username: string;
    /** PHC string (argon2id). */
    password_hash: string;
    /** JSON array of StaffRole. */
    roles_json: string;
    /** JSON BranchScope: `"*"` or an array of branch ids. */
    branches_json: string;
    disabled: number;
    created_at: string;
    updated_at: string;
    /** `staff:<uuid>` or `cli`. */
    created_by: string;
  };
  staff_sessions: {
    session_id: string;
    staff_id: string;
    created_at: string;
    /** Absolute end of the login; access tokens are refreshed only until then. */
    expires_at: string;
    revoked_at: string | null;
    ip: string;
  };
  auth_signing_keys: {
    kid: string;
    /** 256-bit HMAC key, base64url. */
    secret: string;
    created_at: string;
  };
  login_failures: {
    username: string;
    window_start: string;
    failures: number;
  };
  products: {
    product_id: string;
    name_zh: string;
    name_en: string;
    retention_class: string;
    status: string;
    created_at: string;
    created_by: string;
    updated_at: string;
  };
  product_versions: {
    product_id: string;
    version: number;
    status: string;
    definition_json: string;
    definition_sha256: string;
    created_at: string;
    created_by: string;
    published_at: string | null;
    published_by: string | null;
    retired_at: string | null;
  };
  content_blobs: {
    sha256: string;
    bytes: number;
    mime: string;
    kind: string;
    duration_sec: number | null;
    storage_key: string;
    uploaded_at: string;
    uploaded_by: string;
  };
  product_version_content: {
    product_id: string;
    version: number;
    sha256: string;
  };
  customers: {
    customer_id: string;
    branch_id: string;
    name: string;
    id_type: string;
    /** HMAC-SHA-256 of the normalised document type and number with the server's customer-id key. */
    id_lookup: string;
    /** Which customer-id key made id_lookup (a server with another key refuses to start). */
    id_key_id: string;
    id_masked: string;
    created_at: string;
    created_by: string;
    updated_at: string;
  };
  customer_photos: {
    customer_id: string;
    sha256: string;
    bytes: number;
    mime: string;
    storage_key: string;
    uploaded_at: string;
    uploaded_by: string;
  };
  customer_faces: {
    face_id: Generated<number>;
    customer_id: string;
    model: string;
    descriptor_json: string | null;
    photo_sha256: string | null;
    source: string;
    enrolled_at: string;
    enrolled_by: string;
  };
  fleet_config_changes: {
    /** The fleet-wide config version. */
    change_id: Generated<number>;
    scope_kind: 'branch' | 'booth';
    scope_id: string;
    layer_version: number;
    /** FleetSettings JSON. */
    settings_json: string;
    comment: string | null;
    created_at: string;
    created_by: string;
  };
  fleet_releases: {
    release_id: string;
    version: string;
    channel: string;
    notes: string;
    state: string;
    rollout_percent: number;
    /** JSON array of branch ids; NULL: every branch. */
    rollout_branches_json: string | null;
    created_at: string;
    created_by: string;
    published_at: string | null;
    updated_at: string;
  };
  fleet_release_artifacts: {
    release_id: string;
    platform: string;
    file_name: string;
    storage_key: string;
    /** base64 SHA-512 of the stored bytes, computed as they were received. */
    sha512: string;
    size: number;
    uploaded_at: string;
    uploaded_by: string;
  };
  fleet_update_events: {
    event_id: Generated<number>;
    booth_id: string;
    version: string;
    outcome: string;
    message: string | null;
    at: string;
    received_at: string;
  };
  /** The machine review's report of a session (migration 0009; review/machine/). */
  machine_reports: {
    session_id: string;
    verdict: string;
    /** MachineReport JSON, validated on read. */
    report_json: string;
    source_sha256: string;
    created_at: string;
  };
  /** Frames sampled from a session's segments as they arrive (migration 0009; review/screenshots/). */
  screenshots: {
    screenshot_id: Generated<number>;
    session_id: string;
    at_sec: number;
    at: string;
    storage_key: string;
    sha256: string;
    bytes: number;
    width: number;
    height: number;
    faces: number | null;
    distance: number | null;
    /** JSON array of ScreenshotFlag. */
    flags_json: string;
    created_at: string;
  };
  /** The screenshot sampler's place per session: the next segment seq to sample. */
  screenshot_cursors: {
    session_id: string;
    next_seq: number;
    /** Segments that could not be sampled (corrupt, undecodable) and were passed over. */
    skipped: number;
    last_error: string | null;
    updated_at: string;
  };
  /** Hash-chained, append-only (migration 0005; see src/server/audit/db-audit-log.ts). */
  audit_log: {
    /** 1, 2, 3, ... without gaps. PostgreSQL returns BIGINT as a string: read it through Number(). */
    seq: number;
    at: string;
    actor: string;
    action: string;
    target: string;
    branch_id: string | null;
    /** Canonical JSON of the details object. */
    details_json: string;
    content_sha256: string;
    prev_hash: string;
    entry_hash: string;
  };
  evidence_retention: {
    session_id: string;
    branch_id: string | null;
    retention_class: string;
    archived_at: string;
    retain_until: string;
    active_holds: number;
    /** 0/1: the legal hold flag last set on the stored files. */
    store_hold: number;
    /** When every stored file got the retention date (null: still to do). */
    files_protected_at: string | null;
    deletion_started_at: string | null;
    deleted_at: string | null;
    deleted_by: string | null;
    recorded_at: string;
  };
  legal_holds: {
    hold_id: string;
    session_id: string;
    reason: string;
    set_by: string;
    set_at: string;
    released_by: string | null;
    released_at: string | null;
    release_reason: string | null;
  };
  /** One per archived session (migration 0010; src/server/review/workflow/). */
  review_items: {
    session_id: string;
    /** The booth's branch when the item was made (frozen, like evidence_retention.branch_id). */
    branch_id: string | null;
    status: string;
    machine_verdict: string | null;
    /** JSON array of FindingCode. */
    finding_codes_json: string;
    assignee_id: string | null;
    assigned_at: string | null;
    due_at: string | null;
    /** When `review.overdue` was emitted (once per item). */
    overdue_notified_at: string | null;
    outcome: string | null;
    created_at: string;
    updated_at: string;
  };
  review_decisions: {
    /** PostgreSQL returns BIGINT as a string: read it through Number(). */
    decision_id: Generated<number>;
    session_id: string;
    branch_id: string | null;
    staff_id: string;
    role: string;
    decision: string;
    /** JSON array of RejectReason. */
    reasons_json: string;
    comment: string;
    machine_verdict: string;
    /** When the item was assigned to the decider (null for a supervisor's decision). */
    assigned_at: string | null;
    decided_at: string;
  };
  supervisor_checks: {
    decision_id: number;
    staff_id: string;
    outcome: string;
    comment: string;
    checked_at: string;
  };
  reviewer_presence: {
    staff_id: string;
    last_seen_at: string;
    last_assigned_at: string | null;
  };
  webhooks: {
    webhook_id: string;
    url: string;
    events_json: string;
    branches_json: string | null;
    /** The signing secret wrapped with the archive public key (KeyWrap JSON, RSA-OAEP-256). */
    secret_wrap_json: string;
    created_at: string;
    created_by: string;
    deleted_at: string | null;
  };
  /** The webhook outbox: written in the transaction of the event, sent by WebhookDelivery. */
  webhook_deliveries: {
    delivery_id: string;
    webhook_id: string;
    event: string;
    session_id: string;
    payload_json: string;
    state: string;
    attempts: number;
    next_attempt_at: string;
    last_attempt_at: string | null;
    last_status: number | null;
    last_error: string | null;
    created_at: string;
    delivered_at: string | null;
  };
  /** HMAC keys of media links (like auth_signing_keys, a separate set). */
  media_link_keys: {
    kid: string;
    secret: string;
    created_at: string;
  };
}
