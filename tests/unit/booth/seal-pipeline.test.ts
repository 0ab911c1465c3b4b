// SealPipeline's ordering rules with stages whose timing the test controls: a seal that was running
// while a failure rolled the chain head back is dropped and done again from the new head, and every
// prepared value and dropped seal is handed back exactly once.
import { describe, expect, it } from 'vitest';
import { SealPipeline, type PipelineStages } from '../../../src/booth/vault/seal-pipeline.js';
import { createLogger } from '../../../src/platform/log.js';

interface Sealed {
  id: string;
  before: number;
}

/** A promise and the functions that settle it. */
function gate<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('seal pipeline', () => {
  it('seals again, from the rolled-back head, an item whose seal ran while an earlier item failed', async () => {
    let head = 0;
    const seals: Sealed[] = [];
    const sealGates = new Map<string, { promise: Promise<void>; resolve: () => void }>();
    const writeB = gate();
    const discarded: string[] = [];
    const released: string[] = [];
    const dropped: [string, number][] = [];
    const stages: PipelineStages<string, string, Sealed, { id: string; seq: number }> = {
      prepare: async (id) => id,
      seal: async (id) => {
        const before = head;
        await sealGates.get(id)?.promise;
        sealGates.delete(id);
        const s = { id, before };
        seals.push(s);
        return s;
      },
      releasePrepared: (id) => void released.push(id),
      dropSealed: (s) => void dropped.push([s.id, s.before]),
      advance: (s) => void (head = s.before + 1),
      write: (s) => (s.id === 'B' ? writeB.promise : Promise.resolve()),
      commit: async () => undefined,
      finish: async (s) => ({ id: s.id, seq: s.before }),
      rollback: (s) => void (head = s.before),
      discard: async (s) => void discarded.push(s.id),
      closedReason: () => null,
      describe: (s) => s.id,
    };
    const pipeline = new SealPipeline(stages, 4, createLogger('test', 'silent'));
    const sealC = gate();
    sealGates.set('C', sealC);
    const a = pipeline.push('A');
    const b = pipeline.push('B');
    const c = pipeline.push('C');
    expect(await a).toEqual({ id: 'A', seq: 0 });
    await tick();
    // B is sealed (seq 1) and being written; C's seal started after B, from head 2.
    expect(seals.map((s) => [s.id, s.before])).toEqual([
      ['A', 0],
      ['B', 1],
    ]);
    writeB.reject(new Error('disk full'));
    await expect(b).rejects.toThrow('disk full');
    sealC.resolve();
    // C's first seal (from head 2) is dropped; it is sealed again from the rolled-back head 1.
    expect(await c).toEqual({ id: 'C', seq: 1 });
    expect(seals.map((s) => [s.id, s.before])).toEqual([
      ['A', 0],
      ['B', 1],
      ['C', 2],
      ['C', 1],
    ]);
    expect(head).toBe(2);
    // B's write failed (nothing to discard); C's dropped seal was never written.
    expect(discarded).toEqual([]);
    // Each prepared value is given back once, when its seal held (C only after its second seal);
    // C's first seal result is dropped, never written.
    expect(released).toEqual(['A', 'B', 'C']);
    expect(dropped).toEqual([['C', 2]]);
  });
});
