// Property tests (fast-check) on every request schema the server parses (booth, staff and evidence APIs):
// arbitrary input either parses or throws a ValidationError (400) whose message names the field;
// a valid request with any one field replaced names that field (its parent or a part of it); an unknown key is
// refused by name. Nothing else may be thrown.
import fc from 'fast-check';
import type { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.js';
import { parseOrThrow } from '../../../src/core/validate.js';
import { BoothStatusReport, CreateSessionRequest, EnrollRequest, FaultReportRequest, FinishSessionRequest, SegmentParams } from '../../../src/protocol/server-api.js';
import { ArchiveListQuery, AuditListQuery, AuditVerifyQuery, ExportRequest, ExtendRetentionRequest, FileParams, HoldParams, ReleaseHoldRequest, SessionParams, SetHoldRequest } from '../../../src/protocol/evidence-api.js';
import { BoothTicketRequest, CreateInvitationRequest, CreateReservationRequest, ReservationParams, StaffTicketRequest, WsQuery } from '../../../src/protocol/sfu.js';
import { SignalRequest } from '../../../src/protocol/sfu-signal.js';
import { FleetListQuery, SetFleetConfigRequest } from '../../../src/protocol/fleet.js';
import { ArtifactParams, ArtifactQuery, CreateReleaseRequest, RolloutRequest, UpdateEventsRequest } from '../../../src/protocol/fleet-releases.js';
import { BranchParams, CreateBranchRequest, CreateEnrollmentCodeRequest, CreateStaffRequest, LoginRequest, StaffParams, UpdateStaffRequest } from '../../../src/protocol/staff-api.js';

const H = 'ab'.repeat(32);
const U1 = '6f1c2b1e-8a4e-4c55-9d36-0c0f5d1b9a01';
const U2 = '0b7d8e55-3c1a-4f0e-9e2d-2a1b3c4d5e6f';
const T = '2026-01-02T03:04:05.000Z';
const keyWrap = { alg: 'RSA-OAEP-256', archiveKeyId: H, wrappedKey: 'AAAA' };
const manifest = {
  v: 1,
  sessionId: U1,
  boothId: U2,
  productId: 'fund-1',
  startedAt: T,
  endedAt: T,
  endReason: 'completed',
  keyWrap,
  genesisLink: H,
  finalLink: H,
  mediaDurationSec: 4,
  segments: [{ seq: 0, cipherSha256: H, plainSha256: H, link: H, bytes: 10, startSec: 0, durationSec: 4 }],
  gaps: [{ afterSeq: 0, startSec: 4, durationSec: 1, reason: 'restart' }],
};
const status = {
  at: T,
  backlog: { segments: 1, bytes: 2, quarantined: 0, oldestUnconfirmedAt: T, oldestUnconfirmedAgeSec: 3 },
  disk: { freeBytes: 10, vaultBytes: 5, quotaBytes: null, level: 'ok' },
  recordingSessionId: null,
  activeFaults: 0,
};
const fault = { kind: 'disk.full', severity: 'critical', message: 'full', sessionId: null, since: T, lastSeen: T, count: 1, clearedAt: null };

/** Each request schema with one valid request. */
const CASES: Array<[string, z.ZodType, unknown]> = [
  ['enrollment request', EnrollRequest, { code: 'ABCD-EFGH-JKLM-NPQR', name: 'booth', publicKey: 'MCowBQYDK2VwAyEA' }],
  ['session registration', CreateSessionRequest, { sessionId: U1, productId: 'fund-1', startedAt: T, keyWrap }],
  ['segment address', SegmentParams, { sessionId: U1, seq: '12' }],
  ['finish request', FinishSessionRequest, { manifest, signature: 'AAAA' }],
  ['fault report', FaultReportRequest, { faults: [fault] }],
  ['status report', BoothStatusReport, status],
  ['login request', LoginRequest, { username: 'ann', password: 'secret' }],
  ['new staff account', CreateStaffRequest, { username: 'ann.lee', password: 'a long passphrase', roles: ['reviewer', 'supervisor'], branches: ['sh-01', 'sh-02'] }],
  ['staff update', UpdateStaffRequest, { roles: ['admin'], branches: '*', disabled: false, password: 'another long one' }],
  ['new branch', CreateBranchRequest, { branchId: 'sh-pudong-01', name: 'Pudong' }],
  ['enrollment code request', CreateEnrollmentCodeRequest, { ttlHours: 24 }],
  ['staff id', StaffParams, { staffId: U1 }],
  ['branch id', BranchParams, { branchId: 'sh-01' }],
  ['archive query', ArchiveListQuery, { limit: '20', before: T, branchId: 'sh-01' }],
  ['session id', SessionParams, { sessionId: U1 }],
  ['file address', FileParams, { sessionId: U1, name: 'recording.mp4' }],
  ['export request', ExportRequest, { segments: false }],
  ['legal hold', SetHoldRequest, { reason: 'litigation 2026-117' }],
  ['hold release', ReleaseHoldRequest, { reason: 'case settled' }],
  ['hold id', HoldParams, { holdId: U2 }],
  ['retention extension', ExtendRetentionRequest, { retainUntil: T, reason: 'contract runs longer' }],
  ['audit query', AuditListQuery, { fromSeq: '1', limit: '100', target: `session:${U1}` }],
  ['audit verify query', AuditVerifyQuery, { fromSeq: '1', toSeq: '10' }],
  ['reservation', CreateReservationRequest, { topic: 'Fund A', customerName: 'Li Wei', boothId: U2, startsAt: new Date(Date.now() + 3600_000).toISOString(), durationMinutes: 30 }],
  ['reservation id', ReservationParams, { reservationId: U1 }],
  ['invitation request', CreateInvitationRequest, { role: 'reviewer', ttlMinutes: 60 }],
  ['ticket request', StaffTicketRequest, { invitation: `${U1}.${'A'.repeat(43)}`, as: 'staff' }],
  ['booth ticket request', BoothTicketRequest, { roomId: U1, as: 'kiosk' }],
  ['signalling ticket', WsQuery, { ticket: 'A'.repeat(43) }],
  ['signalling produce', SignalRequest, { id: 7, method: 'produce', data: { transportId: 't1', kind: 'video', source: 'camera', rtpParameters: { codecs: [{ mimeType: 'video/H264', payloadType: 102 }], encodings: [{ ssrc: 1 }] } } }],
  ['signalling status', SignalRequest, { id: 8, method: 'recordingStatus', data: { sessionId: U1, state: 'recording', bytesWritten: 10, durationSec: 2, restarts: 0, at: T } }],
  ['signalling fault', SignalRequest, { id: 9, method: 'fault', data: fault }],
  [
    'status report with heartbeat',
    BoothStatusReport,
    {
      ...status,
      fleet: {
        appVersion: '1.2.3',
        devices: { camera: 'v4l2:/dev/video0', mic: 'pulse:default', screen: 'auto' },
        lastSession: { sessionId: U1, phase: 'syncing', startedAt: T, endedAt: T, synced: false },
        config: { appliedVersion: 3, pendingVersion: 4, rejected: { version: 2, reason: 'no', at: T } },
        update: { phase: 'waiting-idle', version: '1.3.0', message: 'a session is recording', at: T },
      },
    },
  ],
  [
    'fleet config',
    SetFleetConfigRequest,
    {
      settings: {
        devices: { camera: 'v4l2:/dev/video0', mic: 'pulse:default', screen: 'x11grab::0.0' },
        segmentSeconds: 4,
        qualityPreset: 'standard',
        diskFloors: { warnFreeBytes: 3000, refuseFreeBytes: 2000, stopFreeBytes: 1000 },
        bandwidth: { uploadBytesPerSec: 100_000, updateBytesPerSec: null },
        languages: ['zh-CN', 'en'],
        updateChannel: 'pilot',
      },
      comment: 'pilot branch',
    },
  ],
  ['fleet filter', FleetListQuery, { branch: 'sh-01', version: '1.2.3', state: 'alerting' }],
  ['release', CreateReleaseRequest, { version: '1.2.3-pilot.1', channel: 'pilot', notes: 'notes' }],
  ['rollout', RolloutRequest, { rollout: { percent: 10, branches: ['sh-01'] } }],
  ['artifact address', ArtifactParams, { releaseId: U1, platform: 'linux' }],
  ['artifact', ArtifactQuery, { name: 'dualrec-1.2.3.AppImage' }],
  ['update events', UpdateEventsRequest, { events: [{ version: '1.2.3', outcome: 'start-failed', message: 'crashed', at: T }] }],
];

const junk = fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true, withObjectString: true, withBoxedValues: true, maxDepth: 3 });

/** Every path into `v` (object keys and array indexes), parents before children. */
function paths(v: unknown, prefix: PropertyKey[] = []): PropertyKey[][] {
  if (v === null || typeof v !== 'object') return [];
  const entries: Array<[PropertyKey, unknown]> = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v);
  return entries.flatMap(([k, x]) => [[...prefix, k], ...paths(x, [...prefix, k])]);
}

function withValueAt(root: unknown, path: PropertyKey[], value: unknown): unknown {
  const copy = structuredClone(root) as Record<PropertyKey, unknown>;
  let node = copy;
  for (const k of path.slice(0, -1)) node = node[k] as Record<PropertyKey, unknown>;
  node[path.at(-1)!] = value;
  return copy;
}

/** Parses; on failure requires a ValidationError (400) whose message starts with the subject. */
function parseOrValidationError(schema: z.ZodType, value: unknown, what: string): ValidationError | null {
  try {
    parseOrThrow(schema, value, what);
    return null;
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    const e = err as ValidationError;
    expect(e.status).toBe(400);
    expect(e.message.startsWith(`invalid ${what}: `)).toBe(true);
    return e;
  }
}

describe.each(CASES)('%s', (what, schema, valid) => {
  it('accepts the valid example', () => {
    expect(parseOrValidationError(schema, valid, what)).toBeNull();
  });

  it('arbitrary input parses or is a ValidationError naming each bad field', () => {
    fc.assert(
      fc.property(junk, (v) => {
        const e = parseOrValidationError(schema, v, what);
        if (!e) return;
        for (const issue of e.details as Array<{ path: PropertyKey[] }>) if (issue.path.length > 0) expect(e.message).toContain(`${issue.path.map(String).join('.')}: `);
      }),
      { numRuns: 300 },
    );
  });

  it('one field replaced by anything parses or is refused naming that field (or the object holding it)', () => {
    const all = paths(valid);
    fc.assert(
      fc.property(fc.constantFrom(...all), junk, (path, value) => {
        const e = parseOrValidationError(schema, withValueAt(valid, path, value), what);
        if (!e) return;
        // The field itself, the object holding it, or a part of it (`roles.0: ...` for a bad `roles`).
        const named = path.map((_, i) => path.slice(0, i + 1).map(String).join('.'));
        expect(named.some((n) => e.message.includes(`${n}: `) || e.message.includes(`${n}.`)), `${e.message} names one of ${named.join(' | ')}`).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('an unknown top-level key is refused by name', () => {
    const known = new Set(Object.keys(valid as object));
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !known.has(k) && k !== '__proto__'),
        junk,
        (key, value) => {
          const e = parseOrValidationError(schema, { ...(valid as object), [key]: value }, what);
          expect(e?.message).toContain(`"${key}"`);
        },
      ),
      { numRuns: 100 },
    );
  });
});
