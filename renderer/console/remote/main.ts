// Staff console page for a remote session, opened from an invitation link
// (`/console/remote/#room=<id>&invite=<token>`, or `#room=<id>&as=monitor` for reviewers): log in,
// redeem the invitation for a one-time ticket, join the room, publish camera and microphone (echo
// cancellation, noise suppression, simulcast) and show the booth, its recording status and faults.
import type { RecordingStatus, SignalNotification } from '../../../src/protocol/sfu-signal.js';
import type { TicketResponse } from '../../../src/protocol/sfu.js';
import { RoomClient, type RemoteTrack } from '../../sfu/room-client.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.hash.slice(1));
const roomId = params.get('room') ?? '';
const invitation = params.get('invite');
const as = params.get('as') === 'monitor' ? 'monitor' : 'staff';

interface PageState {
  client: RoomClient | null;
  role: string | null;
  faults: { kind: string; severity: string; receivedAt: number }[];
  framesDecoded: () => Promise<number>;
}
const state: PageState = { client: null, role: null, faults: [], framesDecoded: async () => (state.client ? state.client.framesDecoded() : 0) };
(window as unknown as { dualrecRemote: PageState }).dualrecRemote = state;

function showError(message: string): void {
  const el = $('error');
  el.textContent = message;
  el.hidden = false;
}

function setConn(s: 'idle' | 'joining' | 'connected' | 'closed', text: string): void {
  const el = $('conn');
  el.dataset.state = s;
  el.textContent = text;
}

async function api<T>(path: string, body: object, token?: string): Promise<T> {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  const json = (await res.json()) as T & { error?: { message: string } };
  if (!res.ok) throw new Error(json.error?.message ?? `${path} answered ${res.status}`);
  return json;
}

function attach(t: RemoteTrack): void {
  const stream = new MediaStream([t.consumer.track]);
  const id = t.info.kind === 'audio' ? 'booth-audio' : t.info.source === 'screen' ? 'booth-screen' : 'booth-camera';
  const el = $(id) as HTMLMediaElement;
  el.srcObject = stream;
  void el.play().catch(() => undefined);
}

function showRecording(s: RecordingStatus): void {
  $('rec-state').textContent = s.state;
  $('rec-duration').textContent = `${s.durationSec.toFixed(0)} s`;
  $('rec-bytes').textContent = String(s.bytesWritten);
}

function showFault(f: { kind: string; severity: string; message: string; clearedAt: string | null }): void {
  const list = $('faults');
  list.querySelector(`[data-kind="${CSS.escape(f.kind)}"]`)?.remove();
  state.faults = state.faults.filter((x) => x.kind !== f.kind);
  if (f.clearedAt) return;
  const li = document.createElement('li');
  li.dataset.kind = f.kind;
  li.dataset.severity = f.severity;
  li.dataset.receivedAt = String(Date.now());
  li.textContent = `${f.kind}: ${f.message}`;
  list.append(li);
  state.faults.push({ kind: f.kind, severity: f.severity, receivedAt: Date.now() });
}

function showPeers(client: RoomClient, extra: SignalNotification | null): void {
  const peers = new Map((client.joined?.peers ?? []).map((p) => [p.peerId, p]));
  if (extra?.notification === 'peerJoined') peers.set(extra.data.peerId, extra.data);
  if (extra?.notification === 'peerLeft') peers.delete(extra.data.peerId);
  if (client.joined) client.joined.peers = [...peers.values()];
  $('peers').replaceChildren(...[...peers.values()].map((p) => Object.assign(document.createElement('li'), { textContent: `${p.role} ${p.displayName}` })));
}

async function join(username: string, password: string): Promise<void> {
  setConn('joining', '连接中 Joining…');
  const login = await api<{ accessToken: string }>('/api/v1/auth/login', { username, password });
  const ticket = await api<TicketResponse>(`/api/v1/sfu/rooms/${encodeURIComponent(roomId)}/tickets`, invitation ? { invitation, as } : { as }, login.accessToken);
  const client = await RoomClient.open(location.origin, ticket);
  state.client = client;
  state.role = ticket.role;
  client.on('track', attach);
  client.on('notification', (n) => {
    if (n.notification === 'recordingStatus') showRecording(n.data);
    else if (n.notification === 'fault') showFault(n.data);
    else if (n.notification === 'peerJoined' || n.notification === 'peerLeft') showPeers(client, n);
    else if (n.notification === 'roomClosed') showError(`远程会话已结束 The remote session ended: ${n.data.reason}`);
  });
  client.on('closed', () => setConn('closed', '已断开 Disconnected'));
  const joined = await client.join(username);
  $('room-topic').textContent = joined.topic;
  if (joined.recording) showRecording(joined.recording);
  for (const f of joined.faults) showFault(f);
  showPeers(client, null);
  $('login').hidden = true;
  $('room').hidden = false;
  if (ticket.role === 'staff') {
    const media = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
      video: { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 15 } },
    });
    ($('self-view') as HTMLVideoElement).srcObject = media;
    for (const track of media.getTracks()) await client.publish(track, track.kind === 'audio' ? 'mic' : 'camera');
  }
  setConn('connected', ticket.role === 'monitor' ? '旁听中 Watching (receive only)' : '已连接 Connected');
}

if (!/^[0-9a-f-]{36}$/.test(roomId)) {
  showError('链接不完整 This link has no remote session in it; open the invitation link you were sent.');
  $('login').hidden = true;
} else {
  $('invite-hint').textContent = invitation ? '请登录以加入远程会话 Log in to join the remote session.' : '旁听：请以审核员身份登录 Log in as a reviewer to watch.';
  $('login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    $('error').hidden = true;
    join(($('username') as HTMLInputElement).value, ($('password') as HTMLInputElement).value).catch((err: unknown) => {
      setConn('idle', '未连接 Not connected');
      showError(err instanceof Error ? err.message : String(err));
    });
  });
}
