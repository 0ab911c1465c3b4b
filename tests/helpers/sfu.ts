// Remote-session helpers for tests: reserve a room for the fixture booth, invite, get tickets and
// open signalling sockets the way the booth, the kiosk and the console page do.
import { spawn, type ChildProcess } from 'node:child_process';
import { SignalClient, signallingUrl } from '../../src/protocol/sfu-client.js';
import type { SignalNotification } from '../../src/protocol/sfu-signal.js';
import type { InvitationCreated, Reservation, TicketResponse } from '../../src/protocol/sfu.js';
import { rtpOutputArgs, type RtpTarget } from '../../src/booth/sfu/rtp.js';
import type { Server } from '../../src/server/server.js';

type Headers = { authorization: string };

export async function reserve(server: Server, headers: Headers, boothId: string, over: Partial<{ topic: string; startsAt: string; durationMinutes: number }> = {}): Promise<Reservation> {
  const res = await server.http.inject({
    method: 'POST',
    url: '/api/v1/sfu/reservations',
    headers,
    payload: { topic: 'Fund A disclosure', customerName: 'Li Wei', boothId, startsAt: new Date().toISOString(), durationMinutes: 60, ...over },
  });
  if (res.statusCode !== 201) throw new Error(`reservation failed: ${res.statusCode} ${res.body}`);
  return res.json<Reservation>();
}

export async function invite(server: Server, headers: Headers, reservationId: string, body: object = {}): Promise<InvitationCreated> {
  const res = await server.http.inject({ method: 'POST', url: `/api/v1/sfu/reservations/${reservationId}/invitations`, headers, payload: body });
  if (res.statusCode !== 201) throw new Error(`invitation failed: ${res.statusCode} ${res.body}`);
  return res.json<InvitationCreated>();
}

export async function ticket(server: Server, url: string, headers: Record<string, string>, payload: object): Promise<TicketResponse> {
  const res = await server.http.inject({ method: 'POST', url, headers, payload });
  if (res.statusCode !== 201) throw new Error(`ticket failed: ${res.statusCode} ${res.body}`);
  return res.json<TicketResponse>();
}

export { signallingUrl as wsUrl } from '../../src/protocol/sfu-client.js';

/** A signalling client that also records every notification with its arrival time. */
export async function connect(base: URL | string, t: TicketResponse): Promise<{ client: SignalClient; seen: (SignalNotification & { t: number })[]; next: (name: SignalNotification['notification'], timeoutMs?: number) => Promise<SignalNotification & { t: number }> }> {
  const client = await SignalClient.connect(signallingUrl(base, t));
  const seen: (SignalNotification & { t: number })[] = [];
  const waiters: { name: string; resolve: (n: SignalNotification & { t: number }) => void }[] = [];
  client.onNotification((n) => {
    const entry = { ...n, t: Date.now() };
    seen.push(entry);
    for (const w of [...waiters]) if (w.name === n.notification) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(entry);
    }
  });
  const next = (name: SignalNotification['notification'], timeoutMs = 5000) =>
    new Promise<SignalNotification & { t: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${name} notification within ${timeoutMs} ms`)), timeoutMs);
      waiters.push({ name, resolve: (n) => (clearTimeout(timer), resolve(n)) });
    });
  return { client, seen, next };
}

/** A standalone FFmpeg sending a test pattern (or tone) to a booth RTP target for `seconds`. */
export function sendTestRtp(ffmpeg: string, target: RtpTarget, seconds: number): ChildProcess {
  const input = target.source === 'mic' ? ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'] : ['-f', 'lavfi', '-i', 'testsrc2=size=640x480:rate=15'];
  const graph = target.source === 'mic' ? '[0:a]anull[live]' : '[0:v]null[live]';
  const args = ['-hide_banner', '-loglevel', 'error', '-re', ...input, '-t', String(seconds), '-filter_complex', graph, ...rtpOutputArgs('live', target, { width: 640, height: 480, fps: 15, bitrate: 800_000 })];
  return spawn(ffmpeg, args, { stdio: ['ignore', 'ignore', 'inherit'] });
}
