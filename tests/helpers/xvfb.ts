import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { waitFor } from './stack.js';

export interface Xvfb {
  display: string;
  close(): void;
}

/** Starts Xvfb (Debian package xvfb) on a free display chosen by Xvfb itself (-displayfd). */
export async function startXvfb(width: number, height: number): Promise<Xvfb> {
  const proc: ChildProcess = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', `${width}x${height}x24`, '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  let out = '';
  (proc.stdio[3] as Readable).on('data', (c: Buffer) => (out += c.toString()));
  const n = await waitFor(async () => (/^\d+\n/.test(out) ? out.trim() : null), 10_000, 'Xvfb to choose a display');
  await waitFor(async () => existsSync(`/tmp/.X11-unix/X${n}`), 10_000, `Xvfb on :${n}`);
  return { display: `:${n}`, close: () => proc.kill() };
}
