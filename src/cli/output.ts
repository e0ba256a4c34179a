import type { Writable } from 'node:stream';

/**
 * C0 controls except tab and newline, DEL, C1 controls (U+0080-U+009F: 8-bit CSI/OSC), and the
 * bidi overrides/isolates that reorder what a reader sees. Log content can hold any of them; printed
 * raw, ESC sequences write the clipboard (OSC 52), retitle or clear the terminal.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function visible(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

/** Text for a terminal: control characters from log content shown as `\xHH` escapes, in linear time. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, visible);
}

/** Every line/newline inside a value too: one printed line per line the command meant to print. */
export function terminalSafeValue(text: string): string {
  return terminalSafe(text).replace(/[\n]/g, '\\n');
}

/** JSON with DEL and C1 controls as \u escapes (JSON.stringify leaves them raw): the same value, parsed. */
export function terminalSafeJson(value: unknown): string {
  return terminalSafeJsonText(JSON.stringify(value));
}

/** Serialized JSON text (e.g. the lossless writer's) with DEL, C1 and bidi controls as \u escapes: still the same JSON. */
export function terminalSafeJsonText(json: string): string {
  // eslint-disable-next-line no-control-regex
  return json.replace(/[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Writes with backpressure, so piping a huge decrypt into `head` or a slow consumer stays bounded in
 * memory. Text lines and warnings are escaped for the terminal; JSON stays exact JSON.
 */
export class Output {
  constructor(
    private readonly out: Writable = process.stdout,
    private readonly err: Writable = process.stderr,
  ) {}

  line(text: string): Promise<void> {
    return this.write(terminalSafe(text));
  }

  json(value: unknown): Promise<void> {
    return this.write(terminalSafeJson(value));
  }

  /** A line that already is JSON text (lossless output): escaped as JSON, never as `\\xHH`. */
  jsonText(json: string): Promise<void> {
    return this.write(terminalSafeJsonText(json));
  }

  warn(text: string): void {
    this.err.write(terminalSafe(text) + '\n');
  }

  private async write(text: string): Promise<void> {
    if (!this.out.write(text + '\n')) await new Promise<void>((resolve) => this.out.once('drain', resolve));
  }
}
