// Stand-alone kiosk view of the remote staff member (the booth's SFU room), for a second kiosk
// pane or window beside the disclosure; the kiosk page can mount the same module (remote-view.ts).
// It asks the booth for a room ticket every 2 s until the booth is in a room, then shows the staff
// member's camera (and plays their voice) full-window, so the screen recording contains them.
import type { RoomClient } from '../sfu/room-client.js';
import { createBoothApi } from './api.js';
import { startRemoteView } from './remote-view.js';

const label = document.getElementById('label') as HTMLElement;
const state: { client: RoomClient | null; framesDecoded: () => Promise<number> } = {
  client: null,
  framesDecoded: async () => (state.client ? state.client.framesDecoded() : 0),
};
(window as unknown as { dualrecRemote: typeof state }).dualrecRemote = state;

async function tick(): Promise<void> {
  if (state.client && !state.client.signal.closed) return;
  state.client = await startRemoteView(createBoothApi(), {
    video: document.getElementById('staff-video') as HTMLVideoElement,
    audio: document.getElementById('staff-audio') as HTMLAudioElement,
  });
  label.dataset.state = state.client ? 'joined' : 'waiting';
  label.textContent = state.client ? '远程专员 Remote staff' : '等待远程专员 Waiting for remote staff';
}

const loop = () => tick().catch((err: unknown) => console.error('remote view:', err)).finally(() => setTimeout(loop, 2000));
loop();
