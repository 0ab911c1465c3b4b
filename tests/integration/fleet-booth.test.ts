// Remote config on a real booth (fake capture devices, real FFmpeg, SQLite) and a real server:
// pulled, applied at the next idle moment (never during a session), reported back in the
// heartbeat, kept across a restart; a config that does not fit the booth is rejected as a whole.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Booth } from '../../src/booth/booth.js';
import { parseBoothConfig } from '../../src/booth/config.js';
import { createLogger } from '../../src/platform/log.js';
import type { FleetSettings } from '../../src/protocol/fleet.js';
import { SessionManifest } from '../../src/protocol/envelope.js';
import { CLI_ACTOR } from '../../src/server/auth/admin-actor.js';
import { startStack, waitFor, type Stack } from '../helpers/stack.js';

let stack: Stack;
const PRODUCT = 'demo-fund-001';

const boothConfig = (dataDir: string, serverUrl: string) => ({
  name: 'test-booth',
  dataDir,
  server: { url: serverUrl },
  bridge: { enabled: false },
  capture: { screen: 'none' as const, segmentSeconds: 2 },
  fleet: { configPollMs: 200, idleQuietSec: 0 },
  sync: { pollMs: 100, backoffBaseMs: 50, backoffMaxMs: 1000, statusEveryMs: 300 },
});

beforeAll(async () => {
  stack = await startStack({ branchId: 'br-f', booth: { fleet: { configPollMs: 200, idleQuietSec: 0 }, sync: { statusEveryMs: 300 } } });
});

afterAll(async () => {
  await stack?.close();
});

const boothId = () => stack.booth.boothId!;
const set = (settings: FleetSettings) => stack.server.fleet.config.setBooth(CLI_ACTOR, boothId(), { settings });
/** The booth as the fleet list shows it. */
const listed = async () => (await stack.server.fleet.view.list('*', {})).booths.find((b) => b.boothId === boothId())!;

async function recordSession(seconds: number): Promise<string> {
  const { sessionId } = (await stack.booth.handle({ type: 'startSession', productId: PRODUCT })) as { sessionId: string };
  await waitFor(async () => ((await stack.booth.state()).session?.segmentsSealed ?? 0) >= 1, 20_000, 'a sealed segment');
  await new Promise((r) => setTimeout(r, seconds * 1000));
  await stack.booth.handle({ type: 'stopSession' });
  return sessionId;
}

describe('remote config on a booth', () => {
  it('the heartbeat reaches the fleet list: version, devices, disk, backlog, no config yet', async () => {
    // The first report may precede the first disk check; wait for one that has both.
    const b = await waitFor(async () => {
      const l = await listed();
      return l.appVersion && l.disk?.freeBytes ? l : null;
    }, 20_000, 'a heartbeat with a disk reading');
    expect(b).toMatchObject({ state: 'online', branchId: 'br-f', devices: { camera: 'fake', mic: 'fake', screen: 'none' }, config: { desiredVersion: 0, appliedVersion: null }, alerts: [] });
    expect(b.disk?.freeBytes).toBeGreaterThan(0);
    expect(b.backlog).toMatchObject({ segments: 0, quarantined: 0 });
  });

  it('a change during a session waits for it to end, then applies and comes back as the applied version', async () => {
    const before = await set({ segmentSeconds: 2 });
    await waitFor(async () => (await listed()).config.appliedVersion === before.version, 20_000, 'the first version applied');
    const { sessionId } = (await stack.booth.handle({ type: 'startSession', productId: PRODUCT })) as { sessionId: string };
    await waitFor(async () => ((await stack.booth.state()).session?.segmentsSealed ?? 0) >= 1, 20_000, 'a sealed segment');
    const next = await set({ segmentSeconds: 1, qualityPreset: 'economy', bandwidth: { uploadBytesPerSec: 4 * 1024 * 1024 }, diskFloors: { warnFreeBytes: 3 * 1024 ** 3 } });
    // Received, not applied while the session records.
    const pending = await waitFor(async () => ((await listed()).config.pendingVersion === next.version ? listed() : null), 20_000, 'the version pending');
    expect(pending).toMatchObject({ state: 'recording', config: { desiredVersion: next.version, appliedVersion: before.version } });
    expect(stack.booth.fleet.effective.config.capture.segmentSeconds).toBe(2);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await listed()).config.appliedVersion).toBe(before.version);
    await stack.booth.handle({ type: 'stopSession' });
    const applied = await waitFor(async () => ((await listed()).config.appliedVersion === next.version ? listed() : null), 20_000, 'the new version applied');
    expect(applied.config).toEqual({ desiredVersion: next.version, appliedVersion: next.version, pendingVersion: null, rejected: null });
    expect(stack.booth.fleet.effective.config).toMatchObject({ capture: { segmentSeconds: 1, width: 640, height: 480, crf: 28 }, sync: { maxBytesPerSec: 4 * 1024 * 1024 }, vault: { warnFreeBytes: 3 * 1024 ** 3 } });
    // The session that was running kept its 2 s segments; the next one records 1 s segments.
    const second = await recordSession(3);
    const finished = async (id: string) => (await stack.server.archive.db.selectFrom('sessions').select('manifest_json').where('session_id', '=', id).executeTakeFirst())?.manifest_json != null;
    await waitFor(async () => (await finished(sessionId)) && finished(second), 30_000, 'both sessions finished on the server');
    const manifests = await stack.server.archive.db.selectFrom('sessions').select(['session_id', 'manifest_json']).where('session_id', 'in', [sessionId, second]).execute();
    const durations = (id: string) => SessionManifest.parse(JSON.parse(manifests.find((m) => m.session_id === id)!.manifest_json!)).segments.slice(0, -1).map((s) => Math.round(s.durationSec));
    expect(new Set(durations(sessionId))).toEqual(new Set([2]));
    expect(durations(second).length).toBeGreaterThanOrEqual(2);
    expect(new Set(durations(second))).toEqual(new Set([1]));
  });

  it('rejects a version that does not fit the booth as a whole, reports why and keeps the applied one', async () => {
    const applied = (await listed()).config.appliedVersion;
    // The booth's own refuse floor (1 GiB) is above a 100 MiB warning floor: the merged config is invalid.
    const bad = await set({ segmentSeconds: 5, diskFloors: { warnFreeBytes: 100 * 1024 ** 2 } });
    const b = await waitFor(async () => ((await listed()).config.rejected?.version === bad.version ? listed() : null), 20_000, 'the rejection reported');
    expect(b.config).toMatchObject({ desiredVersion: bad.version, appliedVersion: applied, pendingVersion: null });
    expect(b.config.rejected!.reason).toMatch(/vault\.refuseFreeBytes: must not exceed vault\.warnFreeBytes/);
    expect(b.alerts.map((a) => a.kind)).toContain('config.rejected');
    // Nothing of it was applied: not even the valid segment length.
    expect(stack.booth.fleet.effective.config.capture.segmentSeconds).toBe(1);
  });

  it('a restarted booth starts with the applied settings and keeps reporting them', async () => {
    const read = async () => JSON.parse(await readFile(join(stack.dataDir, 'booth', 'fleet', 'state.json'), 'utf8'));
    // The heartbeat can carry the rejection a moment before the state file has it.
    const state = await waitFor(async () => ((await read()).rejected ? read() : null), 5000, 'the rejection stored');
    expect(state.applied.settings).toMatchObject({ segmentSeconds: 1, qualityPreset: 'economy' });
    await stack.booth.close();
    const again = await Booth.create(parseBoothConfig(boothConfig(join(stack.dataDir, 'booth'), stack.serverUrl)), { log: createLogger('booth', 'silent') });
    try {
      expect(again.fleet.effective.config.capture).toMatchObject({ segmentSeconds: 1, crf: 28 });
      expect(again.fleet.config.report).toMatchObject({ appliedVersion: state.applied.version, rejected: { version: state.rejected.version } });
    } finally {
      await again.close();
    }
  });
});
