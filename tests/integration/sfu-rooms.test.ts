// Reservations, invitations, tickets and signalling on a real server with a real mediasoup worker:
// every refusal names its reason; the booth publishes FFmpeg SRTP into its room, staff and monitors
// are told of it; recording status and faults reach staff, monitors and the control console within
// 1 s; monitors are receive-only; cancelling a reservation closes its room.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignalClient, SignalError } from '../../src/protocol/sfu-client.js';
import type { Reservation } from '../../src/protocol/sfu.js';
import { rtpParametersFor } from '../../src/booth/sfu/rtp.js';
import { openApiFixture, type ApiFixture } from '../helpers/api-fixture.js';
import { staffLogin } from '../helpers/staff.js';
import { rawHttp } from '../helpers/raw-http.js';
import { connect, invite, reserve, sendTestRtp, ticket, wsUrl } from '../helpers/sfu.js';

let fx: ApiFixture;
let organiser: Awaited<ReturnType<typeof staffLogin>>;
let remote: Awaited<ReturnType<typeof staffLogin>>;
let reviewer: Awaited<ReturnType<typeof staffLogin>>;
const clients: SignalClient[] = [];

beforeAll(async () => {
  fx = await openApiFixture({ sfu: { enabled: true, workers: 1, rtcMinPort: 47200, rtcMaxPort: 47299 } });
  organiser = await staffLogin(fx.server, { roles: ['booth_staff'], branches: ['br-a'] });
  remote = await staffLogin(fx.server, { roles: ['remote_staff'], branches: '*' });
  reviewer = await staffLogin(fx.server, { roles: ['reviewer'], branches: ['br-a'] });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await fx?.close();
});

const post = (url: string, headers: Record<string, string>, payload: object = {}) => fx.server.http.inject({ method: 'POST', url: `/api/v1${url}`, headers, payload });
const keep = <T extends { client: SignalClient }>(c: T) => (clients.push(c.client), c);

describe('reservations', () => {
  it('refuses bad input, unknown booths, other branches and overlaps, each with its reason', async () => {
    const base = { topic: 'T', customerName: 'C', boothId: fx.booth.boothId, startsAt: new Date(Date.now() + 86_400_000 * 3).toISOString(), durationMinutes: 30 };
    expect((await post('/sfu/reservations', organiser.headers, { ...base, topic: '' })).json().error.message).toMatch(/topic/);
    expect((await post('/sfu/reservations', organiser.headers, { ...base, durationMinutes: 1 })).statusCode).toBe(400);
    expect((await post('/sfu/reservations', organiser.headers, { ...base, startsAt: 'tomorrow' })).json().error.message).toMatch(/startsAt/);
    const unknown = await post('/sfu/reservations', organiser.headers, { ...base, boothId: randomUUID() });
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([404, 'sfu.booth_not_found']);
    const outsider = await staffLogin(fx.server, { roles: ['booth_staff'], branches: ['br-b'] });
    expect((await post('/sfu/reservations', outsider.headers, base)).statusCode).toBe(403);
    expect((await post('/sfu/reservations', reviewer.headers, base)).statusCode).toBe(403);
    expect((await post('/sfu/reservations', organiser.headers, base)).statusCode).toBe(201);
    const overlap = await post('/sfu/reservations', organiser.headers, { ...base, startsAt: new Date(Date.parse(base.startsAt) + 10 * 60_000).toISOString() });
    expect([overlap.statusCode, overlap.json().error.code]).toEqual([409, 'sfu.booth_busy']);
    const list = await fx.server.http.inject({ method: 'GET', url: '/api/v1/sfu/reservations', headers: reviewer.headers });
    expect(list.json().reservations.length).toBe(1);
    const other = await fx.server.http.inject({ method: 'GET', url: '/api/v1/sfu/reservations', headers: outsider.headers });
    expect(other.json().reservations).toEqual([]);
  });
});

describe('invitations and tickets', () => {
  let r: Reservation;
  beforeAll(async () => {
    r = await reserve(fx.server, organiser.headers, fx.booth.boothId, { startsAt: new Date(Date.now() + 86_400_000).toISOString(), durationMinutes: 30 });
  });

  it('a reservation that has not opened yet is refused with its opening time', async () => {
    const inv = await invite(fx.server, organiser.headers, r.reservationId);
    const res = await post(`/sfu/rooms/${r.roomId}/tickets`, remote.headers, { invitation: inv.token });
    expect([res.statusCode, res.json().error.code]).toEqual([409, 'sfu.reservation_not_open']);
    expect(res.json().error.message).toMatch(/opens at/);
  });

  it('refuses wrong, foreign, revoked, expired, reused and wrong-role invitations with a clear message', async () => {
    const now = await reserve(fx.server, organiser.headers, fx.booth.boothId, { startsAt: new Date(Date.now() + 86_400_000 * 10).toISOString() });
    const inv = await invite(fx.server, organiser.headers, now.reservationId);
    const wrong = `${inv.invitationId}.${'A'.repeat(43)}`;
    let res = await post(`/sfu/rooms/${now.roomId}/tickets`, remote.headers, { invitation: wrong });
    expect([res.statusCode, res.json().error.code]).toEqual([403, 'sfu.invitation_invalid']);
    expect(res.json().error.message).toMatch(/not valid/);
    res = await post(`/sfu/rooms/${r.roomId}/tickets`, remote.headers, { invitation: inv.token });
    expect(res.json().error.message).toMatch(/another remote session/);
    res = await post(`/sfu/rooms/${now.roomId}/tickets`, remote.headers, { invitation: 'garbage' });
    expect(res.statusCode).toBe(400);

    const revoked = await invite(fx.server, organiser.headers, now.reservationId);
    expect((await fx.server.http.inject({ method: 'DELETE', url: `/api/v1/sfu/invitations/${revoked.invitationId}`, headers: organiser.headers })).statusCode).toBe(204);
    res = await post(`/sfu/rooms/${now.roomId}/tickets`, remote.headers, { invitation: revoked.token });
    expect([res.statusCode, res.json().error.code]).toEqual([403, 'sfu.invitation_revoked']);

    const expired = await invite(fx.server, organiser.headers, now.reservationId, { ttlMinutes: 1 });
    await fx.server.archive.db.withTables<{ sfu_invitations: { invitation_id: string; expires_at: string } }>()
      .updateTable('sfu_invitations').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('invitation_id', '=', expired.invitationId).execute();
    res = await post(`/sfu/rooms/${now.roomId}/tickets`, remote.headers, { invitation: expired.token });
    expect([res.statusCode, res.json().error.code]).toEqual([403, 'sfu.invitation_expired']);
    expect(res.json().error.message).toMatch(/expired at .* ask for a new link/);

    res = await post(`/sfu/rooms/${now.roomId}/tickets`, reviewer.headers, { invitation: inv.token });
    expect([res.statusCode, res.json().error.code]).toEqual([403, 'auth.role']);
    res = await post(`/sfu/rooms/${now.roomId}/tickets`, remote.headers, {});
    expect([res.statusCode, res.json().error.code]).toEqual([400, 'sfu.invitation_required']);
  });

  it('an invitation belongs to the first staff member who redeems it; a ticket opens one socket once', async () => {
    const open = await reserveNow();
    const inv = await invite(fx.server, organiser.headers, open.reservationId);
    const t = await ticket(fx.server, `/api/v1/sfu/rooms/${open.roomId}/tickets`, remote.headers, { invitation: inv.token });
    expect(t.role).toBe('staff');
    const again = await ticket(fx.server, `/api/v1/sfu/rooms/${open.roomId}/tickets`, remote.headers, { invitation: inv.token });
    expect(again.ticket).not.toBe(t.ticket);
    const other = await staffLogin(fx.server, { roles: ['remote_staff'], branches: '*' });
    const res = await post(`/sfu/rooms/${open.roomId}/tickets`, other.headers, { invitation: inv.token });
    expect([res.statusCode, res.json().error.code]).toEqual([409, 'sfu.invitation_used']);

    const s = keep(await connect(fx.base, t));
    expect((await s.client.request('join', { displayName: '' })).self.role).toBe('staff');
    // A used ticket opens nothing: the upgrade is refused (WebSocket clients only see the failure),
    // and the same check answered over plain HTTP names the reason.
    await expect(SignalClient.connect(wsUrl(fx.base, t))).rejects.toMatchObject({ code: expect.stringMatching(/^sfu\.socket_/) });
    const reuse = await rawHttp(fx.base, 'GET', `/api/v1/sfu/ws?ticket=${t.ticket}`);
    expect([reuse.status, reuse.body.error?.code]).toEqual([401, 'sfu.ticket_invalid']);
    const bad = await rawHttp(fx.base, 'GET', '/api/v1/sfu/ws?ticket=nope');
    expect([bad.status, bad.body.error?.message]).toEqual([400, expect.stringMatching(/ticket/)]);
    await cancel(open);
  });
});

async function reserveNow(): Promise<Reservation> {
  return reserve(fx.server, organiser.headers, fx.booth.boothId, { startsAt: new Date(Date.now() - 60_000).toISOString(), durationMinutes: 30 });
}
async function cancel(r: Reservation): Promise<void> {
  expect((await post(`/sfu/reservations/${r.reservationId}/cancel`, organiser.headers)).statusCode).toBe(200);
}

describe('a live room', () => {
  it('booth media reaches staff and monitors; status and faults reach them and the console within 1 s; monitors only receive', async () => {
    const r = await reserveNow();
    const inv = await invite(fx.server, organiser.headers, r.reservationId);
    const booth = keep(await connect(fx.base, await ticket(fx.server, '/api/v1/booth/sfu/tickets', fx.booth.headers, { roomId: r.roomId, as: 'booth' })));
    const staff = keep(await connect(fx.base, await ticket(fx.server, `/api/v1/sfu/rooms/${r.roomId}/tickets`, remote.headers, { invitation: inv.token })));
    const monitor = keep(await connect(fx.base, await ticket(fx.server, `/api/v1/sfu/rooms/${r.roomId}/tickets`, reviewer.headers, { as: 'monitor' })));
    const kiosk = keep(await connect(fx.base, await ticket(fx.server, '/api/v1/booth/sfu/tickets', fx.booth.headers, { roomId: r.roomId, as: 'kiosk' })));
    const consoleSub = keep(await connect(fx.base, await ticket(fx.server, '/api/v1/sfu/console/tickets', reviewer.headers, {})));

    const caps = (await staff.client.request('getRouterRtpCapabilities', {})).rtpCapabilities;
    await booth.client.request('join', { displayName: '' });
    await staff.client.request('join', { displayName: '', rtpCapabilities: caps });
    await kiosk.client.request('join', { displayName: '', rtpCapabilities: caps });
    const joined = await monitor.client.request('join', { displayName: '', rtpCapabilities: caps });
    expect(joined.peers.map((p) => p.role).sort()).toEqual(['booth', 'kiosk', 'staff']);

    // The booth publishes its camera from FFmpeg over SRTP.
    const plain = await booth.client.request('createPlainTransport', { source: 'camera' });
    expect(plain.srtp.keyBase64).toMatch(/^[A-Za-z0-9+/]{40}$/);
    const target = { ...plain, source: 'camera' as const, ssrc: 31_000_001 };
    const announced = staff.next('newProducer');
    const { producerId } = await booth.client.request('produce', { transportId: plain.transportId, source: 'camera', ...rtpParametersFor(target) });
    expect((await announced).data).toMatchObject({ producerId, source: 'camera', kind: 'video' });
    expect(kiosk.seen.some((n) => n.notification === 'newProducer')).toBe(false);
    const ff = sendTestRtp(fx.server.ffmpeg.ffmpeg, target, 2);
    await new Promise((r) => ff.on('exit', r));

    // Monitors receive only; the kiosk may not take the booth's own camera; staff may.
    await expect(monitor.client.request('createWebRtcTransport', { direction: 'send' })).rejects.toMatchObject({ code: 'sfu.produce_forbidden', status: 403 });
    const recv = await monitor.client.request('createWebRtcTransport', { direction: 'recv' });
    const consumer = await monitor.client.request('consume', { transportId: recv.id, producerId });
    expect(consumer).toMatchObject({ kind: 'video', source: 'camera', paused: true });
    const kRecv = await kiosk.client.request('createWebRtcTransport', { direction: 'recv' });
    await expect(kiosk.client.request('consume', { transportId: kRecv.id, producerId })).rejects.toMatchObject({ code: 'sfu.consume_forbidden' });

    // Recording status and faults: booth only, relayed at once.
    await expect(staff.client.request('recordingStatus', { sessionId: null, state: 'recording', bytesWritten: 1, durationSec: 1, restarts: 0, at: new Date().toISOString() })).rejects.toMatchObject({ code: 'sfu.booth_only' });
    const sentAt = Date.now();
    const got = [staff.next('recordingStatus'), monitor.next('recordingStatus'), consoleSub.next('recordingStatus')];
    await booth.client.request('recordingStatus', { sessionId: fx.booth.sessionId, state: 'recording', bytesWritten: 123_456, durationSec: 12.5, restarts: 0, at: new Date().toISOString() });
    for (const n of await Promise.all(got)) {
      expect(n.data).toMatchObject({ roomId: r.roomId, bytesWritten: 123_456 });
      expect(n.t - sentAt).toBeLessThan(1000);
    }
    const faultAt = Date.now();
    const faults = [staff.next('fault'), monitor.next('fault'), consoleSub.next('fault')];
    const now = new Date().toISOString();
    await booth.client.request('fault', { kind: 'disk.write_error', severity: 'critical', message: 'disk write failed', sessionId: fx.booth.sessionId, since: now, lastSeen: now, count: 1, clearedAt: null });
    for (const n of await Promise.all(faults)) expect(n.t - faultAt).toBeLessThan(1000);
    expect(kiosk.seen.some((n) => n.notification === 'recordingStatus' || n.notification === 'fault')).toBe(false);

    // One participant cannot make the worker allocate transports without bound.
    for (let i = 0; i < 5; i++) await monitor.client.request('createWebRtcTransport', { direction: 'recv' });
    await expect(monitor.client.request('createWebRtcTransport', { direction: 'recv' })).rejects.toMatchObject({ code: 'sfu.too_many_transports', status: 409 });

    // Malformed requests are answered, not dropped.
    await expect(booth.client.request('produce', { transportId: plain.transportId, source: 'mic', kind: 'audio', rtpParameters: { codecs: [{ mimeType: 'nonsense' }] } })).rejects.toBeInstanceOf(SignalError);

    // A late joiner sees the active fault and the last status.
    const late = keep(await connect(fx.base, await ticket(fx.server, `/api/v1/sfu/rooms/${r.roomId}/tickets`, reviewer.headers, { as: 'monitor' })));
    const lateJoin = await late.client.request('join', { displayName: '' });
    expect(lateJoin.faults.map((f) => f.kind)).toEqual(['disk.write_error']);
    expect(lateJoin.recording?.bytesWritten).toBe(123_456);

    const closed = staff.next('roomClosed');
    await cancel(r);
    expect((await closed).data).toMatchObject({ roomId: r.roomId, reason: expect.stringMatching(/cancelled/) });
  });
});
