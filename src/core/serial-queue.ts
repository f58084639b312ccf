/**
 * Runs one session's commands one at a time, in order. When more than `highWater` wait, `pause` is
 * called (the session stops reading the socket) and `resume` once the queue drained: a client that
 * pipelines thousands of commands without reading replies cannot make the server buffer without end.
 */
export class SerialQueue {
  private readonly tasks: (() => Promise<void> | void)[] = [];
  private running = false;
  private paused = false;
  private stopped = false;

  constructor(
    private readonly highWater: number,
    private readonly pause: () => void,
    private readonly resume: () => void,
    private readonly onError: (err: unknown) => void,
  ) {}

  push(task: () => Promise<void> | void): void {
    if (this.stopped) return;
    this.tasks.push(task);
    if (!this.paused && this.tasks.length > this.highWater) {
      this.paused = true;
      this.pause();
    }
    if (!this.running) void this.run();
  }

  /** Drop everything still waiting (the session is closing, or STARTTLS discards pipelined input). */
  clear(): void {
    this.tasks.length = 0;
  }

  stop(): void {
    this.stopped = true;
    this.clear();
  }

  get idle(): boolean {
    return !this.running && this.tasks.length === 0;
  }

  private async run(): Promise<void> {
    this.running = true;
    while (this.tasks.length && !this.stopped) {
      const task = this.tasks.shift()!;
      try {
        await task();
      } catch (err) {
        this.onError(err);
      }
      if (this.paused && this.tasks.length <= this.highWater / 2) {
        this.paused = false;
        this.resume();
      }
    }
    this.running = false;
  }
}
