import type { Writable } from 'node:stream';

/** Writes with backpressure, so piping a huge decrypt into `head` or a slow consumer stays bounded in memory. */
export class Output {
  constructor(
    private readonly out: Writable = process.stdout,
    private readonly err: Writable = process.stderr,
  ) {}

  async line(text: string): Promise<void> {
    if (!this.out.write(text + '\n')) await new Promise<void>((resolve) => this.out.once('drain', resolve));
  }

  json(value: unknown): Promise<void> {
    return this.line(JSON.stringify(value));
  }

  warn(text: string): void {
    this.err.write(text + '\n');
  }
}
