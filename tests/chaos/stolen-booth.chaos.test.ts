// A stolen booth: someone has its whole data folder (SQLite with WAL, sealed segments, device key,
// spool) but not the archive's private key. Nothing recorded can be decrypted from it, and neither
// the session key nor any plaintext media is anywhere on its disk.
import { constants, privateDecrypt } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateDeviceKey } from '../../src/booth/identity.js';
import { openSegment } from '../../src/core/envelope.js';
import { KeyWrap } from '../../src/protocol/envelope.js';
import { startStack, waitFor, type Stack } from '../helpers/stack.js';

let stack: Stack;
let sessionId: string;
let boothDir: string;

async function filesUnder(dir: string): Promise<string[]> {
  const names = await readdir(dir, { recursive: true });
  const out: string[] = [];
  for (const n of names) if ((await stat(join(dir, n))).isFile()) out.push(join(dir, n));
  return out;
}

beforeAll(async () => {
  stack = await startStack({ segmentSeconds: 1 });
  boothDir = join(stack.dataDir, 'booth');
  ({ sessionId } = (await stack.booth.handle({ type: 'startSession', productId: 'stolen-fund' })) as { sessionId: string });
  await waitFor(async () => ((await stack.booth.state()).session?.segmentsSealed ?? 0) >= 3, 20_000, 'three sealed segments');
  await stack.booth.handle({ type: 'stopSession' });
  await waitFor(async () => (await stack.booth.state()).session?.phase === 'archived', 60_000, 'the session archived');
});

afterAll(async () => {
  await stack?.close();
});

describe('stolen booth', () => {
  it('cannot decrypt any segment with what is on the booth', async () => {
    const row = await stack.server.archive.db.selectFrom('sessions').select('key_wrap_json').where('session_id', '=', sessionId).executeTakeFirstOrThrow();
    const wrap = KeyWrap.parse(JSON.parse(row.key_wrap_json));
    // The only private key on the booth is its Ed25519 device key: it cannot unwrap an RSA-OAEP wrap.
    const device = loadOrCreateDeviceKey(boothDir);
    expect(() => privateDecrypt({ key: device.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, Buffer.from(wrap.wrappedKey, 'base64'))).toThrow();
    const keyFiles = (await filesUnder(boothDir)).filter((f) => f.endsWith('.pem'));
    expect(keyFiles.map((f) => f.slice(boothDir.length))).toEqual(['/keys/device-ed25519.pem']);

    // The centre, with the archive key, can: this proves the files are the real evidence.
    const dataKey = await stack.server.archive.keys.unwrap(wrap);
    const sealed = (await filesUnder(join(boothDir, 'vault', sessionId))).filter((f) => f.endsWith('.seg'));
    expect(sealed.length).toBeGreaterThanOrEqual(3);
    const sealedBytes = await Promise.all(sealed.map((f) => readFile(f)));
    const plaintexts = sealedBytes.map((b) => openSegment(dataKey, b).plaintext);

    // Every file on the booth: no session key in any encoding, no run of plaintext media.
    const needles = [dataKey, Buffer.from(dataKey.toString('hex')), Buffer.from(dataKey.toString('base64')), ...plaintexts.map((p) => p.subarray(Math.floor(p.length / 2), Math.floor(p.length / 2) + 64))];
    for (const file of await filesUnder(boothDir)) {
      const bytes = await readFile(file);
      for (const n of needles) expect(bytes.includes(n), `${file.slice(boothDir.length)} holds secret or plaintext bytes`).toBe(false);
    }
    // And no sealed segment opens under any other key.
    const wrong = Buffer.from(dataKey);
    wrong[0]! ^= 1;
    for (const b of sealedBytes) expect(() => openSegment(wrong, b)).toThrow(/authenticat|decrypt|tag/i);
  });
});
