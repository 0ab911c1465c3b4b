// The remote staff member on the kiosk screen (issue 9): while the booth is in its reserved SFU
// room, the kiosk joins the same room as its `kiosk` peer (receive only: it gets the staff
// member's camera and microphone) and shows them beside the disclosure, so the booth's screen
// recording contains them. Mount it from the kiosk page:
//
//   const view = await startRemoteView(api, { video: videoEl, audio: audioEl });
//   // ... later: view?.close()
//
// `api` is the kiosk's BoothApi (renderer/kiosk/api.ts); call it after a session has started
// (the booth joins its room before the recording starts) and again after a reconnect.
import { RoomClient, type RemoteTrack } from '../sfu/room-client.js';
import type { BoothApi } from './api.js';

export interface RemoteViewElements {
  video: HTMLVideoElement;
  audio: HTMLAudioElement;
}

/** Joins the booth's room as the kiosk; null when the booth is not in a remote session. */
export async function startRemoteView(api: Pick<BoothApi, 'call'>, els: RemoteViewElements): Promise<RoomClient | null> {
  const { remote } = await api.call({ type: 'remoteTicket' });
  if (!remote) return null;
  const client = await RoomClient.open(remote.serverUrl, remote.ticket);
  const show = (t: RemoteTrack) => {
    const el = t.info.kind === 'audio' ? els.audio : els.video;
    el.srcObject = new MediaStream([t.consumer.track]);
    void el.play().catch(() => undefined);
  };
  client.on('track', show);
  client.on('trackEnded', () => {
    if (client.consumers.size === 0) els.video.srcObject = null;
  });
  await client.join('kiosk');
  return client;
}
