/**
 * Minimal globs for policy paths, matched against `/`-separated paths relative to the scan base:
 * `**` any number of segments, `*` anything but `/`, `?` one character but `/`, `{a,b}` alternatives.
 * A pattern without `/` matches at any depth (like .gitignore); `dir/` or `dir/**` covers everything below.
 */
export function globToRegExp(pattern: string): RegExp {
  let p = pattern.trim().replace(/\\/g, '/').replace(/^\.\//, '');
  if (p.endsWith('/')) p += '**';
  const anchored = p.includes('/') && !p.startsWith('**/');
  if (p.startsWith('/')) p = p.slice(1);
  let re = '';
  let inAlt = 0;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '*') {
      if (p[i + 1] === '*') {
        // `**/` = zero or more segments; a trailing `**` = everything below
        if (p[i + 2] === '/') {
          re += '(?:[^/]*/)*';
          i += 2;
        } else {
          re += '.*';
          i += 1;
        }
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{') {
      inAlt++;
      re += '(?:';
    } else if (c === '}' && inAlt > 0) {
      inAlt--;
      re += ')';
    } else if (c === ',' && inAlt > 0) re += '|';
    else re += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  // A directory pattern also covers what is inside it.
  return new RegExp(`^${anchored ? '' : '(?:[^/]*/)*'}${re}(?:/.*)?$`);
}

export function compileGlobs(patterns: readonly string[]): (relPath: string) => boolean {
  const res = patterns.filter((p) => p.trim() !== '').map(globToRegExp);
  return (relPath) => {
    const rel = relPath.replace(/\\/g, '/').replace(/^\.\//, '');
    return res.some((r) => r.test(rel));
  };
}
