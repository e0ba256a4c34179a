import * as vscode from 'vscode';
import type { AuditEvent, AuditSink } from '../core/keys/types';

/**
 * The audit trail: a LogOutputChannel ("Encrypted Logs Audit") recording key accesses, key source
 * errors, reveals, exports, rotations and cache clears with their time. Never key material, never
 * plaintext: callers pass only sources, versions, counts and file names.
 */
export class Audit implements vscode.Disposable {
  readonly channel: vscode.LogOutputChannel;
  /** Recent events, for the host tests. */
  readonly recent: AuditEvent[] = [];

  constructor() {
    this.channel = vscode.window.createOutputChannel('Encrypted Logs Audit', { log: true });
  }

  readonly sink: AuditSink = (event) => this.record(event);

  record(event: Omit<AuditEvent, 'time'> & { time?: string }): void {
    const e: AuditEvent = { time: event.time ?? new Date().toISOString(), ...event } as AuditEvent;
    this.recent.push(e);
    if (this.recent.length > 500) this.recent.splice(0, this.recent.length - 500);
    const parts: string[] = [e.action];
    if (e.source) parts.push(`source=${e.source}`);
    if (e.version) parts.push(`version=${e.version}`);
    if (e.detail) parts.push(e.detail);
    const line = `${parts.join(' ')} (at ${e.time})`;
    if (e.action === 'key-source-error') this.channel.warn(line);
    else this.channel.info(line);
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
