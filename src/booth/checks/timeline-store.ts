import type { Kysely } from 'kysely';
import { IntegrityError } from '../../core/errors.js';
import { CheckEvent } from '../../protocol/checks.js';
import type { BoothDb } from '../db/schema.js';

/** The session timeline in the booth database: appended in order, read back validated. */
export class TimelineStore {
  constructor(private readonly db: Kysely<BoothDb>) {}

  /** Appends one event after the session's last; returns its sequence number. */
  async append(sessionId: string, source: string, event: CheckEvent): Promise<number> {
    return this.db.transaction().execute(async (tx) => {
      const last = await tx.selectFrom('session_events').select((eb) => eb.fn.max('seq').as('seq')).where('session_id', '=', sessionId).executeTakeFirst();
      const seq = last?.seq === null || last?.seq === undefined ? 0 : Number(last.seq) + 1;
      await tx
        .insertInto('session_events')
        .values({ session_id: sessionId, seq, source, type: event.type, at: event.at, at_sec: event.atSec, data_json: JSON.stringify(event) })
        .execute();
      return seq;
    });
  }

  /** The session's events in order; a stored row that no longer parses is an IntegrityError naming it. */
  async list(sessionId: string, source = 'checks'): Promise<CheckEvent[]> {
    const rows = await this.db.selectFrom('session_events').select(['seq', 'data_json']).where('session_id', '=', sessionId).where('source', '=', source).orderBy('seq').execute();
    return rows.map((r) => {
      const parsed = CheckEvent.safeParse(JSON.parse(r.data_json));
      if (!parsed.success) throw new IntegrityError('timeline.corrupt', `timeline event ${r.seq} of session ${sessionId} does not parse: ${parsed.error.message}`);
      return parsed.data;
    });
  }
}
