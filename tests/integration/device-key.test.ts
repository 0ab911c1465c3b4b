// loadDeviceKey on real files: a booth not enrolled yet makes (or replaces) its key, keeping a
// damaged one aside; an enrolled booth only reports a missing or damaged key.
import { generateKeyPairSync } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceKeyPath, loadDeviceKey, loadOrCreateDeviceKey } from '../../src/booth/identity.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dualrec-devkey-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('device key', () => {
  it('is made once (mode 0600) and read back the same', async () => {
    const d = join(dir, 'a');
    const made = loadDeviceKey(d, { create: true });
    expect(made).toMatchObject({ ok: true, created: true });
    const again = loadDeviceKey(d, { create: false });
    expect(again).toMatchObject({ ok: true, created: false });
    if (!made.ok || !again.ok) throw new Error('unreachable');
    expect(again.key.publicKeyDer.equals(made.key.publicKeyDer)).toBe(true);
    expect(statSync(deviceKeyPath(d)).mode & 0o777).toBe(0o600);
  });

  it('not enrolled: a damaged key is moved aside and replaced', async () => {
    const d = join(dir, 'b');
    await mkdir(join(d, 'keys'), { recursive: true });
    await writeFile(deviceKeyPath(d), 'garbage');
    expect(loadDeviceKey(d, { create: true })).toMatchObject({ ok: true, created: true });
    const names = (await readdir(join(d, 'keys'))).sort();
    expect(names).toHaveLength(2);
    expect(names[1]).toMatch(/^device-ed25519\.pem\.corrupt-\d{4}-\d\d-\d\dT/);
    expect(await readFile(join(d, 'keys', names[1]!), 'utf8')).toBe('garbage');
  });

  it('enrolled: a missing, damaged or non-Ed25519 key is reported, and nothing is written', async () => {
    const d = join(dir, 'c');
    expect(loadDeviceKey(d, { create: false })).toEqual({ ok: false, path: deviceKeyPath(d), reason: `the device key ${deviceKeyPath(d)} is missing` });
    await mkdir(join(d, 'keys'), { recursive: true });
    await writeFile(deviceKeyPath(d), 'garbage');
    expect(loadDeviceKey(d, { create: false })).toMatchObject({ ok: false, reason: expect.stringMatching(/is unreadable or corrupt/) });
    const { privateKey } = generateKeyPairSync('x25519');
    await writeFile(deviceKeyPath(d), privateKey.export({ format: 'pem', type: 'pkcs8' }));
    expect(loadDeviceKey(d, { create: false })).toMatchObject({ ok: false, reason: expect.stringMatching(/is not an Ed25519 key/) });
    expect(await readdir(join(d, 'keys'))).toEqual(['device-ed25519.pem']);
    // The older helper (tests, tools) still throws on a damaged key rather than replacing it.
    expect(() => loadOrCreateDeviceKey(d)).toThrow(/is not an Ed25519 key; restore it from the booth's backup/);
  });
});
