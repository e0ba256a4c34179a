/**
 * Reads a JSON-with-comments document as VS Code writes settings files: `//` and block comments and
 * trailing commas are allowed. Comments and trailing commas are blanked outside strings in one linear
 * pass (hostile files included), then the text goes to JSON.parse, whose errors are thrown as they are.
 */
export function parseJsonc(text: string): unknown {
  const parts: string[] = [];
  const n = text.length;
  let i = 0;
  let start = 0; // start of the verbatim run not yet pushed
  let comma = -1; // index in `parts` of a comma that may turn out to be trailing
  let prev = 0; // last significant character outside comments (a comma after `{`, `[` or `,` is never trailing)
  const flush = (to: number): void => {
    if (to > start) parts.push(text.slice(start, to));
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      while (j < n && text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c ? 2 : 1;
      i = j + 1;
      comma = -1;
      prev = c;
    } else if (c === 0x2f /* / */ && (text[i + 1] === '/' || text[i + 1] === '*')) {
      flush(i);
      if (text[i + 1] === '/') {
        const end = text.indexOf('\n', i + 2);
        i = end < 0 ? n : end;
      } else {
        const end = text.indexOf('*/', i + 2);
        i = end < 0 ? n : end + 2;
        parts.push(' ');
      }
      start = i;
    } else if (c === 0x2c /* , */ && prev !== 0x7b && prev !== 0x5b && prev !== 0x2c) {
      flush(i);
      comma = parts.length;
      parts.push(',');
      start = ++i;
      prev = c;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      if (comma >= 0) parts[comma] = ' ';
      comma = -1;
      prev = c;
      i++;
    } else {
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) {
        comma = -1;
        prev = c;
      }
      i++;
    }
  }
  flush(n);
  return JSON.parse(parts.join(''));
}
