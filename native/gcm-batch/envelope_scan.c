/*
 * The envelope-line scanner of a rewrap batch: for each line of a batch of complete lines, checks
 * that the line is one JSON object (RFC 8259, the grammar JSON.parse follows) and finds its top-level
 * `request_data` / `response_data` envelope values and, inside each, the texts of key_id,
 * dek_wrapped, nonce and ciphertext. It accepts only the plain shape the JavaScript path
 * (src/core/formats/line-fields.ts) treats the same way byte for byte, and refuses anything else:
 * the caller then takes the batch through that path, which gives the messages. Refused: a byte
 * >= 0x80, a blank line, a BOM, nesting deeper than MAX_DEPTH, a top-level key with an escape or
 * one of the two names twice, an object under the two names that is not an envelope value written
 * compactly with exactly its six members once each (version 1, alg AES-256-GCM, strings without
 * escapes or braces), a value whose bytes occur more than once in the line. Under the two names,
 * anything but an object (null for an entry without a response) is no value, as there.
 * Time is linear in the batch: each byte is looked at a bounded number of times (the uniqueness
 * search too: a value holds one '{', so candidate matches cannot overlap).
 * No allocation; nothing is read outside [buf, buf + n) or written outside out[0 .. cap * STRIDE).
 */
#include "envelope_scan.h"

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define MAX_DEPTH 512

typedef const uint8_t *ptr;

/*
 * Byte classes, one table lookup per byte on the long runs (base64 texts are most of a line):
 * C_WS JSON whitespace; C_STR string content as is (0x20..0x7f but '"' and '\\': no control byte,
 * no byte >= 0x80); C_ENV envelope member texts (C_STR without '{' and 0x7f).
 */
enum { C_WS = 1, C_STR = 2, C_ENV = 4 };
static const uint8_t cls[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    7, 6, 0, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 0, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 2, 6, 6, 6, 2,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/** The end of the run of bytes of class `want` (C_STR or C_ENV) from p: sixteen bytes per step with SSE2, else eight, while it lasts. */
static ptr run_of(ptr p, ptr e, uint8_t want) {
#if defined(__SSE2__)
  /* not in the class: below 0x20 or from 0x80 (a signed compare catches both), '"', '\\'; for C_ENV also '{' and 0x7f */
  const __m128i space = _mm_set1_epi8(0x20), quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
  const __m128i brace = _mm_set1_epi8(want == C_ENV ? '{' : '"'), del = _mm_set1_epi8(want == C_ENV ? 0x7f : '"');
  while (e - p >= 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    __m128i out = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(v, space), _mm_cmpeq_epi8(v, quote)),
                               _mm_or_si128(_mm_cmpeq_epi8(v, backslash), _mm_or_si128(_mm_cmpeq_epi8(v, brace), _mm_cmpeq_epi8(v, del))));
    unsigned m = (unsigned)_mm_movemask_epi8(out);
    if (m) return p + __builtin_ctz(m);
    p += 16;
  }
#endif
  while (e - p >= 8 && (cls[p[0]] & cls[p[1]] & cls[p[2]] & cls[p[3]] & cls[p[4]] & cls[p[5]] & cls[p[6]] & cls[p[7]] & want)) p += 8;
  while (p < e && (cls[*p] & want)) p++;
  return p;
}

static ptr ws(ptr p, ptr e) {
  while (p < e && (cls[*p] & C_WS)) p++;
  return p;
}

static int is_hex(uint8_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/** p at '"': the byte after the closing quote, or NULL. *escaped: the string holds a backslash. */
static ptr string_end(ptr p, ptr e, int *escaped) {
  p++;
  while (p < e) {
    p = run_of(p, e, C_STR);
    if (p >= e) return NULL;
    uint8_t c = *p;
    if (c == '"') return p + 1;
    if (c == '\\') {
      if (escaped) *escaped = 1;
      if (e - p < 2) return NULL;
      c = p[1];
      if (c == 'u') {
        if (e - p < 6 || !is_hex(p[2]) || !is_hex(p[3]) || !is_hex(p[4]) || !is_hex(p[5])) return NULL;
        p += 6;
      } else if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' || c == 'r' || c == 't') {
        p += 2;
      } else {
        return NULL;
      }
      continue;
    }
    return NULL; /* a control byte, or a byte >= 0x80 (refused: see the top) */
  }
  return NULL;
}

static ptr digits(ptr p, ptr e) {
  ptr s = p;
  while (p < e && *p >= '0' && *p <= '9') p++;
  return p > s ? p : NULL;
}

/** -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static ptr number_end(ptr p, ptr e) {
  if (p < e && *p == '-') p++;
  if (p >= e) return NULL;
  if (*p == '0') p++;
  else if (*p >= '1' && *p <= '9') p = digits(p, e);
  else return NULL;
  if (p < e && *p == '.') {
    p = digits(p + 1, e);
    if (!p) return NULL;
  }
  if (p < e && (*p == 'e' || *p == 'E')) {
    p++;
    if (p < e && (*p == '+' || *p == '-')) p++;
    p = digits(p, e);
  }
  return p;
}

static ptr literal_end(ptr p, ptr e, const char *word) {
  size_t k = strlen(word);
  return (size_t)(e - p) >= k && memcmp(p, word, k) == 0 ? p + k : NULL;
}

/** Any JSON value starting at p (after whitespace): its end, or NULL. Iterative: depth costs no stack. */
static ptr value_end(ptr p, ptr e) {
  uint8_t stack[MAX_DEPTH]; /* '{' or '[' per open container */
  int d = 0;
  enum { VALUE, KEY, AFTER } want = VALUE;
  for (;;) {
    p = ws(p, e);
    if (p >= e) return NULL;
    if (want == KEY) {
      if (*p != '"' || !(p = string_end(p, e, NULL))) return NULL;
      p = ws(p, e);
      if (p >= e || *p != ':') return NULL;
      p++;
      want = VALUE;
      continue;
    }
    if (want == AFTER) {
      if (d == 0) return p;
      uint8_t close = stack[d - 1] == '{' ? '}' : ']';
      if (*p == ',') {
        p++;
        want = stack[d - 1] == '{' ? KEY : VALUE;
      } else if (*p == close) {
        p++;
        d--;
        if (d == 0) return p;
      } else {
        return NULL;
      }
      continue;
    }
    /* want == VALUE */
    uint8_t c = *p;
    if (c == '{' || c == '[') {
      if (d == MAX_DEPTH) return NULL;
      stack[d++] = c;
      p = ws(p + 1, e);
      if (p < e && *p == (c == '{' ? '}' : ']')) {
        p++;
        d--;
        want = AFTER;
        if (d == 0) return p;
      } else {
        want = c == '{' ? KEY : VALUE;
      }
      continue;
    }
    if (c == '"') p = string_end(p, e, NULL);
    else if (c == 't') p = literal_end(p, e, "true");
    else if (c == 'f') p = literal_end(p, e, "false");
    else if (c == 'n') p = literal_end(p, e, "null");
    else p = number_end(p, e);
    if (!p) return NULL;
    if (d == 0) return p;
    want = AFTER;
  }
}

enum { M_VERSION, M_ALG, M_KEY_ID, M_DEK, M_NONCE, M_CT, MEMBERS };
static const char *const member_names[MEMBERS] = {"version", "alg", "key_id", "dek_wrapped", "nonce", "ciphertext"};

static int member_index(ptr k, size_t len) {
  for (int i = 0; i < MEMBERS; i++)
    if (strlen(member_names[i]) == len && memcmp(k, member_names[i], len) == 0) return i;
  return -1;
}

/**
 * p at '{': an envelope value written as JSON.stringify writes it, its end or NULL. `at` gets the
 * content ranges (inside the quotes) of key_id, dek_wrapped, nonce and ciphertext, as offsets from `base`.
 */
static ptr envelope_end(ptr p, ptr e, ptr base, uint32_t *at) {
  unsigned seen = 0;
  p++;
  for (;;) {
    if (p >= e || *p != '"') return NULL;
    ptr k = ++p;
    while (p < e && *p >= 'a' && *p <= 'z') p++;
    while (p < e && ((*p >= 'a' && *p <= 'z') || *p == '_')) p++;
    if (p >= e || *p != '"') return NULL;
    int m = member_index(k, (size_t)(p - k));
    if (m < 0 || (seen & (1u << m))) return NULL;
    seen |= 1u << m;
    p++;
    if (p >= e || *p != ':') return NULL;
    p++;
    if (m == M_VERSION) {
      if (p >= e || *p != '1') return NULL;
      p++;
    } else {
      if (p >= e || *p != '"') return NULL;
      ptr s = ++p;
      p = run_of(p, e, C_ENV);
      if (p >= e || *p != '"') return NULL;
      size_t len = (size_t)(p - s);
      if (m == M_ALG && !(len == 11 && memcmp(s, "AES-256-GCM", 11) == 0)) return NULL;
      if (m == M_KEY_ID && len == 0) return NULL;
      if (m >= M_KEY_ID) {
        at[2 * (m - M_KEY_ID)] = (uint32_t)(s - base);
        at[2 * (m - M_KEY_ID) + 1] = (uint32_t)(p - base);
      }
      p++;
    }
    if (p >= e) return NULL;
    if (*p == '}') return seen == (1u << MEMBERS) - 1 ? p + 1 : NULL;
    if (*p != ',') return NULL;
    p++;
  }
}

/**
 * How many times [v, v + m) occurs in [s, e), stopping at 2. Linear: v holds one '{', at its start,
 * so the prefixes that candidates match cannot overlap, and memcmp stops at the first difference.
 */
static int occurrences(ptr s, ptr e, ptr v, size_t m) {
  int count = 0;
  while (s < e && count < 2) {
    ptr q = memchr(s, '{', (size_t)(e - s));
    if (!q || (size_t)(e - q) < m) break;
    if (memcmp(q, v, m) == 0) {
      count++;
      s = q + m;
    } else {
      s = q + 1;
    }
  }
  return count;
}

static const char REQ[] = "request_data";
static const char RES[] = "response_data";

/** One line's text [s, e): 1 and its record in `rec` when accepted. */
/* Every byte of [s, e) is taken by the grammar below, so a byte >= 0x80 anywhere refuses the line. */
static int scan_line(ptr buf, ptr s, ptr e, uint32_t *rec) {
  ptr p = ws(s, e);
  if (p >= e || *p != '{') return 0;
  uint32_t nv = 0;
  int seenReq = 0, seenRes = 0;
  p = ws(p + 1, e);
  if (p < e && *p == '}') {
    p++;
  } else {
    for (;;) {
      if (p >= e || *p != '"') return 0;
      int escaped = 0;
      ptr k = p + 1;
      ptr ke = string_end(p, e, &escaped);
      if (!ke || escaped) return 0;
      size_t klen = (size_t)(ke - 1 - k);
      int isReq = klen == sizeof REQ - 1 && memcmp(k, REQ, klen) == 0;
      int isRes = klen == sizeof RES - 1 && memcmp(k, RES, klen) == 0;
      p = ws(ke, e);
      if (p >= e || *p != ':') return 0;
      p = ws(p + 1, e);
      if (isReq || isRes) {
        if ((isReq && seenReq) || (isRes && seenRes)) return 0;
        seenReq |= isReq;
        seenRes |= isRes;
        if (p >= e) return 0;
        if (*p != '{') {
          /* not an object (null when an entry has no response): no value, as line-fields.ts skips it */
          p = value_end(p, e);
          if (!p) return 0;
          goto next;
        }
        uint32_t *v = rec + ENVELOPE_SCAN_HEAD + nv * ENVELOPE_SCAN_PER_VALUE;
        ptr ve = envelope_end(p, e, buf, v + 2);
        if (!ve) return 0;
        v[0] = (uint32_t)(p - buf);
        v[1] = (uint32_t)(ve - buf);
        nv++;
        p = ve;
      } else {
        p = value_end(p, e);
        if (!p) return 0;
      }
    next:
      p = ws(p, e);
      if (p >= e) return 0;
      if (*p == '}') {
        p++;
        break;
      }
      if (*p != ',') return 0;
      p = ws(p + 1, e);
    }
  }
  if (ws(p, e) != e) return 0;
  for (uint32_t i = 0; i < nv; i++) {
    uint32_t *v = rec + ENVELOPE_SCAN_HEAD + i * ENVELOPE_SCAN_PER_VALUE;
    if (occurrences(s, e, buf + v[0], v[1] - v[0]) != 1) return 0;
  }
  rec[3] = nv;
  return 1;
}

long envelope_scan(const uint8_t *buf, size_t n, uint32_t *out, size_t cap) {
  size_t line = 0;
  if (n > UINT32_MAX) return -1;
  for (size_t s = 0; s < n; line++) {
    if (line == cap) return -1 - (long)line;
    const uint8_t *nl = memchr(buf + s, '\n', n - s);
    size_t end = nl ? (size_t)(nl - buf) + 1 : n;
    size_t te = nl ? (size_t)(nl - buf) : n;
    if (nl && te > s && buf[te - 1] == '\r') te--;
    uint32_t *rec = out + line * ENVELOPE_SCAN_STRIDE;
    memset(rec, 0, ENVELOPE_SCAN_STRIDE * sizeof *rec);
    rec[0] = (uint32_t)s;
    rec[1] = (uint32_t)te;
    rec[2] = (uint32_t)end;
    if (!scan_line(buf, buf + s, buf + te, rec)) return -1 - (long)line;
    s = end;
  }
  return (long)line;
}
