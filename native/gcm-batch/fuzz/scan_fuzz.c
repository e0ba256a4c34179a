/*
 * Memory-safety fuzz of envelope_scan.c, built with AddressSanitizer and UBSan by
 * test/unit/rotation/envelope-scan-asan.test.ts: batches spliced from JSON fragments, envelope
 * near-misses and random bytes, each in a heap block of exactly its size (a read one byte past the
 * batch is caught), the output array exactly `cap` lines long. Usage: scan_fuzz ITERATIONS SEED.
 * Prints the number of batches it accepted and refused; any sanitizer report makes it exit non-zero.
 */
#include "../envelope_scan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_random.h"

static const char *const PIECES[] = {
    "{", "}", "[", "]", ",", ":", "\"", "\\", " ", "\t", "\r", "\n", "0", "-", "1.5e+3", "01", "1.", "true", "null", "false",
    "\"request_data\":", "\"response_data\":", "\"version\":1", "\"alg\":\"AES-256-GCM\"", "\"key_id\":\"kek-v1\"",
    "\"dek_wrapped\":\"QUJD\"", "\"nonce\":\"QUJD\"", "\"ciphertext\":\"QUJD\"", "\"\\u00e9\"", "\"\\u12", "\xc3\xa9", "\xff",
    "{\"request_data\":{\"version\":1,\"alg\":\"AES-256-GCM\",\"key_id\":\"kek-v1\",\"dek_wrapped\":\"QUJD\",\"nonce\":\"QUJD\",\"ciphertext\":\"QUJD\"}}",
};
#define TEMPLATE "\"request_data\":{\"version\":1,\"alg\":\"AES-256-GCM\",\"key_id\":\"kek-v1\",\"dek_wrapped\":\"QUJD\",\"nonce\":\"QUJD\",\"ciphertext\":\"QUJD\"}"
#define NPIECES (sizeof PIECES / sizeof PIECES[0])


int main(int argc, char **argv) {
  long iterations = argc > 1 ? atol(argv[1]) : 100000;
  seed(argc, argv, 2);
  char tmp[8192];
  long accepted = 0, refused = 0;
  for (long it = 0; it < iterations; it++) {
    size_t n = 0;
    if (next() % 2) { /* valid lines, then a few mutations */
      int lines = 1 + next() % 3;
      for (int k = 0; k < lines; k++) n += (size_t)sprintf(tmp + n, "%s{\"t\":[1,{\"a\":null}],%s%s}\n", next() % 2 ? " " : "", TEMPLATE, next() % 2 ? ",\"response_data\":null" : "");
      int muts = next() % 4;
      for (int k = 0; k < muts && n > 0; k++) {
        size_t at = next() % n;
        const char *p = PIECES[next() % NPIECES];
        size_t l = strlen(p);
        if (next() % 2 && n + l < sizeof tmp) {
          memmove(tmp + at + l, tmp + at, n - at);
          memcpy(tmp + at, p, l);
          n += l;
        } else if (next() % 2) {
          tmp[at] = (char)next();
        } else {
          n = at;
        }
      }
    }
    int parts = n ? 0 : 1 + next() % 24;
    for (int k = 0; k < parts && n < sizeof tmp - 512; k++) {
      if (next() % 8 == 0) {
        size_t r = 1 + next() % 16;
        for (size_t j = 0; j < r; j++) tmp[n++] = (char)next();
      } else {
        const char *p = PIECES[next() % NPIECES];
        size_t l = strlen(p);
        memcpy(tmp + n, p, l);
        n += l;
      }
    }
    if (next() % 4 == 0 && n > 0) tmp[next() % n] = (char)next(); /* one flipped byte */
    uint8_t *buf = malloc(n ? n : 1);
    memcpy(buf, tmp, n);
    size_t cap = next() % 6;
    uint32_t *out = malloc((cap ? cap : 1) * ENVELOPE_SCAN_STRIDE * sizeof *out);
    long r = envelope_scan(buf, n, out, cap);
    if (r >= 0) {
      accepted++;
      for (long i = 0; i < r; i++) { /* every offset inside the batch, ranges in order */
        uint32_t *rec = out + i * ENVELOPE_SCAN_STRIDE;
        if (!(rec[0] <= rec[1] && rec[1] <= rec[2] && rec[2] <= n && rec[3] <= 2)) return fprintf(stderr, "bad record\n"), 2;
        for (uint32_t v = 0; v < rec[3]; v++)
          for (int j = 0; j < ENVELOPE_SCAN_PER_VALUE; j += 2) {
            uint32_t *x = rec + ENVELOPE_SCAN_HEAD + v * ENVELOPE_SCAN_PER_VALUE + j;
            if (!(rec[0] <= x[0] && x[0] <= x[1] && x[1] <= rec[1])) return fprintf(stderr, "bad range\n"), 2;
          }
      }
    } else {
      refused++;
    }
    free(out);
    free(buf);
  }
  printf("%ld %ld\n", accepted, refused);
  return 0;
}
