import type { Kysely } from 'kysely';
import type { z } from 'zod';
import { DualrecError, describeIssues } from '../../core/errors.js';
import { FlowState, TimelineEvent } from '../../protocol/kiosk-flow.js';
import type { BoothDb } from '../db/schema.js';

function parse<S extends z.ZodType>(schema: S, json: string, what: string): z.infer<S> {
  const r = schema.safeParse(JSON.parse(json));
  if (!r.success) throw new DualrecError('flow.corrupt', `stored ${what} is not readable: ${describeIssues(r.error.issues)}`);
  return r.data;
}

/**
 * Kiosk flows in the booth database (migration 0004). Each event is written in one transaction
 * with the flow's new state, so the state row always matches its timeline. Rows read back are
 * validated.
 */
export class FlowStore {
  constructor(private readonly db: Kysely<BoothDb>) {}

  /** Stores the event and the state it led to (a new flow on its first event). */
  async append(state: FlowState, ev: TimelineEvent): Promise<void> {
    const ended = state.step === 'attract';
    await this.db.transaction().execute(async (tx) => {
      if (ev.seq === 0) {
        await tx
          .insertInto('kiosk_flows')
          .values({ flow_id: state.flowId, session_id: null, step: state.step, state_json: JSON.stringify(state), started_at: state.startedAt, ended_at: null, outcome: null })
          .execute();
      }
      await tx.insertInto('kiosk_timeline').values({ flow_id: state.flowId, seq: ev.seq, at: ev.at, type: ev.event.type, event_json: JSON.stringify(ev) }).execute();
      await tx
        .updateTable('kiosk_flows')
        .set({ step: state.step, state_json: JSON.stringify(state), session_id: state.sessionId, ended_at: ended ? ev.at : null, outcome: ended ? state.outcome : null })
        .where('flow_id', '=', state.flowId)
        .execute();
    });
  }

  /** Flows that have not ended (a crash left them open), oldest first. */
  async open(): Promise<Array<{ state: FlowState; lastSeq: number }>> {
    const rows = await this.db.selectFrom('kiosk_flows').select(['flow_id', 'state_json']).where('ended_at', 'is', null).orderBy('started_at').execute();
    const out: Array<{ state: FlowState; lastSeq: number }> = [];
    for (const r of rows) {
      const last = await this.db.selectFrom('kiosk_timeline').select((eb) => eb.fn.max<number>('seq').as('seq')).where('flow_id', '=', r.flow_id).executeTakeFirstOrThrow();
      out.push({ state: parse(FlowState, r.state_json, `flow ${r.flow_id}`), lastSeq: Number(last.seq ?? -1) });
    }
    return out;
  }

  async timelineOfFlow(flowId: string): Promise<TimelineEvent[]> {
    const rows = await this.db.selectFrom('kiosk_timeline').select('event_json').where('flow_id', '=', flowId).orderBy('seq').execute();
    return rows.map((r) => parse(TimelineEvent, r.event_json, `timeline event of flow ${flowId}`));
  }

  /** The timeline of the flow that recorded this session (empty when no flow did). */
  async timelineOfSession(sessionId: string): Promise<TimelineEvent[]> {
    const flow = await this.db.selectFrom('kiosk_flows').select('flow_id').where('session_id', '=', sessionId).executeTakeFirst();
    return flow === undefined ? [] : this.timelineOfFlow(flow.flow_id);
  }
}
