/*
 * A whole rewrap batch of envelope-log lines (local KEKs) in one call: the line scanner
 * (envelope_scan.c), then per value the checks and AES-GCM operations of the JavaScript batch path
 * (src/core/rotation/batch-work.ts + envelope-kernel.ts), in the same order and with the same
 * definitions, then the line records (src/core/rotation/line-record.ts) and the rewritten lines.
 * Per value: its key_id's candidate KEKs (first that unwraps the 60-byte wrapped DEK wins); in a
 * rewrite or dry run its data authenticated under the DEK (the plaintext through a wiped scratch,
 * never kept); its digest sha256('K' | DEK | nonce text | '|' | ciphertext text); in a rewrite, a
 * value not already on the target re-wrapped under the target KEK with a fresh random nonce
 * (OpenSSL's RAND_bytes, the CSPRNG behind node:crypto's randomBytes) and its key_id and
 * dek_wrapped texts replaced. In the read-back, every value must unwrap under the target KEK.
 * Anything else (a line the scanner refuses, a key_id without candidates, a value that does not open)
 * stops the batch with a code: the caller takes it the JavaScript way, which gives the messages.
 * Every AES, GHASH, tag comparison and digest is OpenSSL's (EVP); one cipher context per KEK keeps
 * its key schedule across the batch. DEKs are OPENSSL_cleanse'd before env_batch_run returns.
 */
#include "envelope_batch.h"

#include "base64.h"
#include "envelope_scan.h"
#include "gcm_one.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#define KEY_BYTES GCM_KEY_BYTES
#define NONCE_BYTES GCM_NONCE_BYTES
#define TAG_BYTES GCM_TAG_BYTES
#define WRAPPED_BYTES (NONCE_BYTES + KEY_BYTES + TAG_BYTES)
#define WRAPPED_TEXT 80 /* base64 of 60 bytes, no padding */
#define NONCE_TEXT 16

struct env_batch {
  const uint8_t *buf;
  const uint32_t *scan;
  uint32_t lines;
  const env_spec *spec;
  uint8_t *rewrap;    /* per value: 1 when its texts are replaced */
  uint8_t *wrapped;   /* per value: WRAPPED_TEXT base64 bytes */
};

/* Scanner record fields (envelope_scan.h). */
#define REC(b, i) ((b)->scan + (size_t)(i) * ENVELOPE_SCAN_STRIDE)
#define VAL(rec, v) ((rec) + ENVELOPE_SCAN_HEAD + (v) * ENVELOPE_SCAN_PER_VALUE)
enum { V_START, V_END, V_KEY, V_KEY_END, V_DEK, V_DEK_END, V_NONCE, V_NONCE_END, V_CT, V_CT_END };

static long key_index(const env_spec *s, const uint8_t *k, size_t n) {
  for (uint32_t i = 0; i < s->id_count; i++) {
    size_t len = s->id_off[i + 1] - s->id_off[i];
    if (len == n && memcmp(s->ids + s->id_off[i], k, n) == 0) return i;
  }
  return -1;
}

void env_batch_free(env_batch *b) {
  if (!b) return;
  free(b->rewrap);
  free(b->wrapped);
  free(b);
}

/* The record digest of each line (line-record.ts): the line with its values as "\0" i "\0", "\n" k "\n", the value digests. */
static int record_digests(const env_batch *b, const uint8_t *dg, uint8_t *digests) {
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  if (!md) return 0;
  int ok = 1;
  uint32_t v = 0;
  for (uint32_t i = 0; i < b->lines && ok; i++) {
    const uint32_t *rec = REC(b, i);
    uint32_t k = rec[3], pos = rec[0];
    ok = EVP_DigestInit_ex(md, i == 0 ? EVP_sha256() : NULL, NULL);
    for (uint32_t j = 0; j < k && ok; j++) {
      uint8_t ph[3] = {0, (uint8_t)('0' + j), 0};
      ok = EVP_DigestUpdate(md, b->buf + pos, VAL(rec, j)[V_START] - pos) && EVP_DigestUpdate(md, ph, 3);
      pos = VAL(rec, j)[V_END];
    }
    uint8_t count[3] = {'\n', (uint8_t)('0' + k), '\n'};
    ok = ok && EVP_DigestUpdate(md, b->buf + pos, rec[1] - pos) && EVP_DigestUpdate(md, count, 3);
    for (uint32_t j = 0; j < k && ok; j++, v++) ok = EVP_DigestUpdate(md, dg + (size_t)v * 32, 32);
    ok = ok && EVP_DigestFinal_ex(md, digests + (size_t)i * 32, NULL);
  }
  EVP_MD_CTX_free(md);
  return ok;
}

env_batch *env_batch_run(const uint8_t *buf, size_t n, const env_spec *s, uint32_t *scan, size_t cap, uint8_t *digests, uint32_t *from, env_result *res) {
  memset(res, 0, sizeof *res);
  long lines = envelope_scan(buf, n, scan, cap);
  if (lines < 0) {
    res->code = ENV_SCAN_REFUSED;
    res->at = (uint32_t)(-1 - lines);
    return NULL;
  }
  env_batch *b = calloc(1, sizeof *b);
  uint32_t nv = 0;
  for (long i = 0; i < lines; i++) nv += scan[(size_t)i * ENVELOPE_SCAN_STRIDE + 3];
  size_t room = nv ? nv : 1;
  uint8_t *deks = malloc(room * KEY_BYTES), *dg = malloc(room * 32), *ct = NULL;
  /* the wrap nonces of the whole batch in one draw (RAND_bytes per value costs a getpid and a DRBG call each) */
  uint8_t *nonces = s->mode == ENV_REWRITE ? malloc(room * NONCE_BYTES) : NULL;
  long *key = malloc(room * sizeof *key);
  int32_t *by = malloc(room * sizeof *by);
  EVP_CIPHER_CTX **kctx = calloc(s->kek_count ? s->kek_count : 1, sizeof *kctx);
  EVP_CIPHER_CTX *dctx = NULL, *wctx = NULL;
  EVP_MD_CTX *md = NULL;
  if (b) {
    b->buf = buf;
    b->scan = scan;
    b->lines = (uint32_t)lines;
    b->spec = s;
    b->rewrap = calloc(room, 1);
    b->wrapped = s->mode == ENV_REWRITE ? malloc(room * WRAPPED_TEXT) : calloc(1, 1);
  }
  res->code = ENV_DONE;
  res->same_size = 1;
  if (!b || !deks || !dg || !key || !by || !kctx || !b->rewrap || !b->wrapped || (s->mode == ENV_REWRITE && !nonces)) res->code = ENV_NO_MEMORY;
  memset(from, 0, s->kek_count * sizeof *from);
  res->lines = (uint32_t)lines;
  res->fields = nv;

  /* every value's candidates first, as the JavaScript path looks them all up before any AES */
  size_t ct_max = 0;
  uint32_t v = 0;
  for (long i = 0; i < lines && res->code == ENV_DONE; i++) {
    const uint32_t *rec = scan + (size_t)i * ENVELOPE_SCAN_STRIDE;
    for (uint32_t j = 0; j < rec[3]; j++, v++) {
      const uint32_t *x = VAL(rec, j);
      key[v] = key_index(s, buf + x[V_KEY], x[V_KEY_END] - x[V_KEY]);
      if (key[v] < 0) {
        res->code = ENV_KEY_ID;
        res->at = v;
        break;
      }
      size_t len = x[V_CT_END] - x[V_CT];
      if (len / 4 * 3 > ct_max) ct_max = len / 4 * 3;
    }
  }
  if (res->code == ENV_DONE && s->mode != ENV_VERIFY && !(ct = malloc(ct_max ? ct_max : 1))) res->code = ENV_NO_MEMORY;
  /* the digest is set once; each value re-initialises it without fetching it again */
  if (res->code == ENV_DONE && (!(dctx = gcm_ctx(0, NULL)) || !(md = EVP_MD_CTX_new()) || !EVP_DigestInit_ex(md, EVP_sha256(), NULL))) res->code = ENV_CRYPTO;
  if (res->code == ENV_DONE && s->mode == ENV_REWRITE && (!(wctx = gcm_ctx(1, s->keks + (size_t)s->target * KEY_BYTES)) || RAND_bytes(nonces, (int)(room * NONCE_BYTES)) != 1))
    res->code = ENV_CRYPTO;

  v = 0;
  for (long i = 0; i < lines && res->code == ENV_DONE; i++) {
    const uint32_t *rec = scan + (size_t)i * ENVELOPE_SCAN_STRIDE;
    for (uint32_t j = 0; j < rec[3] && res->code == ENV_DONE; j++, v++) {
      const uint32_t *x = VAL(rec, j);
      uint8_t *dek = deks + (size_t)v * KEY_BYTES;
      uint8_t w[WRAPPED_BYTES];
      int opened = 0;
      by[v] = -1;
      if (x[V_DEK_END] - x[V_DEK] == WRAPPED_TEXT && b64_length(buf + x[V_DEK], WRAPPED_TEXT) == WRAPPED_BYTES && b64_decode(buf + x[V_DEK], WRAPPED_TEXT, w)) {
        for (uint32_t c = s->cand_off[key[v]]; c < s->cand_off[key[v] + 1] && !opened; c++) {
          uint32_t k = s->cand[c];
          if (!kctx[k] && !(kctx[k] = gcm_ctx(0, s->keks + (size_t)k * KEY_BYTES))) {
            res->code = ENV_CRYPTO;
            break;
          }
          int r = gcm_open_one(kctx[k], NULL, w, w + NONCE_BYTES, KEY_BYTES, w + NONCE_BYTES + KEY_BYTES, dek);
          if (r < 0) res->code = ENV_CRYPTO;
          if (r == 1) opened = 1, by[v] = (int32_t)k;
        }
      }
      const uint8_t *nonce = buf + x[V_NONCE], *ctext = buf + x[V_CT];
      size_t nonce_n = x[V_NONCE_END] - x[V_NONCE], ct_n = x[V_CT_END] - x[V_CT];
      if (opened && s->mode != ENV_VERIFY) {
        uint8_t iv[NONCE_BYTES];
        size_t len = b64_length(ctext, ct_n);
        opened = nonce_n == NONCE_TEXT && b64_length(nonce, nonce_n) == NONCE_BYTES && len != (size_t)-1 && len >= TAG_BYTES &&
                 b64_decode(nonce, nonce_n, iv) && b64_decode(ctext, ct_n, ct);
        if (opened) {
          int r = gcm_open_one(dctx, dek, iv, ct, len - TAG_BYTES, ct + len - TAG_BYTES, NULL);
          if (r < 0) res->code = ENV_CRYPTO;
          opened = r == 1;
        }
      }
      if (res->code != ENV_DONE) break;
      if (!opened) {
        res->code = ENV_NOT_OPENED;
        res->at = v;
        break;
      }
      if (s->mode == ENV_VERIFY && by[v] != (int32_t)s->target) {
        res->code = ENV_NOT_TARGET;
        res->at = v;
        break;
      }
      static const uint8_t K = 'K', BAR = '|';
      if (!(EVP_DigestInit_ex(md, NULL, NULL) && EVP_DigestUpdate(md, &K, 1) && EVP_DigestUpdate(md, dek, KEY_BYTES) &&
            EVP_DigestUpdate(md, nonce, nonce_n) && EVP_DigestUpdate(md, &BAR, 1) && EVP_DigestUpdate(md, ctext, ct_n) &&
            EVP_DigestFinal_ex(md, dg + (size_t)v * 32, NULL))) {
        res->code = ENV_CRYPTO;
        break;
      }
      if (s->mode == ENV_VERIFY) continue;
      size_t kn = x[V_KEY_END] - x[V_KEY];
      if (by[v] == (int32_t)s->target && kn == s->target_id_n && memcmp(buf + x[V_KEY], s->target_id, kn) == 0) {
        res->on_target++;
        continue;
      }
      if (s->mode == ENV_REWRITE && by[v] == (int32_t)s->target) { /* the JavaScript path hands such a value back too */
        res->code = ENV_NOT_REWRAPPED;
        res->at = v;
        break;
      }
      res->rewritten++;
      from[by[v]]++;
      if (s->mode != ENV_REWRITE) continue;
      memcpy(w, nonces + (size_t)v * NONCE_BYTES, NONCE_BYTES);
      if (!gcm_seal_one(wctx, NULL, w, dek, KEY_BYTES, w + NONCE_BYTES)) {
        res->code = ENV_CRYPTO;
        break;
      }
      b64_encode(w, WRAPPED_BYTES, b->wrapped + (size_t)v * WRAPPED_TEXT);
      b->rewrap[v] = 1;
      res->out_len += (WRAPPED_TEXT - (x[V_DEK_END] - x[V_DEK])) + (s->target_text_n - kn);
      if (kn != s->target_text_n) res->same_size = 0;
    }
  }
  if (deks) OPENSSL_cleanse(deks, room * KEY_BYTES);
  if (res->code == ENV_DONE && !record_digests(b, dg, digests)) res->code = ENV_CRYPTO;
  if (res->code == ENV_DONE && s->mode == ENV_REWRITE)
    for (long i = 0; i < lines; i++) res->out_len += scan[(size_t)i * ENVELOPE_SCAN_STRIDE + 2] - scan[(size_t)i * ENVELOPE_SCAN_STRIDE];
  if (res->code != ENV_DONE) res->out_len = 0;
  if (res->out_len != n) res->same_size = 0;
  if (ct) OPENSSL_cleanse(ct, ct_max ? ct_max : 1);
  for (uint32_t k = 0; kctx && k < s->kek_count; k++) EVP_CIPHER_CTX_free(kctx[k]);
  EVP_CIPHER_CTX_free(dctx);
  EVP_CIPHER_CTX_free(wctx);
  EVP_MD_CTX_free(md);
  free(kctx);
  free(deks);
  free(dg);
  free(ct);
  free(key);
  free(by);
  free(nonces);
  if (res->code != ENV_DONE) {
    env_batch_free(b);
    return NULL;
  }
  return b;
}

static uint8_t *copy(uint8_t *out, const uint8_t *p, size_t n) {
  memcpy(out, p, n);
  return out + n;
}

void env_batch_write(const env_batch *b, uint8_t *out) {
  const env_spec *s = b->spec;
  uint32_t v = 0;
  for (uint32_t i = 0; i < b->lines; i++) {
    const uint32_t *rec = REC(b, i);
    uint32_t pos = rec[0];
    for (uint32_t j = 0; j < rec[3]; j++, v++) {
      if (!b->rewrap[v]) continue;
      const uint32_t *x = VAL(rec, j);
      const uint8_t *w = b->wrapped + (size_t)v * WRAPPED_TEXT;
      int key_first = x[V_KEY] < x[V_DEK];
      uint32_t s1 = key_first ? x[V_KEY] : x[V_DEK], e1 = key_first ? x[V_KEY_END] : x[V_DEK_END];
      uint32_t s2 = key_first ? x[V_DEK] : x[V_KEY], e2 = key_first ? x[V_DEK_END] : x[V_KEY_END];
      out = copy(out, b->buf + pos, s1 - pos);
      out = key_first ? copy(out, s->target_text, s->target_text_n) : copy(out, w, WRAPPED_TEXT);
      out = copy(out, b->buf + e1, s2 - e1);
      out = key_first ? copy(out, w, WRAPPED_TEXT) : copy(out, s->target_text, s->target_text_n);
      pos = e2;
    }
    out = copy(out, b->buf + pos, rec[2] - pos);
  }
}

void env_batch_write_in_place(const env_batch *b, uint8_t *buf) {
  const env_spec *s = b->spec;
  uint32_t v = 0;
  for (uint32_t i = 0; i < b->lines; i++) {
    const uint32_t *rec = REC(b, i);
    for (uint32_t j = 0; j < rec[3]; j++, v++) {
      if (!b->rewrap[v]) continue;
      const uint32_t *x = VAL(rec, j);
      memcpy(buf + x[V_KEY], s->target_text, s->target_text_n);
      memcpy(buf + x[V_DEK], b->wrapped + (size_t)v * WRAPPED_TEXT, WRAPPED_TEXT);
    }
  }
}
