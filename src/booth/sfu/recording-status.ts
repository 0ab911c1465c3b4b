import type { BoothSessionView } from '../../protocol/booth-api.js';
import type { RecordingStatus } from '../../protocol/sfu-signal.js';

/** The recording status the booth reports to its room, from the kiosk's session view. */
export function recordingStatusOf(view: BoothSessionView | null, now = new Date()): RecordingStatus {
  const at = now.toISOString();
  if (!view) return { sessionId: null, state: 'idle', bytesWritten: 0, durationSec: 0, restarts: 0, at };
  const state = view.phase === 'starting' || view.phase === 'recording' ? 'recording' : view.phase === 'stopping' ? 'stopping' : view.phase === 'failed' ? 'failed' : 'idle';
  const rec = view.recording;
  return { sessionId: view.sessionId, state, bytesWritten: rec?.bytesWritten ?? 0, durationSec: rec?.elapsedSec ?? view.mediaSec, restarts: rec?.restarts ?? 0, at };
}
