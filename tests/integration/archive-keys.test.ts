// The archive's key files: the RSA unwrap key and the Ed25519 signing key beside it.
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { FileKeyProvider } from '../../src/server/keys/file-key-provider.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dualrec-keys-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('creates an Ed25519 signing key (0600) beside the RSA key, keeps it across opens, and signs with it', async () => {
  const keys = FileKeyProvider.open(dir, { create: true });
  expect((await stat(FileKeyProvider.signingPath(dir))).mode & 0o777).toBe(0o600);
  const again = FileKeyProvider.open(dir, { create: false });
  expect(again.signingKeyId).toBe(keys.signingKeyId);
  expect(again.signingPublicKeyDer.equals(keys.signingPublicKeyDer)).toBe(true);
  const pub = createPublicKey({ key: keys.signingPublicKeyDer, format: 'der', type: 'spki' });
  expect(pub.asymmetricKeyType).toBe('ed25519');
  const sig = await again.sign(Buffer.from('evidence'));
  expect(sig.length).toBe(64);
  expect(verify(null, Buffer.from('evidence'), pub, sig)).toBe(true);
  expect(verify(null, Buffer.from('evidencf'), pub, sig)).toBe(false);
  expect(keys.signingKeyId).not.toBe(keys.keyId);
});

it('gives a data folder made before signing existed its signing key on the next open, without touching the RSA key', async () => {
  const first = FileKeyProvider.open(dir, { create: true });
  const rsa = await readFile(FileKeyProvider.path(dir));
  await unlink(FileKeyProvider.signingPath(dir));
  const later = FileKeyProvider.open(dir, { create: false });
  expect(later.keyId).toBe(first.keyId);
  expect(later.signingKeyId).not.toBe(first.signingKeyId);
  expect((await readFile(FileKeyProvider.path(dir))).equals(rsa)).toBe(true);
});

it('refuses a damaged or wrong-type signing key by name', async () => {
  FileKeyProvider.open(dir, { create: true });
  await writeFile(FileKeyProvider.signingPath(dir), 'not a key');
  expect(() => FileKeyProvider.open(dir, { create: false })).toThrow(/archive-ed25519.pem is unreadable or corrupt/);
  await writeFile(FileKeyProvider.signingPath(dir), generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }));
  expect(() => FileKeyProvider.open(dir, { create: false })).toThrow(/archive-ed25519.pem is not an Ed25519 key/);
});

it('instances starting together on an empty key folder all end up with the same archive keys', async () => {
  // Separate processes, as several server instances on one shared data folder would be.
  const { spawn } = await import('node:child_process');
  const script = `import { FileKeyProvider } from ${JSON.stringify(new URL('../../dist/server/keys/file-key-provider.js', import.meta.url).pathname)};
const k = FileKeyProvider.open(process.argv[1], { create: true });
console.log(k.keyId + ' ' + k.signingKeyId);`;
  const run = () =>
    new Promise<string>((resolve, reject) => {
      const p = spawn(process.execPath, ['--input-type=module', '-e', script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      p.stdout.on('data', (d: Buffer) => (out += d.toString()));
      p.on('error', reject);
      p.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`key process exited ${code}`))));
    });
  const ids = await Promise.all([run(), run(), run(), run()]);
  expect(new Set(ids).size).toBe(1);
  expect(FileKeyProvider.open(dir, { create: false }).keyId).toBe(ids[0]!.split(' ')[0]);
});
