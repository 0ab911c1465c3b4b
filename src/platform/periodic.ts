/**
 * Work that runs every `everyMs` (timer unref'd) and on demand, one run at a time: a call while a
 * run is under way shares that run. close() stops the timer and waits for a run in progress;
 * it is safe to call twice. Failures of timer runs go to `onError`; callers of run() get their own.
 */
export class PeriodicTask<T> {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<T> | null = null;
  private stopped = false;

  constructor(
    private readonly work: () => Promise<T>,
    private readonly everyMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  get closed(): boolean {
    return this.stopped;
  }

  /** Starts the timer and runs once now; does nothing when started already or closed. */
  start(): void {
    if (this.timer || this.stopped) return;
    const tick = () => {
      this.run().then(undefined, this.onError);
    };
    this.timer = setInterval(tick, this.everyMs);
    this.timer.unref();
    tick();
  }

  run(): Promise<T> {
    this.running ??= this.work().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    // Only wait: the run's outcome is reported to whoever started it.
    await this.running?.then(
      () => undefined,
      () => undefined,
    );
  }
}
