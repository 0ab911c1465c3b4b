import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { TimelineStore } from '../../src/booth/checks/timeline-store.js';
import { boothMigrations } from '../../src/booth/db/migrations/index.js';
import type { BoothDb } from '../../src/booth/db/schema.js';
import { IntegrityError } from '../../src/core/errors.js';
import { openSqlite } from '../../src/platform/db.js';
import type { CheckEvent } from '../../src/protocol/checks.js';

const SID = '6f1c2b1e-8a4e-4c55-9d36-0c0f5d1b9a01';
const T0 = '2026-01-02T03:04:05.000Z';

it('appends check events in order per session and reads them back validated', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dualrec-timeline-'));
  const db = await openSqlite<BoothDb>(join(dir, 'booth.sqlite'), boothMigrations);
  try {
    await db
      .insertInto('sessions')
      .values({ session_id: SID, product_id: 'p', phase: 'recording', started_at: T0, ended_at: null, end_reason: null, key_wrap_json: '{}', genesis_link: 'a'.repeat(64), last_link: 'a'.repeat(64), media_sec: 0, manifest_json: null, signature: null, server_registered: 0, server_finished: 0, archived_at: null, error: null, created_at: T0 })
      .execute();
    const store = new TimelineStore(db);
    const events: CheckEvent[] = [
      { type: 'disclosure.ended', at: T0, atSec: 12.5, played: 1 },
      { type: 'face.reacquire', at: T0, atSec: 3, attempt: 2, reason: 'no_face' },
      { type: 'speech.utterance', at: T0, atSec: 14, startSec: 12.9, endSec: 14.2, hits: [{ phraseId: 'buy', text: '我确认购买', atSec: 14 }], transcript: null },
    ];
    expect(await Promise.all(events.map((e) => store.append(SID, 'checks', e)))).toEqual([0, 1, 2]);
    expect(await store.list(SID)).toEqual(events);
    expect(await store.list(SID, 'kiosk')).toEqual([]);
    await db.updateTable('session_events').set({ data_json: '{"type":"face.reacquire","reason":"sleepy"}' }).where('seq', '=', 1).execute();
    await expect(store.list(SID)).rejects.toThrow(IntegrityError);
    await expect(store.list(SID)).rejects.toThrow(/timeline event 1 of session/);
  } finally {
    await db.destroy();
    await rm(dir, { recursive: true, force: true });
  }
});
