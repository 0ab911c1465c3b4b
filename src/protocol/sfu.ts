import { z } from 'zod';
import { BoothId, IsoTime } from './ids.js';
import { BranchId } from './staff.js';

/**
 * Remote assistance over the SFU, HTTP part: reservations of a remote session (a room), invitation
 * links, and one-time tickets that open the signalling WebSocket (messages in sfu-signal.ts).
 */

export const RoomId = z.uuid({ message: 'room id must be a UUID' });
export type RoomId = z.infer<typeof RoomId>;
export const InvitationId = z.uuid({ message: 'invitation id must be a UUID' });

/** Who a participant of a room is; decides what it may send and receive. */
export const PeerRole = z.enum([
  /** The booth's FFmpeg capture publishing camera, screen and microphone over RTP. */
  'booth',
  /** The kiosk page of the booth: receives the remote staff member's audio and video. */
  'kiosk',
  /** The remote staff member (console page): publishes camera and microphone, receives the booth. */
  'staff',
  /** A reviewer or supervisor watching live: receive only. */
  'monitor',
]);
export type PeerRole = z.infer<typeof PeerRole>;

/** What an invitation lets its holder join as. */
export const InvitationRole = z.enum(['remote_staff', 'reviewer']);
export type InvitationRole = z.infer<typeof InvitationRole>;

const Topic = z.string().trim().min(1, 'topic is required').max(200, 'topic is at most 200 characters');
const CustomerName = z.string().trim().min(1, 'customerName is required').max(100, 'customerName is at most 100 characters');

// ---- reservations ----------------------------------------------------------------------------

/** POST /api/v1/sfu/reservations */
export const CreateReservationRequest = z
  .strictObject({
    topic: Topic,
    customerName: CustomerName,
    boothId: BoothId,
    startsAt: IsoTime,
    durationMinutes: z.number().int().min(5, 'durationMinutes is at least 5').max(480, 'durationMinutes is at most 480'),
  })
  .refine((r) => Date.parse(r.startsAt) > Date.now() - 24 * 3600_000, { message: 'startsAt lies more than a day in the past', path: ['startsAt'] });
export type CreateReservationRequest = z.infer<typeof CreateReservationRequest>;

export const ReservationStatus = z.enum(['scheduled', 'cancelled']);

export const Reservation = z.strictObject({
  reservationId: RoomId,
  /** The room of the remote session; equal to the reservation id. */
  roomId: RoomId,
  topic: z.string(),
  customerName: z.string(),
  boothId: BoothId,
  branchId: BranchId.nullable(),
  startsAt: IsoTime,
  endsAt: IsoTime,
  status: ReservationStatus,
  createdBy: z.string(),
  createdAt: IsoTime,
});
export type Reservation = z.infer<typeof Reservation>;

export const ReservationParams = z.strictObject({ reservationId: RoomId });
export const RoomParams = z.strictObject({ roomId: RoomId });
export const InvitationParams = z.strictObject({ invitationId: InvitationId });

/** GET /api/v1/sfu/reservations?from=&to= (default: from a day ago, the next 30 days). */
export const ListReservationsQuery = z.strictObject({ from: IsoTime.optional(), to: IsoTime.optional() });

// ---- invitations -----------------------------------------------------------------------------

/** POST /api/v1/sfu/reservations/:reservationId/invitations */
export const CreateInvitationRequest = z.strictObject({
  role: InvitationRole.default('remote_staff'),
  /** Lifetime; default: until the reservation ends (at least 15 minutes). */
  ttlMinutes: z.number().int().min(1, 'ttlMinutes is at least 1').max(7 * 24 * 60, 'ttlMinutes is at most one week').optional(),
});

/**
 * An invitation: its token `<invitationId>.<secret>` is shown once, inside `path`
 * (`/console/remote/#room=<roomId>&invite=<token>`: a fragment, so it never reaches a server log).
 * The server stores only the secret's SHA-256. One staff account may redeem it (the first); it
 * ends at `expiresAt` or when revoked.
 */
export const InvitationCreated = z.strictObject({
  invitationId: InvitationId,
  roomId: RoomId,
  role: InvitationRole,
  expiresAt: IsoTime,
  token: z.string(),
  path: z.string(),
});
export type InvitationCreated = z.infer<typeof InvitationCreated>;

/** `<invitation uuid>.<43 base64url characters>` */
export const InvitationToken = z
  .string()
  .regex(/^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/, 'invitation must be the token from the invitation link (<id>.<secret>)');

// ---- tickets (open the signalling WebSocket) ------------------------------------------------

/** POST /api/v1/sfu/rooms/:roomId/tickets (staff): with an invitation, or as a monitor without one. */
export const StaffTicketRequest = z.strictObject({
  invitation: InvitationToken.optional(),
  /** `monitor` joins receive-only (reviewer, supervisor); `staff` needs a remote_staff invitation. */
  as: z.enum(['staff', 'monitor']).default('staff'),
});

/** POST /api/v1/booth/sfu/tickets (booth token): the booth's capture or its kiosk page. */
export const BoothTicketRequest = z.strictObject({
  roomId: RoomId,
  as: z.enum(['booth', 'kiosk']),
});

/**
 * A one-time ticket for `GET /api/v1/sfu/ws?ticket=…` (browsers cannot put an Authorization header
 * on a WebSocket). Valid for `TICKET_TTL_SEC`, used once; it carries the identity the HTTP route
 * verified.
 */
export const TicketResponse = z.strictObject({
  ticket: z.string(),
  expiresAt: IsoTime,
  roomId: RoomId.nullable(),
  role: PeerRole.nullable(),
  wsPath: z.string(),
});
export type TicketResponse = z.infer<typeof TicketResponse>;

export const TICKET_TTL_SEC = 60;
export const SFU_WS_PATH = '/api/v1/sfu/ws';
export const WsQuery = z.strictObject({ ticket: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'ticket must be the value from a ticket response') });

/** GET /api/v1/booth/sfu/room: the reservation for this booth that is open now (from 15 min before it starts until it ends). */
export const BoothRoomResponse = z.strictObject({ reservation: Reservation.nullable() });

/** How long before its start a reserved room can be joined. */
export const ROOM_OPENS_BEFORE_MIN = 15;
