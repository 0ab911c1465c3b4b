import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StartMarker } from '../../../main/start-marker.js';

const feed = { url: 'https://dualrec.example/api/v1/booth/update-feed', headers: { authorization: 'Bearer tok' } };
let dir: string;
let marker: StartMarker;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dualrec-marker-'));
  marker = new StartMarker(dir, 3);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('start marker', () => {
  it('no marker: a normal start', async () => {
    expect(await marker.onBoot('1.0.0')).toEqual({ kind: 'normal' });
  });

  it('the new version starting is a trial; a version started more than maxStarts times without coming up failed', async () => {
    await marker.beforeInstall('1.0.0', '1.1.0', feed);
    expect((await stat(marker.path)).mode & 0o777).toBe(0o600);
    for (let i = 1; i <= 3; i++) expect(await marker.onBoot('1.1.0')).toEqual({ kind: 'verify', version: '1.1.0', from: '1.0.0', feed });
    expect(await marker.onBoot('1.1.0')).toEqual({ kind: 'fallback', version: '1.1.0', from: '1.0.0', feed, reason: 'version 1.1.0 was started 3 times without coming up' });
    expect(JSON.parse(await readFile(marker.path, 'utf8')).starts).toBe(4);
  });

  it('a confirmed start clears the marker', async () => {
    await marker.beforeInstall('1.0.0', '1.1.0', feed);
    await marker.onBoot('1.1.0');
    await marker.clear();
    expect(await marker.onBoot('1.1.0')).toEqual({ kind: 'normal' });
  });

  it('the old version starting again means the install did not take', async () => {
    await marker.beforeInstall('1.0.0', '1.1.0', feed);
    expect(await marker.onBoot('1.0.0')).toEqual({ kind: 'install-failed', version: '1.1.0', feed });
    expect(await marker.onBoot('1.0.0')).toEqual({ kind: 'normal' });
  });

  it('a corrupt or foreign marker is dropped, not trusted', async () => {
    await writeFile(marker.path, '{"v":1,"from":"1.0.0"');
    expect(await marker.onBoot('1.0.0')).toEqual({ kind: 'normal' });
    await writeFile(marker.path, JSON.stringify({ v: 1, from: '1.0.0', to: '1.1.0', at: 'yesterday', starts: 0, feed }));
    expect(await marker.onBoot('1.1.0')).toEqual({ kind: 'normal' });
  });
});
