import fastifyWebsocket from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseOrThrow } from '../../core/validate.js';
import { API_PREFIX } from '../../protocol/server-api.js';
import {
  BoothTicketRequest,
  CreateInvitationRequest,
  CreateReservationRequest,
  InvitationParams,
  ListReservationsQuery,
  ReservationParams,
  RoomParams,
  SFU_WS_PATH,
  StaffTicketRequest,
  WsQuery,
} from '../../protocol/sfu.js';
import type { StaffGuard } from '../auth/guard.js';
import { boothOf } from '../auth/request-auth.js';
import { BOOTH_ROUTE, PUBLIC_ROUTE, staffRoute } from '../auth/route-config.js';
import type { SfuService } from '../sfu/sfu-service.js';
import type { TicketGrant } from '../sfu/tickets.js';
import { registerConsolePages } from './console-pages.js';

/** Who reserves remote sessions and sends invitations. */
const ORGANISERS = staffRoute('remote_staff', 'booth_staff', 'supervisor');
/** Who sees reservations. */
const VIEWERS = staffRoute('remote_staff', 'booth_staff', 'supervisor', 'reviewer');

declare module 'fastify' {
  interface FastifyRequest {
    sfuGrant: TicketGrant | null;
  }
}

/**
 * Remote-assistance routes: reservations, invitations, tickets (staff and booth) and the
 * signalling WebSocket. The socket route is public because browsers cannot send an Authorization
 * header with a WebSocket; its credential is the one-time ticket an authenticated route issued,
 * taken before the upgrade (401 with the reason otherwise).
 */
export async function registerSfuRoutes(app: FastifyInstance, deps: { sfu: SfuService; guard: StaffGuard }): Promise<void> {
  const { sfu, guard } = deps;
  await app.register(fastifyWebsocket, { options: { maxPayload: 256 * 1024 } });
  await registerConsolePages(app);
  app.decorateRequest('sfuGrant', null);
  const P = `${API_PREFIX}/sfu`;

  app.post(`${P}/reservations`, ORGANISERS, async (req, reply) => {
    const body = parseOrThrow(CreateReservationRequest, req.body, 'reservation');
    return reply.status(201).send(await sfu.reservations.create(guard.principal(req), body));
  });

  app.get(`${P}/reservations`, VIEWERS, async (req) => {
    const q = parseOrThrow(ListReservationsQuery, req.query, 'reservation query');
    const from = q.from ?? new Date(Date.now() - 24 * 3600_000).toISOString();
    const to = q.to ?? new Date(Date.parse(from) + 31 * 24 * 3600_000).toISOString();
    return { reservations: await sfu.reservations.list(guard.principal(req), from, to) };
  });

  app.get(`${P}/reservations/:reservationId`, VIEWERS, async (req) => {
    const { reservationId } = parseOrThrow(ReservationParams, req.params, 'reservation id');
    return sfu.reservations.getFor(guard.principal(req), reservationId);
  });

  app.post(`${P}/reservations/:reservationId/cancel`, ORGANISERS, async (req) => {
    const { reservationId } = parseOrThrow(ReservationParams, req.params, 'reservation id');
    return sfu.cancel(guard.principal(req), reservationId);
  });

  app.post(`${P}/reservations/:reservationId/invitations`, ORGANISERS, async (req, reply) => {
    const { reservationId } = parseOrThrow(ReservationParams, req.params, 'reservation id');
    const body = parseOrThrow(CreateInvitationRequest, req.body ?? {}, 'invitation request');
    return reply.status(201).send(await sfu.invitations.create(guard.principal(req), reservationId, body.role, body.ttlMinutes));
  });

  app.delete(`${P}/invitations/:invitationId`, ORGANISERS, async (req, reply) => {
    const { invitationId } = parseOrThrow(InvitationParams, req.params, 'invitation id');
    await sfu.invitations.revoke(guard.principal(req), invitationId);
    return reply.status(204).send();
  });

  app.post(`${P}/rooms/:roomId/tickets`, staffRoute('remote_staff', 'reviewer', 'supervisor'), async (req, reply) => {
    const { roomId } = parseOrThrow(RoomParams, req.params, 'room id');
    const body = parseOrThrow(StaffTicketRequest, req.body ?? {}, 'ticket request');
    return reply.status(201).send(await sfu.staffTicket(guard.principal(req), roomId, body));
  });

  app.post(`${P}/console/tickets`, staffRoute('reviewer', 'supervisor'), async (req, reply) => reply.status(201).send(sfu.consoleTicket(guard.principal(req))));

  app.get(`${API_PREFIX}/booth/sfu/room`, BOOTH_ROUTE, async (req) => ({ reservation: await sfu.reservations.openForBooth(boothOf(req).boothId) }));

  app.post(`${API_PREFIX}/booth/sfu/tickets`, BOOTH_ROUTE, async (req, reply) => {
    const body = parseOrThrow(BoothTicketRequest, req.body, 'ticket request');
    return reply.status(201).send(await sfu.boothTicket(boothOf(req), body.roomId, body.as));
  });

  app.get(
    SFU_WS_PATH,
    {
      ...PUBLIC_ROUTE,
      websocket: true,
      preValidation: async (req: FastifyRequest) => {
        const { ticket } = parseOrThrow(WsQuery, req.query, 'signalling ticket');
        req.sfuGrant = sfu.tickets.take(ticket);
      },
    },
    (socket, req) => {
      void sfu.attach(socket, req.sfuGrant!);
    },
  );
}
