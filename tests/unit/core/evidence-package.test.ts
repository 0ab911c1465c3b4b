import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AUDIT_GENESIS, chainEntry, walkAuditChain, type AuditChainItem } from '../../../src/core/audit-chain.js';
import { genesisLink, nextLink, sha256Hex } from '../../../src/core/chain.js';
import { checkAuditExcerpt, checkChain, formatTrailer, packageSigningMessage, parseTrailer, verifyEd25519 } from '../../../src/core/evidence-package.js';
import type { AuditEntry } from '../../../src/protocol/audit.js';
import type { SessionManifest } from '../../../src/protocol/envelope.js';
import { PACKAGE_TRAILER_BYTES, type AuditExcerpt, type ChainFile } from '../../../src/protocol/evidence-package.js';

const SID = '6f1c2b1e-8a4e-4c55-9d36-0c0f5d1b9a01';
const T = '2026-01-02T03:04:05.000Z';

/** A chain of `n` audit entries; entries about `session:<SID>` at the given seqs, others elsewhere. */
function auditChain(n: number, about: number[]): AuditEntry[] {
  const out: AuditEntry[] = [];
  let prev = AUDIT_GENESIS;
  for (let seq = 1; seq <= n; seq++) {
    const e = chainEntry({ seq, at: T, actor: 'system', action: about.includes(seq) ? 'archive.read' : 'auth.login', target: about.includes(seq) ? `session:${SID}` : 'staff:x', branchId: null, details: about.at(-1) === seq ? { packageId: 'p1' } : { seq } }, prev);
    if (about.at(-1) === seq) Object.assign(e, chainEntry({ ...e, action: 'evidence.export' }, prev));
    prev = e.entryHash;
    out.push(e);
  }
  return out;
}

function excerptOf(entries: AuditEntry[], about: number[], maxGap: number): AuditExcerpt {
  const runs: AuditExcerpt['runs'] = [];
  let last = 0;
  for (const seq of about) {
    const e = entries[seq - 1]!;
    if (runs.length && seq - last - 1 <= maxGap) runs.at(-1)!.push(...entries.slice(last, seq - 1).map((x) => ({ seq: x.seq, contentSha256: x.contentSha256 })), { entry: e });
    else runs.push([{ entry: e }]);
    last = seq;
  }
  const head = entries.at(-1)!;
  if (head.seq - last <= maxGap) runs.at(-1)!.push(...entries.slice(last).map((x) => ({ seq: x.seq, contentSha256: x.contentSha256 })));
  return { v: 1, target: `session:${SID}`, maxGap, head: { seq: head.seq, entryHash: head.entryHash }, runs };
}

describe('audit chain walk', () => {
  it('carries the chain across undisclosed entries and names missing, reordered or altered ones', () => {
    const entries = auditChain(6, [2, 5]);
    const items: AuditChainItem[] = entries.map((e, i) => (i % 2 ? { kind: 'entry', entry: e } : { kind: 'hash', seq: e.seq, contentSha256: e.contentSha256 }));
    expect(walkAuditChain({ seq: 1, prevHash: AUDIT_GENESIS }, items)).toEqual({ lastHash: entries[5]!.entryHash, nextSeq: 7, broken: null });
    expect(walkAuditChain({ seq: 1, prevHash: AUDIT_GENESIS }, [items[0]!, items[2]!]).broken).toEqual({ seq: 2, reason: 'entries 2..2 are missing' });
    expect(walkAuditChain({ seq: 1, prevHash: AUDIT_GENESIS }, [items[1]!]).broken).toEqual({ seq: 1, reason: 'entries 1..1 are missing' });
    expect(walkAuditChain({ seq: 2, prevHash: AUDIT_GENESIS }, [items[0]!]).broken?.reason).toBe('entry 1 is out of order (expected 2)');
    const altered = { ...entries[1]!, actor: 'staff:mallory' };
    expect(walkAuditChain({ seq: 1, prevHash: AUDIT_GENESIS }, [items[0]!, { kind: 'entry', entry: altered }]).broken?.reason).toBe('entry 2 was altered: its content does not hash to its recorded content hash');
    const swapped = { kind: 'hash' as const, seq: 1, contentSha256: sha256Hex('other') };
    expect(walkAuditChain({ seq: 1, prevHash: AUDIT_GENESIS }, [swapped, items[1]!]).broken?.reason).toBe('entry 2 does not link to entry 1 (previous hash differs)');
  });
});

describe('audit excerpt check', () => {
  it('accepts one run to the head, and runs split by long gaps', () => {
    const entries = auditChain(40, [3, 5, 30, 32]);
    const one = excerptOf(entries, [3, 5, 30, 32], 100);
    expect(one.runs).toHaveLength(1);
    expect(checkAuditExcerpt(one, `session:${SID}`, 'p1')).toMatchObject({ ok: true, detail: expect.stringContaining('up to the head at entry 40') });
    const split = excerptOf(entries, [3, 5, 30, 32], 5);
    expect(split.runs).toHaveLength(2);
    expect(checkAuditExcerpt(split, `session:${SID}`, 'p1')).toMatchObject({ ok: true, detail: expect.stringContaining('4 entries about') });
  });

  it('names what is wrong', () => {
    const entries = auditChain(10, [2, 4, 8]);
    const ok = excerptOf(entries, [2, 4, 8], 100);
    const check = (ex: AuditExcerpt, target = `session:${SID}`, pkg = 'p1') => checkAuditExcerpt(ex, target, pkg).detail;
    expect(check(ok, 'session:other')).toMatch(/is about session:6f1c.*, not session:other/);
    expect(check(ok, `session:${SID}`, 'p2')).toBe('the export of this package is not in the excerpt');
    const dropped = structuredClone(ok);
    dropped.runs[0]!.splice(1, 1);
    expect(check(dropped)).toBe('audit entry 3: entries 3..3 are missing');
    const wrongHead = { ...structuredClone(ok), head: { seq: 10, entryHash: sha256Hex('x') } };
    expect(check(wrongHead)).toBe('the chain re-hashes to a different head at entry 10');
    const hashFirst = structuredClone(ok);
    hashFirst.runs[0]!.shift();
    expect(check(hashFirst)).toBe('run 1 does not start with a disclosed entry');
    const foreign = structuredClone(ok);
    foreign.runs[0]![1] = { entry: entries[2]! };
    expect(check(foreign)).toBe(`disclosed audit entry 3 is about staff:x, not session:${SID}`);
  });
});

describe('package signature line', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyId = 'ab'.repeat(32);

  it('round-trips and verifies over the tar digest and length', () => {
    const msg = packageSigningMessage('cd'.repeat(32), 1024);
    const line = formatTrailer(keyId, sign(null, msg, privateKey));
    expect(line.length).toBe(PACKAGE_TRAILER_BYTES);
    const parsed = parseTrailer(line);
    expect(typeof parsed).toBe('object');
    const p = parsed as { keyId: string; signature: Buffer };
    expect(p.keyId).toBe(keyId);
    expect(verifyEd25519(msg, p.signature, publicKey)).toBe(true);
    expect(verifyEd25519(packageSigningMessage('cd'.repeat(32), 1025), p.signature, publicKey)).toBe(false);
  });

  it('refuses anything but the exact form', () => {
    const line = formatTrailer(keyId, sign(null, Buffer.from('x'), privateKey));
    expect(parseTrailer(line.subarray(1))).toMatch(/too short/);
    for (const at of [0, 5, 40, line.length - 3, line.length - 1]) {
      const bad = Buffer.from(line);
      bad[at] = 0x21;
      const r = parseTrailer(bad);
      if (typeof r === 'object') expect(verifyEd25519(Buffer.from('x'), r.signature, publicKey) && r.keyId === keyId).toBe(false);
    }
    expect(verifyEd25519(Buffer.from('x'), Buffer.alloc(3), publicKey)).toBe(false);
  });
});

describe('segment chain check', () => {
  const plain = (i: number) => sha256Hex(`p${i}`);
  const cipher = (i: number) => sha256Hex(`c${i}`);
  function make(n: number): { manifest: SessionManifest; chain: ChainFile } {
    let prev = genesisLink(SID);
    const segments = [];
    const chainSegs = [];
    for (let i = 0; i < n; i++) {
      const link = nextLink(prev, cipher(i));
      segments.push({ seq: i, cipherSha256: cipher(i), plainSha256: plain(i), link, bytes: 10, startSec: i * 4, durationSec: 4 });
      chainSegs.push({ seq: i, cipherSha256: cipher(i), plainSha256: plain(i), prevLink: prev, link, bytes: 10 });
      prev = link;
    }
    const manifest = { v: 1, sessionId: SID, boothId: SID, productId: 'f', startedAt: T, endedAt: T, endReason: 'completed', keyWrap: { alg: 'RSA-OAEP-256', archiveKeyId: 'ab'.repeat(32), wrappedKey: 'AAAA' }, genesisLink: genesisLink(SID), finalLink: prev, mediaDurationSec: n * 4, segments, gaps: [] } as SessionManifest;
    return { manifest, chain: { sessionId: SID, genesisLink: genesisLink(SID), finalLink: prev, segments: chainSegs } };
  }

  it('accepts a consistent chain and names the first inconsistency', () => {
    const { manifest, chain } = make(3);
    expect(checkChain(chain, manifest)).toMatchObject({ ok: true, detail: '3 segments re-hash from the genesis link to the manifest\'s final link' });
    const c1 = structuredClone(chain);
    c1.segments[1]!.cipherSha256 = cipher(9);
    expect(checkChain(c1, manifest).detail).toBe('segment 1 in chain/segments.json differs from the manifest');
    const m1 = structuredClone(manifest);
    m1.segments[2]!.cipherSha256 = cipher(9);
    const c2 = structuredClone(chain);
    c2.segments[2]!.cipherSha256 = cipher(9);
    expect(checkChain(c2, m1).detail).toBe("segment 2's link does not re-hash from its predecessor and its SHA-256");
    const c3 = structuredClone(chain);
    c3.segments.pop();
    expect(checkChain(c3, manifest).detail).toBe('chain/segments.json lists 2 segments, the manifest 3');
    expect(checkChain({ ...chain, sessionId: '0b7d8e55-3c1a-4f0e-9e2d-2a1b3c4d5e6f' }, manifest).detail).toMatch(/is for session 0b7d8e55/);
  });
});
