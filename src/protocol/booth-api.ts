import { z } from 'zod';
import { IsoTime, ProductId, SessionId } from './ids.js';
import { Fault } from './faults.js';
import { BoothCatalogueView, CatalogueEntry, ProductSlug } from './catalogue.js';
import { BoothCustomer, IdDocument } from './customers.js';
import { CheckEvent, ChecksRequests, ChecksView, type ChecksResponses } from './checks.js';
import { TicketResponse } from './sfu.js';
import { FlowAction, KioskView } from './kiosk-flow.js';

/**
 * The kiosk <-> booth API. The same typed messages travel over Electron IPC (preload) and, in
 * browser mode, over the booth's local HTTP/WebSocket bridge. Main and the bridge validate every
 * request with `BoothRequest` before acting on it.
 */
export const BoothRequest = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('getState') }),
  z.strictObject({ type: z.literal('startSession'), productId: ProductId }),
  z.strictObject({ type: z.literal('stopSession') }),
  /** The booth's cached catalogue and whether it is current (works offline). */
  z.strictObject({ type: z.literal('getCatalogue') }),
  /** One product's published version, its content files checked and ready to play (else an error). */
  z.strictObject({ type: z.literal('getProduct'), productId: ProductSlug }),
  /** A customer of the booth's branch by identity document (online; nothing is kept on the booth). */
  z.strictObject({ type: z.literal('lookupCustomer'), idDocument: IdDocument }),
  // Face and speech checks (src/protocol/checks.ts).
  ...ChecksRequests,
  /** A one-time ticket for the kiosk to join the booth's remote-session room (null when not in one). */
  z.strictObject({ type: z.literal('remoteTicket') }),
  /** One step of the kiosk's guided session (src/protocol/kiosk-flow.ts); answers the new KioskView. */
  z.strictObject({ type: z.literal('flow'), action: FlowAction }),
]);
export type BoothRequest = z.infer<typeof BoothRequest>;
export type BoothRequestType = BoothRequest['type'];

export const SessionPhase = z.enum(['starting', 'recording', 'stopping', 'syncing', 'archived', 'failed']);
export type SessionPhase = z.infer<typeof SessionPhase>;

export const BoothSessionView = z.strictObject({
  sessionId: SessionId,
  productId: z.string(),
  phase: SessionPhase,
  startedAt: IsoTime,
  endedAt: IsoTime.nullable(),
  /** Seconds of media sealed so far. */
  mediaSec: z.number(),
  segmentsSealed: z.number().int(),
  segmentsAcknowledged: z.number().int(),
  error: z.string().nullable(),
  /** Live recorder status while recording (updated every second), else null. */
  recording: z
    .strictObject({
      /** Seconds since the recording began (the session's timeline). */
      elapsedSec: z.number(),
      /** Bytes of media the recorder has written so far (all runs). */
      bytesWritten: z.number().int(),
      /** Encoding speed relative to real time; null while unknown. */
      speed: z.number().nullable(),
      droppedFrames: z.number().int(),
      restarts: z.number().int(),
    })
    .nullable(),
});
export type BoothSessionView = z.infer<typeof BoothSessionView>;

export const BoothState = z.strictObject({
  boothName: z.string(),
  boothId: z.string().nullable(),
  captureSource: z.string(),
  /** The session in progress, or the last one while it syncs and archives. */
  session: BoothSessionView.nullable(),
  sync: z.strictObject({
    online: z.boolean(),
    pendingSegments: z.number().int(),
    /** Bytes of the segments not yet confirmed by the archive. */
    pendingBytes: z.number().int(),
    lastError: z.string().nullable(),
  }),
  /** Active faults, most severe first. */
  faults: z.array(Fault),
  /** The guided session flow (absent from booths without the kiosk flow). */
  kiosk: KioskView.optional(),
});
export type BoothState = z.infer<typeof BoothState>;

export const StartSessionResult = z.strictObject({ sessionId: SessionId });

/** The kiosk's way into the booth's remote-session room: the server and a one-time ticket, or null. */
export const RemoteTicketResult = z.strictObject({ remote: z.strictObject({ serverUrl: z.string(), ticket: TicketResponse }).nullable() });

/** Response type for each request type. */
export interface BoothResponses extends ChecksResponses {
  getState: BoothState;
  startSession: z.infer<typeof StartSessionResult>;
  stopSession: z.infer<typeof StartSessionResult>;
  getCatalogue: BoothCatalogueView;
  getProduct: CatalogueEntry;
  lookupCustomer: BoothCustomer;
  remoteTicket: z.infer<typeof RemoteTicketResult>;
  flow: KioskView;
}
export type BoothResponse<T extends BoothRequestType> = BoothResponses[T];

/** Events pushed from the booth to the kiosk. */
export const BoothEvent = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('state'), state: BoothState }),
  /** A face or speech check decision (stored in the session timeline) and the checks' view after it. */
  z.strictObject({ type: z.literal('check'), event: CheckEvent, view: ChecksView }),
]);
export type BoothEvent = z.infer<typeof BoothEvent>;

/** Routes of the browser-mode bridge (served by the booth on 127.0.0.1). */
export const BRIDGE_CALL_PATH = '/bridge/v1/call';
export const BRIDGE_EVENTS_PATH = '/bridge/v1/events';
/** Live camera preview as multipart/x-mixed-replace JPEGs (an <img> source), while recording. */
export const BRIDGE_PREVIEW_PATH = '/bridge/v1/preview';
/** `GET <path>/<sha256>`: a risk-disclosure content file from the booth's verified cache (Range served). */
export const BRIDGE_CONTENT_PATH = '/bridge/v1/content';

export { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, IPC_PREVIEW_CHANNEL } from './ipc-channels.js';
