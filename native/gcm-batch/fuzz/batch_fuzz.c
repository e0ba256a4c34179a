/*
 * Memory-safety and round-trip fuzz of envelope_batch.c, built with AddressSanitizer and UBSan by
 * test/unit/rotation/envelope-batch-asan.test.ts and linked against the system's libcrypto: batches of
 * real envelope lines (values sealed under the target KEK, the old KEK, a foreign KEK, under an
 * alias key_id), then mutated (JSON fragments spliced in, bytes flipped, ranges cut). Each batch, the
 * scanner array, the records and the output sit in heap blocks of exactly their size, so a one-byte
 * overrun is caught. Every batch runs in the three modes; a rewrite that is done must read back
 * (the read-back mode, target KEK only) done, with the same line records.
 * Usage: batch_fuzz ITERATIONS SEED. Prints: done, handed back; exits non-zero on a broken invariant.
 */
#include "../envelope_batch.h"
#include "../envelope_scan.h"
#include "../base64.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_random.h"


static void fill(uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) p[i] = (uint8_t)next();
}

static void seal(const uint8_t *key, const uint8_t *iv, const uint8_t *pt, int n, uint8_t *out) {
  EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
  int l = 0;
  if (!c || !EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, iv) || (n && !EVP_EncryptUpdate(c, out, &l, pt, n)) || !EVP_EncryptFinal_ex(c, out + n, &l) ||
      !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, out + n)) {
    fprintf(stderr, "seal failed\n");
    exit(2);
  }
  EVP_CIPHER_CTX_free(c);
}

static uint8_t keks[3][32]; /* 0 target (kek-v2), 1 old (kek-v1), 2 foreign */

/* One envelope value, as the scanner accepts it, written at d; returns its length. */
static size_t value(char *d) {
  /* mostly plain values (so that many batches are done), some of each odd kind */
  static const char *const ids[] = {"kek-v1", "kek-v2", "either", "alias", "kek-v9", "kek-v1-legacy"};
  uint32_t r = next() % 100;
  int id = r < 78 ? 0 : r < 88 ? 1 : r < 93 ? 2 : r < 96 ? 3 : r < 98 ? 4 : 5, kek = id == 1 || id == 3 ? 0 : (next() % 32 == 0 ? 2 : 1);
  uint8_t dek[32], w[60], iv[12], pt[160], ct[176];
  char wb[81], ivb[17], ctb[240];
  int n = (int)(next() % 160);
  fill(dek, 32), fill(w, 12), fill(iv, 12), fill(pt, (size_t)n);
  seal(keks[kek], w, dek, 32, w + 12);
  seal(dek, iv, pt, n, ct);
  wb[b64_encode(w, 60, (uint8_t *)wb)] = 0;
  ivb[b64_encode(iv, 12, (uint8_t *)ivb)] = 0;
  ctb[b64_encode(ct, (size_t)n + 16, (uint8_t *)ctb)] = 0;
  return (size_t)sprintf(d, "{\"version\":1,\"alg\":\"AES-256-GCM\",\"key_id\":\"%s\",\"dek_wrapped\":\"%s\",\"nonce\":\"%s\",\"ciphertext\":\"%s\"}", ids[id], wb, ivb, ctb);
}

static const char *const PIECES[] = {"{", "}", "\"", "\\", ",", ":", " ", "\r", "\n", "null", "\"request_data\":", "=", "A", "\xc3\xa9", "\x01", "[1,{}]"};
#define NPIECES (sizeof PIECES / sizeof PIECES[0])

int main(int argc, char **argv) {
  long iterations = argc > 1 ? atol(argv[1]) : 10000;
  seed(argc, argv, 2);
  fill(keks[0], 96);
  static const char ids[] = "kek-v1kek-v2eitheraliaskek-v1-legacy";
  const uint32_t idOff[] = {0, 6, 12, 18, 23, 36}, candOff[] = {0, 1, 2, 4, 5, 6}, cand[] = {1, 0, 0, 1, 0, 1};
  env_spec spec = {keks[0], 2, (const uint8_t *)ids, idOff, candOff, cand, 5, 0, (const uint8_t *)"kek-v2", 6, (const uint8_t *)"kek-v2", 6, ENV_REWRITE};
  env_spec back = spec;
  const uint32_t backOff[] = {0, 6}, backCand[] = {0}, backCandOff[] = {0, 1};
  back.ids = (const uint8_t *)"kek-v2", back.id_off = backOff, back.cand_off = backCandOff, back.cand = backCand, back.id_count = 1, back.mode = ENV_VERIFY;
  static char tmp[32768];
  long done = 0, left = 0;
  for (long it = 0; it < iterations; it++) {
    size_t n = 0;
    int lines = 1 + next() % 6;
    for (int k = 0; k < lines; k++) {
      n += (size_t)sprintf(tmp + n, "{\"t\":%u,\"request_data\":", next());
      n += next() % 6 ? value(tmp + n) : (size_t)sprintf(tmp + n, "null");
      n += (size_t)sprintf(tmp + n, ",\"response_data\":");
      n += next() % 3 ? value(tmp + n) : (size_t)sprintf(tmp + n, "null");
      n += (size_t)sprintf(tmp + n, "}%s", next() % 4 ? "\n" : "\r\n");
    }
    if (next() % 5 == 0) n--; /* the last line without its LF */
    for (int k = next() % 3 == 0 ? 1 + next() % 3 : 0; k > 0 && n > 0; k--) {
      size_t at = next() % n;
      const char *p = PIECES[next() % NPIECES];
      size_t l = strlen(p);
      int how = next() % 3;
      if (how == 0 && n + l < sizeof tmp - 1) {
        memmove(tmp + at + l, tmp + at, n - at);
        memcpy(tmp + at, p, l);
        n += l;
      } else if (how == 1) {
        size_t cut = next() % (n - at + 1);
        memmove(tmp + at, tmp + at + cut, n - at - cut);
        n -= cut;
      } else {
        tmp[at] ^= (char)(1u << (next() % 8));
      }
    }
    size_t cap = 1 + next() % 8;
    uint8_t *buf = malloc(n ? n : 1);
    uint32_t *scan = malloc(cap * ENVELOPE_SCAN_STRIDE * sizeof *scan);
    uint8_t *dg = malloc(cap * 32), *dg2 = malloc(cap * 32);
    uint32_t from[2];
    memcpy(buf, tmp, n);
    for (int mode = ENV_REWRITE; mode <= ENV_VERIFY; mode++) {
      env_spec *s = mode == ENV_VERIFY ? &back : &spec;
      spec.mode = mode == ENV_VERIFY ? ENV_REWRITE : mode;
      env_result r;
      env_batch *b = env_batch_run(buf, n, s, scan, cap, dg, from, &r);
      if (!b) {
        left++;
        continue;
      }
      done++;
      if (r.lines > cap || r.fields > 2 * r.lines || r.on_target + r.rewritten > r.fields) {
        fprintf(stderr, "iteration %ld: counts out of range\n", it);
        return 1;
      }
      if (mode == ENV_REWRITE) {
        uint8_t *out = malloc(r.out_len ? r.out_len : 1);
        env_batch_write(b, out);
        if (r.same_size) { /* the in-place write gives the same bytes */
          uint8_t *again = malloc(n ? n : 1);
          memcpy(again, buf, n);
          env_batch_write_in_place(b, again);
          if (r.out_len != n || memcmp(again, out, n) != 0) {
            fprintf(stderr, "iteration %ld: the in-place write differs\n", it);
            return 1;
          }
          free(again);
        }
        env_result r2;
        uint32_t *scan2 = malloc(cap * ENVELOPE_SCAN_STRIDE * sizeof *scan2);
        env_batch *b2 = env_batch_run(out, r.out_len, &back, scan2, cap, dg2, from, &r2);
        if (!b2 || r2.lines != r.lines || memcmp(dg, dg2, r.lines * 32) != 0) {
          fprintf(stderr, "iteration %ld: a done rewrite did not read back (code %d at %u)\n", it, r2.code, r2.at);
          return 1;
        }
        env_batch_free(b2);
        free(scan2);
        free(out);
      }
      env_batch_free(b);
    }
    free(buf);
    free(scan);
    free(dg);
    free(dg2);
  }
  printf("%ld %ld\n", done, left);
  return 0;
}
