import { describe, expect, it } from 'vitest';
import { PeriodicTask } from '../../../src/platform/periodic.js';

describe('periodic task', () => {
  it('shares one run between concurrent callers and waits for it on close', async () => {
    let runs = 0;
    let release: () => void = () => undefined;
    const task = new PeriodicTask(
      () => {
        runs++;
        return new Promise<number>((r) => (release = () => r(runs)));
      },
      60_000,
      () => undefined,
    );
    const a = task.run();
    const b = task.run();
    expect(runs).toBe(1);
    let closed = false;
    const closing = task.close().then(() => (closed = true));
    await Promise.resolve();
    expect(closed).toBe(false);
    release();
    expect(await a).toBe(1);
    expect(await b).toBe(1);
    await closing;
    expect(task.closed).toBe(true);
    task.start();
    expect(runs).toBe(1);
    await task.close();
  });

  it('runs at start and reports timer failures to onError', async () => {
    const errors: unknown[] = [];
    const task = new PeriodicTask(() => Promise.reject(new Error('disk gone')), 60_000, (e) => errors.push(e));
    task.start();
    task.start();
    await new Promise((r) => setTimeout(r, 10));
    expect(errors.map((e) => (e as Error).message)).toEqual(['disk gone']);
    await task.close();
  });
});
