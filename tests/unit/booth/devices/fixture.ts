import { readFileSync } from 'node:fs';

export const deviceFixture = (name: string) => readFileSync(new URL(`../../../fixtures/ffmpeg/devices/${name}`, import.meta.url), 'utf8');
