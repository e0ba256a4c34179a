/**
 * What an entry says, read from its (masked) request and response trees, whichever shape the agent
 * logged: Symbiont's `{prompt, tool_name, tool_arguments}` / `{content, tool_result}`, chat
 * `messages` / `choices`, or a bare string. Pure, bounded (see text.ts).
 */
import { fieldOf } from '../json';
import { compactJson, oneLine } from './text';

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function lastElement(v: unknown): unknown {
  return Array.isArray(v) && v.length > 0 ? v[v.length - 1] : undefined;
}

/** Text of a chat message's `content`: a string, or the `text` of its parts. */
function messageText(m: unknown): string | undefined {
  const c = fieldOf(m, 'content');
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) {
    const parts: string[] = [];
    for (const p of c.slice(0, 16)) {
      const t = str(fieldOf(p, 'text'));
      if (t !== undefined) parts.push(t);
    }
    return parts.length ? parts.join(' ') : undefined;
  }
  return undefined;
}

/** The prompt of a request: `prompt`, the last chat message, `input`, or the request itself if a string. */
export function promptOf(request: unknown): string | undefined {
  if (typeof request === 'string') return request;
  return str(fieldOf(request, 'prompt')) ?? messageText(lastElement(fieldOf(request, 'messages'))) ?? str(fieldOf(request, 'input')) ?? str(fieldOf(request, 'query'));
}

/** The answer of a response: `content`, the first choice's message, `output`/`text`, or the response itself if a string. */
export function answerOf(response: unknown): string | undefined {
  if (typeof response === 'string') return response;
  const choice = Array.isArray(fieldOf(response, 'choices')) ? (fieldOf(response, 'choices') as unknown[])[0] : undefined;
  return str(fieldOf(response, 'content')) ?? messageText(fieldOf(choice, 'message')) ?? str(fieldOf(response, 'output')) ?? str(fieldOf(response, 'text'));
}

export interface ToolCall {
  name: string;
  args: unknown;
}

/** The tool a request calls (`tool_name` + `tool_arguments`), if any. */
export function toolCallOf(request: unknown): ToolCall | undefined {
  const name = fieldOf(request, 'tool_name');
  const args = fieldOf(request, 'tool_arguments');
  if ((name === undefined || name === null) && (args === undefined || args === null)) return undefined;
  return { name: typeof name === 'string' ? name : '(tool)', args: args ?? null };
}

/** The tool's result in a response (`tool_result`), if any. */
export function toolResultOf(response: unknown): unknown {
  const r = fieldOf(response, 'tool_result');
  return r === null ? undefined : r;
}

export const PREVIEW_CHARS = 160;

/** One-line preview of a request: its prompt, else the tool it calls, else its JSON. */
export function promptPreview(request: unknown, max = PREVIEW_CHARS): string | null {
  if (request === null || request === undefined) return null;
  const p = promptOf(request);
  if (p !== undefined) return oneLine(p, max);
  const t = toolCallOf(request);
  if (t) return oneLine(`${t.name}(${compactJson(t.args, max * 2)})`, max);
  return oneLine(compactJson(request, max * 2), max);
}

/** One-line preview of a response: its answer, else its tool result, else its JSON. */
export function responsePreview(response: unknown, max = PREVIEW_CHARS): string | null {
  if (response === null || response === undefined) return null;
  const a = answerOf(response);
  if (a !== undefined) return oneLine(a, max);
  const r = toolResultOf(response);
  if (r !== undefined) return oneLine(`→ ${compactJson(r, max * 2)}`, max);
  return oneLine(compactJson(response, max * 2), max);
}
