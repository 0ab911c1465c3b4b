// Small SFU parts without a worker: one-time tickets, the booth's recording status, the SDP the
// server's room recorder hands FFmpeg.
import { describe, expect, it } from 'vitest';
import { UnauthorizedError } from '../../../src/core/errors.js';
import { TICKET_TTL_SEC } from '../../../src/protocol/sfu.js';
import { recordingStatusOf } from '../../../src/booth/sfu/recording-status.js';
import { consumerSdp } from '../../../src/server/sfu/room-recorder.js';
import { Tickets } from '../../../src/server/sfu/tickets.js';

const grant = { kind: 'room' as const, roomId: 'r1', identity: { role: 'staff' as const, principal: 'staff:1', displayName: 'ann' } };

describe('tickets', () => {
  it('are used once', () => {
    const t = new Tickets();
    const { ticket } = t.issue(grant);
    expect(ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(t.take(ticket)).toEqual(grant);
    expect(() => t.take(ticket)).toThrow(UnauthorizedError);
    expect(() => t.take(ticket)).toThrow(/unknown or already used/);
  });

  it('expire after TICKET_TTL_SEC, and an expired one is gone after the attempt', () => {
    const t = new Tickets();
    const now = Date.now();
    const { ticket, expiresAt } = t.issue(grant, now);
    expect(Date.parse(expiresAt) - now).toBe(TICKET_TTL_SEC * 1000);
    expect(() => t.take(ticket, now + TICKET_TTL_SEC * 1000)).toThrow(/expired/);
    expect(() => t.take(ticket, now)).toThrow(/unknown or already used/);
  });
});

describe('recording status for the room', () => {
  const at = new Date('2026-01-02T03:04:05.000Z');
  it('is idle without a session', () => {
    expect(recordingStatusOf(null, at)).toEqual({ sessionId: null, state: 'idle', bytesWritten: 0, durationSec: 0, restarts: 0, at: at.toISOString() });
  });
  it('carries bytes, duration and restarts of the live recorder', () => {
    const view = { sessionId: 's1', productId: 'p', phase: 'recording' as const, startedAt: at.toISOString(), endedAt: null, mediaSec: 4, segmentsSealed: 1, segmentsAcknowledged: 0, error: null, recording: { elapsedSec: 12.5, bytesWritten: 999, speed: 1, droppedFrames: 0, restarts: 1 } };
    expect(recordingStatusOf(view, at)).toMatchObject({ sessionId: 's1', state: 'recording', bytesWritten: 999, durationSec: 12.5, restarts: 1 });
    expect(recordingStatusOf({ ...view, phase: 'syncing', recording: null }, at)).toMatchObject({ state: 'idle', durationSec: 4 });
    expect(recordingStatusOf({ ...view, phase: 'failed' }, at).state).toBe('failed');
  });
});

describe('room recorder SDP', () => {
  it('describes one consumer for FFmpeg', () => {
    const sdp = consumerSdp({ kind: 'audio', rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2, parameters: { useinbandfec: 1 } }], encodings: [{ ssrc: 5 }] } }, 20000);
    expect(sdp.split('\r\n')).toEqual(expect.arrayContaining(['m=audio 20000 RTP/AVP 100', 'a=rtpmap:100 opus/48000/2', 'a=fmtp:100 useinbandfec=1', 'c=IN IP4 127.0.0.1']));
  });
});
