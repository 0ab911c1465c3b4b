// Power loss in the middle of a kiosk flow: the booth process and its FFmpeg are killed (SIGKILL of
// the process group) during the disclosure. On the next start the booth ends the flow, records the
// interruption in the timeline before it signs off the session, and the archive holds that
// timeline in the signed manifest. The built CLI (npm run build) as a child process; real server.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SessionManifest } from '../../src/protocol/envelope.js';
import { archiveKeys } from '../../src/server/archive/archiver.js';
import { DEMO_TELLER_CODE, kioskConfig, STAFF_PIN } from '../helpers/kiosk.js';
import { ChaosRig, query, until } from './processes.js';

let rig: ChaosRig;
const boothDb = () => rig.boothDb;

async function flow(base: string, action: unknown): Promise<{ flow: { step: string; sessionId: string | null } | null }> {
  const res = await fetch(`${base}/bridge/v1/call`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'flow', action }) });
  const data = (await res.json()) as { flow: { step: string; sessionId: string | null } | null };
  if (!res.ok) throw new Error(`flow ${JSON.stringify(action)}: HTTP ${res.status} ${JSON.stringify(data)}`);
  return data;
}

beforeAll(async () => {
  rig = await ChaosRig.create('dualrec-chaos-kiosk-', { kiosk: kioskConfig(30) });
}, 60_000);

afterAll(async () => {
  await rig?.close();
});

it('ends a flow cut by power loss and signs the interruption into the archived manifest', async () => {
  const first = await rig.boothProcess();
  await flow(first.base, { type: 'start', by: 'customer', language: 'zh-CN' });
  await flow(first.base, { type: 'identify', query: { method: 'tellerCode', value: DEMO_TELLER_CODE } });
  await flow(first.base, { type: 'chooseProduct', productId: 'demo-fund-001' });
  await flow(first.base, { type: 'chooseMode', mode: 'self' });
  const sessionId = await until(
    () => query<{ session_id: string | null; step: string }>(boothDb(), 'SELECT session_id, step FROM kiosk_flows')[0]?.session_id,
    30_000,
    'the recording to start',
  );
  await flow(first.base, { type: 'staffUnlock', pin: STAFF_PIN });
  await flow(first.base, { type: 'staffDecision', check: 'face', passed: true });
  await flow(first.base, { type: 'disclosure', event: 'started', positionSec: 0 });
  await until(() => query<{ n: number }>(boothDb(), 'SELECT count(*) AS n FROM segments WHERE session_id = ?', sessionId)[0]!.n >= 2, 20_000, 'sealed segments');
  await first.proc.killGroup();

  const second = await rig.boothProcess();
  try {
    const ended = query<{ step: string; outcome: string; ended_at: string | null }>(boothDb(), 'SELECT step, outcome, ended_at FROM kiosk_flows');
    expect(ended).toEqual([{ step: 'attract', outcome: 'interrupted', ended_at: expect.any(String) as string }]);
    await until(() => query<{ phase: string }>(boothDb(), 'SELECT phase FROM sessions WHERE session_id = ?', sessionId)[0]?.phase === 'archived', 60_000, 'the interrupted session to be archived');
    const record = JSON.parse((await rig.server.archive.store.get(archiveKeys(sessionId).record)).toString('utf8')) as { manifest: unknown };
    const m = SessionManifest.parse(record.manifest);
    expect(m.endReason).toBe('emergency-stop');
    expect(m.timeline!.map((e) => e.event.type).filter((t) => !t.startsWith('staff'))).toEqual([
      'flowStarted', 'customerIdentified', 'productChosen', 'modeChosen', 'recordingStarted', 'faceChecked', 'disclosureStarted', 'recordingInterrupted', 'flowEnded',
    ]);
    // Both were recorded at the restart, before the interrupted session was signed off.
    expect(m.timeline!.slice(-2).map((e) => e.event)).toEqual([
      { type: 'recordingInterrupted', reason: 'the booth stopped during this session' },
      { type: 'flowEnded', by: 'system' },
    ]);
    // The kiosk starts on the attract screen.
    expect((await flow(second.base, { type: 'language', language: 'zh-CN' })).flow).toBeNull();
  } finally {
    await second.proc.stop();
  }
}, 180_000);
