import { describe, expect, it } from 'vitest';
import { findChainBreak, genesisLink, nextLink, sha256Hex, type ChainEntry } from '../../../src/core/chain.js';

const SID = '6f1c2b1e-8a4e-4c55-9d36-0c0f5d1b9a01';

function chain(n: number): ChainEntry[] {
  const out: ChainEntry[] = [];
  let prev = genesisLink(SID);
  for (let seq = 0; seq < n; seq++) {
    const cipherSha256 = sha256Hex(`segment ${seq}`);
    const link = nextLink(prev, cipherSha256);
    out.push({ seq, prevLink: prev, cipherSha256, link });
    prev = link;
  }
  return out;
}

describe('hash chain', () => {
  it('genesis differs per session and links are deterministic', () => {
    expect(genesisLink(SID)).not.toBe(genesisLink('7f1c2b1e-8a4e-4c55-9d36-0c0f5d1b9a01'));
    expect(nextLink('a'.repeat(64), 'b'.repeat(64))).toBe(nextLink('a'.repeat(64), 'b'.repeat(64)));
    expect(nextLink('a'.repeat(64), 'b'.repeat(64))).toMatch(/^[0-9a-f]{64}$/);
  });

  it('accepts an intact chain', () => {
    expect(findChainBreak(SID, chain(5))).toBeNull();
    expect(findChainBreak(SID, [])).toBeNull();
  });

  it('finds an altered segment', () => {
    const c = chain(5);
    c[2] = { ...c[2]!, cipherSha256: sha256Hex('tampered') };
    expect(findChainBreak(SID, c)).toEqual({ seq: 2, reason: 'segment 2 link does not match its content' });
  });

  it('finds a removed segment', () => {
    const c = chain(5);
    c.splice(1, 1);
    expect(findChainBreak(SID, c)?.seq).toBe(2);
  });

  it('finds reordered segments', () => {
    const c = chain(3);
    [c[1], c[2]] = [c[2]!, c[1]!];
    expect(findChainBreak(SID, c)).toMatchObject({ seq: 2, reason: 'expected segment 1 at this position, found 2' });
  });

  it('finds a chain from another session', () => {
    expect(findChainBreak('7f1c2b1e-8a4e-4c55-9d36-0c0f5d1b9a01', chain(2))).toMatchObject({ seq: 0 });
  });
});
