import { z } from 'zod';
import { BoothId, IsoTime, SessionId } from './ids.js';
import { FaultKind, FaultSeverity } from './faults.js';
import { BranchId } from './staff.js';

/**
 * Fleet management: the booth settings IT may change remotely, the heartbeat part of the booth's
 * status report, and the console's fleet view. Releases and the update feed are in fleet-releases.ts.
 */

/** A semantic version as electron-updater compares them (`1.4.2`, `1.5.0-pilot.1`). */
export const Semver = z
  .string()
  .max(64)
  .regex(/^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/, 'must be a semantic version such as 1.4.2');
export type Semver = z.infer<typeof Semver>;

// ---- remote settings --------------------------------------------------------------------------

/** `fake`, `none` or `<backend>:<name>` as `dualrec doctor` lists devices (the booth checks the name rules). */
const DEVICE = /^(fake|none|(v4l2|pulse|alsa|x11grab|dshow|gdigrab|ddagrab|avfoundation):.{1,200})$/;
const DeviceChoice = z.string().max(220).regex(DEVICE, 'must be fake, none or a device id such as v4l2:/dev/video0 (see dualrec doctor)');
const ScreenChoice = z.string().max(220).refine((s) => s === 'auto' || s === 'x11' || DEVICE.test(s), 'must be auto, x11, none, fake or a device id such as x11grab::0.0');

/** Named recording qualities; the booth maps them onto its capture settings (QUALITY_PRESETS). */
export const QualityPreset = z.enum(['economy', 'standard', 'high']);
export type QualityPreset = z.infer<typeof QualityPreset>;

/** What each quality preset records. Every value is inside the booth's capture config limits. */
export const QUALITY_PRESETS: Record<QualityPreset, { width: number; height: number; fps: number; crf: number; preset: 'veryfast' | 'faster' }> = {
  economy: { width: 640, height: 480, fps: 15, crf: 28, preset: 'veryfast' },
  standard: { width: 1280, height: 720, fps: 15, crf: 26, preset: 'veryfast' },
  high: { width: 1920, height: 1080, fps: 25, crf: 23, preset: 'faster' },
};

/** Kiosk language tags (the kiosk UI ships zh-CN and en). */
export const FleetLanguage = z.enum(['zh-CN', 'en']);
export type FleetLanguage = z.infer<typeof FleetLanguage>;

/** Update channels: stable booths see stable releases; pilot booths see pilot and stable releases. */
export const ReleaseChannel = z.enum(['stable', 'pilot']);
export type ReleaseChannel = z.infer<typeof ReleaseChannel>;

const Bytes = z.number().int().min(0).max(2 ** 50);
const Rate = z.number().int().min(1024, 'a bandwidth cap must be at least 1024 bytes/s').max(10 * 1024 ** 3).nullable();

/**
 * The part of the booth config IT may change remotely, per branch or per booth: a strict subset of
 * the booth config that cannot break enrollment, keys, paths or the server address. Every field is
 * optional: unset means "leave the booth's own setting". A layer is validated alone; the booth
 * validates the result merged with its local config and rejects (never half-applies) what fails.
 */
export const FleetSettings = z
  .strictObject({
    devices: z.strictObject({ camera: DeviceChoice.optional(), mic: DeviceChoice.optional(), screen: ScreenChoice.optional() }).optional(),
    /** Recording segment length, seconds. */
    segmentSeconds: z.number().min(1).max(60).optional(),
    qualityPreset: QualityPreset.optional(),
    /** Disk floors of the vault (booth config `vault.*FreeBytes`): warn >= refuse >= stop. */
    diskFloors: z.strictObject({ warnFreeBytes: Bytes.optional(), refuseFreeBytes: Bytes.optional(), stopFreeBytes: Bytes.optional() }).optional(),
    bandwidth: z
      .strictObject({
        /** Segment uploads, bytes/s (booth `sync.maxBytesPerSec`); null: no cap. */
        uploadBytesPerSec: Rate.optional(),
        /** Update downloads, bytes/s, enforced by the server as it serves the artifact; null: no cap. */
        updateBytesPerSec: Rate.optional(),
      })
      .optional(),
    /** Kiosk languages offered, first is the default. */
    languages: z
      .array(FleetLanguage)
      .min(1)
      .max(2)
      .refine((l) => new Set(l).size === l.length, 'languages must not repeat')
      .optional(),
    updateChannel: ReleaseChannel.optional(),
  })
  .superRefine((s, ctx) => {
    const f = s.diskFloors;
    if (f?.refuseFreeBytes !== undefined && f.warnFreeBytes !== undefined && f.refuseFreeBytes > f.warnFreeBytes) {
      ctx.addIssue({ code: 'custom', path: ['diskFloors', 'refuseFreeBytes'], message: 'must not exceed diskFloors.warnFreeBytes' });
    }
    if (f?.stopFreeBytes !== undefined && f.refuseFreeBytes !== undefined && f.stopFreeBytes > f.refuseFreeBytes) {
      ctx.addIssue({ code: 'custom', path: ['diskFloors', 'stopFreeBytes'], message: 'must not exceed diskFloors.refuseFreeBytes' });
    }
  });
export type FleetSettings = z.infer<typeof FleetSettings>;

/** GET /api/v1/booth/config: the booth's effective remote settings (ETag `"cfg-<version>"`, 304 when unchanged). */
export const BoothFleetConfig = z.strictObject({
  /** The newest change among the layers that apply to this booth; 0: nothing is set remotely. */
  version: z.number().int().min(0),
  settings: FleetSettings,
});
export type BoothFleetConfig = z.infer<typeof BoothFleetConfig>;

export const ConfigScope = z.enum(['branch', 'booth']);
export type ConfigScope = z.infer<typeof ConfigScope>;

/** PUT /api/v1/fleet/config/{branches/:branchId|booths/:boothId}: replaces the layer; every change is a new version. */
export const SetFleetConfigRequest = z.strictObject({ settings: FleetSettings, comment: z.string().max(500).optional() });
export type SetFleetConfigRequest = z.infer<typeof SetFleetConfigRequest>;

export const ConfigLayerView = z.strictObject({
  scope: ConfigScope,
  scopeId: z.string(),
  /** Config version: a number that grows with every change anywhere in the fleet. */
  version: z.number().int().min(1),
  /** The nth version of this layer. */
  layerVersion: z.number().int().min(1),
  settings: FleetSettings,
  comment: z.string().nullable(),
  createdAt: IsoTime,
  createdBy: z.string(),
});
export type ConfigLayerView = z.infer<typeof ConfigLayerView>;

export const ConfigLayerResponse = z.strictObject({
  current: ConfigLayerView.nullable(),
  /** Newest first. */
  history: z.array(ConfigLayerView),
});
export type ConfigLayerResponse = z.infer<typeof ConfigLayerResponse>;

export const BoothConfigResponse = ConfigLayerResponse.extend({
  branch: ConfigLayerView.nullable(),
  effective: BoothFleetConfig,
});
export type BoothConfigResponse = z.infer<typeof BoothConfigResponse>;

// ---- heartbeat (in the booth status report) ----------------------------------------------------

/** Where the booth's updater is. `failed` and `start-failed` carry the reason in `message`. */
export const UpdatePhase = z.enum(['idle', 'checking', 'downloading', 'downloaded', 'waiting-idle', 'installing', 'installed', 'failed', 'start-failed']);
export type UpdatePhase = z.infer<typeof UpdatePhase>;

export const UpdateState = z.strictObject({
  phase: UpdatePhase,
  /** The version being downloaded, installed, or that failed. */
  version: Semver.nullable(),
  message: z.string().max(2000).nullable(),
  at: IsoTime,
});
export type UpdateState = z.infer<typeof UpdateState>;

export const ConfigApplyState = z.strictObject({
  appliedVersion: z.number().int().min(0).nullable(),
  /** A version received and waiting for an idle moment. */
  pendingVersion: z.number().int().min(0).nullable(),
  /** The last version the booth refused, and why (it keeps running the applied one). */
  rejected: z.strictObject({ version: z.number().int().min(0), reason: z.string().max(2000), at: IsoTime }).nullable(),
});
export type ConfigApplyState = z.infer<typeof ConfigApplyState>;

/** The fleet part of the booth's status report (sent every 30 s): additive, so older booths omit it. */
export const FleetHeartbeat = z.strictObject({
  appVersion: Semver,
  devices: z.strictObject({ camera: z.string().max(220), mic: z.string().max(220), screen: z.string().max(220) }),
  lastSession: z
    .strictObject({
      sessionId: SessionId,
      phase: z.string().max(32),
      startedAt: IsoTime,
      endedAt: IsoTime.nullable(),
      /** The server has every segment and the signed manifest. */
      synced: z.boolean(),
    })
    .nullable(),
  config: ConfigApplyState,
  update: UpdateState.nullable(),
});
export type FleetHeartbeat = z.infer<typeof FleetHeartbeat>;

// ---- the console's fleet view -----------------------------------------------------------------

export const FleetAlertKind = z.enum(['silent', 'disk.nearly_full', 'disk.full', 'sync.stuck', 'sync.quarantined', 'fault', 'config.rejected', 'update.failed']);
export type FleetAlertKind = z.infer<typeof FleetAlertKind>;

export const FleetAlert = z.strictObject({ kind: FleetAlertKind, severity: FaultSeverity, message: z.string() });
export type FleetAlert = z.infer<typeof FleetAlert>;

/** online: heartbeats arrive; recording: online with a session; silent: none for too long; new: never reported. */
export const FleetBoothState = z.enum(['online', 'recording', 'silent', 'new']);
export type FleetBoothState = z.infer<typeof FleetBoothState>;

export const FleetBoothView = z.strictObject({
  boothId: BoothId,
  name: z.string(),
  branchId: BranchId.nullable(),
  enrolledAt: IsoTime,
  state: FleetBoothState,
  lastHeartbeatAt: IsoTime.nullable(),
  appVersion: Semver.nullable(),
  devices: FleetHeartbeat.shape.devices.nullable(),
  disk: z.strictObject({ freeBytes: z.number().nullable(), vaultBytes: z.number(), level: z.string() }).nullable(),
  backlog: z.strictObject({ segments: z.number(), bytes: z.number(), quarantined: z.number(), oldestUnconfirmedAgeSec: z.number().nullable() }).nullable(),
  recordingSessionId: SessionId.nullable(),
  lastSession: FleetHeartbeat.shape.lastSession,
  faults: z.array(z.strictObject({ kind: FaultKind, severity: FaultSeverity, message: z.string(), count: z.number().int(), since: IsoTime })),
  config: z.strictObject({ desiredVersion: z.number().int().min(0) }).extend(ConfigApplyState.shape),
  update: UpdateState.nullable(),
  alerts: z.array(FleetAlert),
});
export type FleetBoothView = z.infer<typeof FleetBoothView>;

/** GET /api/v1/fleet/booths?branch=&version=&state= (state `alerting`: any alert). */
export const FleetListQuery = z.strictObject({
  branch: BranchId.optional(),
  version: Semver.optional(),
  state: z.enum(['online', 'recording', 'silent', 'new', 'alerting']).optional(),
});
export type FleetListQuery = z.infer<typeof FleetListQuery>;

export const FleetListResponse = z.strictObject({ booths: z.array(FleetBoothView), generatedAt: IsoTime });
export type FleetListResponse = z.infer<typeof FleetListResponse>;
