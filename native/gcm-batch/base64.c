/* Strict standard base64 (the rule of isStrictBase64 in src/core/crypto/aes-gcm.ts): decode and encode. */
#include "base64.h"

/* Standard base64 alphabet: the 6-bit value, or -1. */
static const int8_t B64[256] = {
#define X -1
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, 62, X, X, X, 63, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, X, X, X, X, X, X,
    X, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, X, X, X, X, X,
    X, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
#undef X
};

/** Padding characters of a text of length n (a multiple of 4): as isStrictBase64 counts them. */
size_t b64_pad(const uint8_t *s, size_t n) {
  if (n == 0 || s[n - 1] != '=') return 0;
  return n >= 2 && s[n - 2] == '=' ? 2 : 1;
}

/** Decodes strict base64 s[0 .. n) into d (n % 4 == 0 checked by the caller); 0, with nothing written, when a character is not in the alphabet. */
size_t b64_length(const uint8_t *s, size_t n) {
  return n % 4 ? (size_t)-1 : n / 4 * 3 - b64_pad(s, n);
}

int b64_valid(const uint8_t *s, size_t n) {
  size_t end = n - b64_pad(s, n);
  int bad = 0;
  for (size_t i = 0; i < end; i++) bad |= B64[s[i]] < 0;
  return !bad;
}

int b64_decode(const uint8_t *s, size_t n, uint8_t *d) {
  size_t pad = b64_pad(s, n), end = n - pad, full = (pad ? end - (4 - pad) : end) / 4 * 4, i = 0;
  /* one pass: any character outside the alphabet makes its lookup negative, which the OR keeps; the
     bytes written before that is known are the caller's scratch, and the status says to ignore them */
  int32_t bad = 0;
  for (; i < full; i += 4) {
    int32_t a = B64[s[i]], b = B64[s[i + 1]], c = B64[s[i + 2]], e = B64[s[i + 3]];
    bad |= a | b | c | e;
    uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)e;
    *d++ = (uint8_t)(v >> 16);
    *d++ = (uint8_t)(v >> 8);
    *d++ = (uint8_t)v;
  }
  if (pad) { /* the last group: xx== (one byte) or xxx= (two) */
    int32_t a = B64[s[i]], b = B64[s[i + 1]], c = pad == 1 ? B64[s[i + 2]] : 0;
    bad |= a | b | c;
    uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6;
    *d++ = (uint8_t)(v >> 16);
    if (pad == 1) *d = (uint8_t)(v >> 8);
  }
  return bad >= 0;
}

static const char ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t b64_encode(const uint8_t *s, size_t n, uint8_t *d) {
  uint8_t *start = d;
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
    *d++ = (uint8_t)ALPHABET[v >> 18];
    *d++ = (uint8_t)ALPHABET[(v >> 12) & 63];
    *d++ = (uint8_t)ALPHABET[(v >> 6) & 63];
    *d++ = (uint8_t)ALPHABET[v & 63];
  }
  if (i < n) {
    uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0);
    *d++ = (uint8_t)ALPHABET[v >> 18];
    *d++ = (uint8_t)ALPHABET[(v >> 12) & 63];
    *d++ = i + 1 < n ? (uint8_t)ALPHABET[(v >> 6) & 63] : '=';
    *d++ = '=';
  }
  return (size_t)(d - start);
}
