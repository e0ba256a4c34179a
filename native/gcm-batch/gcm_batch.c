/*
 * Batch AES-256-GCM (12-byte nonce, no AAD) and SHA-256 over the OpenSSL of the running Node
 * (its exported EVP symbols; headers from Node's include/node/openssl). No cryptography of its own:
 * every AES, GHASH, tag comparison and digest is an EVP call. What it adds is the batch: many
 * messages per call through ONE EVP_CIPHER_CTX, the key schedule set up again only when the key
 * changes from one message to the next (one KEK for a whole batch of DEK wraps), instead of one
 * Node crypto object per message.
 *
 * Inputs are packed: a byte buffer plus Uint32Array offset/length arrays, one entry per message.
 * Every offset and length is checked against its buffer BEFORE any work (a malformed batch throws,
 * nothing is read or written out of bounds). Plaintext scratch is OPENSSL_cleanse'd; a message whose
 * tag does not verify has its output wiped. The contexts are freed (OpenSSL cleanses the key
 * schedule) before returning.
 *
 *   seal(keys, keyOff, nonces, nonceOff, src, srcOff, srcLen, dst, dstOff)
 *       dst[dstOff[i] ..] = ciphertext (srcLen[i] bytes) || tag (16 bytes)
 *   open(keys, keyOff, nonces, nonceOff, src, srcOff, srcLen, dst | null, dstOff | null) -> Uint8Array
 *       src[srcOff[i] .. + srcLen[i]] = ciphertext || tag; status[i] = 1 when the tag verifies.
 *       dst null: authenticate only (the plaintext goes through a wiped scratch buffer).
 *   sha256(src, partOff, partLen, partsPer, dst[, src2])
 *       dst[32 i ..] = SHA-256 of the partsPer parts i*partsPer .. of src, concatenated. With src2, an
 *       offset at or past the end of src is one into src2 (as if appended to src, without a copy).
 *   base64Decode(src, srcOff, srcLen, dst, dstOff) -> Uint8Array
 *       status[i] = 1 when src[srcOff[i] .. + srcLen[i]] is standard padded base64 (the rule of
 *       isStrictBase64 in aes-gcm.ts), decoded to dst[dstOff[i] ..] (3 srcLen[i] / 4 bytes less the
 *       padding); 0 and nothing written when it is not.
 *   opensslVersion() -> string
 *   scanEnvelopeLines(batch, out) -> number
 *       envelope_scan.c over a batch of lines into out (a Uint32Array, ENVELOPE_SCAN_STRIDE per line):
 *       the line count when every line is accepted, else -1 - (the first line refused).
 */
#include "base64.h"
#include "envelope_batch.h"
#include "envelope_scan.h"
#include "gcm_one.h"

#include <node_api.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <string.h>

#define KEY_BYTES GCM_KEY_BYTES
#define NONCE_BYTES GCM_NONCE_BYTES
#define TAG_BYTES GCM_TAG_BYTES

typedef struct {
  uint8_t *p;
  size_t n;
} bytes_t;

typedef struct {
  uint32_t *p;
  size_t n;
} u32s_t;

static napi_value fail(napi_env env, const char *msg) {
  napi_throw_range_error(env, "ERR_GCM_BATCH", msg);
  return NULL;
}

static int is_nullish(napi_env env, napi_value v) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return 0;
  return t == napi_null || t == napi_undefined;
}

static int get_typed(napi_env env, napi_value v, napi_typedarray_type want, void **data, size_t *len) {
  bool is = false;
  napi_typedarray_type type;
  size_t length = 0, offset = 0;
  napi_value ab;
  void *p = NULL;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return 0;
  if (napi_get_typedarray_info(env, v, &type, &length, &p, &ab, &offset) != napi_ok || type != want) return 0;
  *data = length ? p : NULL;
  *len = length;
  return 1;
}

static int get_bytes(napi_env env, napi_value v, bytes_t *b) {
  return get_typed(env, v, napi_uint8_array, (void **)&b->p, &b->n);
}

static int get_u32s(napi_env env, napi_value v, u32s_t *u) {
  return get_typed(env, v, napi_uint32_array, (void **)&u->p, &u->n);
}

/** off + len <= total, without overflow. */
static int in_range(size_t off, size_t len, size_t total) {
  return off <= total && len <= total - off;
}

typedef struct {
  bytes_t keys, nonces, src, dst;
  u32s_t keyOff, nonceOff, srcOff, srcLen, dstOff;
  size_t n;
  int hasDst;
} batch_t;

/** Reads and checks the nine arguments of seal/open; 0 (with an exception pending) when malformed. */
static int read_batch(napi_env env, napi_callback_info info, batch_t *b, int sealing) {
  size_t argc = 9;
  napi_value argv[9];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 9) return fail(env, "gcm batch: 9 arguments expected"), 0;
  memset(b, 0, sizeof(*b));
  if (!get_bytes(env, argv[0], &b->keys) || !get_u32s(env, argv[1], &b->keyOff) || !get_bytes(env, argv[2], &b->nonces) ||
      !get_u32s(env, argv[3], &b->nonceOff) || !get_bytes(env, argv[4], &b->src) || !get_u32s(env, argv[5], &b->srcOff) ||
      !get_u32s(env, argv[6], &b->srcLen))
    return fail(env, "gcm batch: keys/nonces/src must be Uint8Arrays, offsets and lengths Uint32Arrays"), 0;
  b->hasDst = !(is_nullish(env, argv[7]) && is_nullish(env, argv[8]));
  if (sealing && !b->hasDst) return fail(env, "gcm batch: seal needs an output buffer"), 0;
  if (b->hasDst && (!get_bytes(env, argv[7], &b->dst) || !get_u32s(env, argv[8], &b->dstOff)))
    return fail(env, "gcm batch: dst must be a Uint8Array and dstOff a Uint32Array (or both null)"), 0;
  b->n = b->keyOff.n;
  if (b->nonceOff.n != b->n || b->srcOff.n != b->n || b->srcLen.n != b->n || (b->hasDst && b->dstOff.n != b->n))
    return fail(env, "gcm batch: offset and length arrays differ in length"), 0;
  for (size_t i = 0; i < b->n; i++) {
    size_t len = b->srcLen.p[i];
    if (!in_range(b->keyOff.p[i], KEY_BYTES, b->keys.n)) return fail(env, "gcm batch: key offset out of range"), 0;
    if (!in_range(b->nonceOff.p[i], NONCE_BYTES, b->nonces.n)) return fail(env, "gcm batch: nonce offset out of range"), 0;
    if (!in_range(b->srcOff.p[i], len, b->src.n)) return fail(env, "gcm batch: source range out of bounds"), 0;
    if (!sealing && len < TAG_BYTES) return fail(env, "gcm batch: sealed message shorter than the tag"), 0;
    if (b->hasDst) {
      size_t outLen = sealing ? len + TAG_BYTES : len - TAG_BYTES;
      if (!in_range(b->dstOff.p[i], outLen, b->dst.n)) return fail(env, "gcm batch: output range out of bounds"), 0;
    }
  }
  return 1;
}

/** Message i's key: NULL when it is the previous message's (the schedule is kept). */
static const uint8_t *key_of(const batch_t *b, size_t i) {
  return i == 0 || b->keyOff.p[i] != b->keyOff.p[i - 1] ? b->keys.p + b->keyOff.p[i] : NULL;
}

static napi_value Seal(napi_env env, napi_callback_info info) {
  batch_t b;
  if (!read_batch(env, info, &b, 1)) return NULL;
  if (b.n == 0) return NULL;
  EVP_CIPHER_CTX *ctx = gcm_ctx(1, NULL);
  if (!ctx) return fail(env, "gcm batch: OpenSSL could not set up AES-256-GCM");
  int ok = 1;
  for (size_t i = 0; i < b.n && ok; i++)
    ok = gcm_seal_one(ctx, key_of(&b, i), b.nonces.p + b.nonceOff.p[i], b.src.p + b.srcOff.p[i], b.srcLen.p[i], b.dst.p + b.dstOff.p[i]);
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) return fail(env, "gcm batch: OpenSSL failed to seal");
  return NULL;
}

static napi_value Open(napi_env env, napi_callback_info info) {
  batch_t b;
  if (!read_batch(env, info, &b, 0)) return NULL;
  napi_value ab, status;
  void *st = NULL;
  if (napi_create_arraybuffer(env, b.n, &st, &ab) != napi_ok || napi_create_typedarray(env, napi_uint8_array, b.n, ab, 0, &status) != napi_ok)
    return fail(env, "gcm batch: out of memory");
  if (b.n == 0) return status;
  memset(st, 0, b.n);
  EVP_CIPHER_CTX *ctx = gcm_ctx(0, NULL);
  if (!ctx) return fail(env, "gcm batch: OpenSSL could not set up AES-256-GCM");
  int ok = 1;
  for (size_t i = 0; i < b.n && ok; i++) {
    size_t len = b.srcLen.p[i] - TAG_BYTES;
    const uint8_t *in = b.src.p + b.srcOff.p[i];
    uint8_t *out = b.hasDst && len ? b.dst.p + b.dstOff.p[i] : NULL;
    int r = gcm_open_one(ctx, key_of(&b, i), b.nonces.p + b.nonceOff.p[i], in, len, in + len, out);
    if (r == 1) ((uint8_t *)st)[i] = 1;
    else if (out) OPENSSL_cleanse(out, len);
    ok = r >= 0;
  }
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) {
    /* Nothing of a failed call is handed back: every output of it is wiped. */
    for (size_t i = 0; b.hasDst && i < b.n; i++)
      if (b.srcLen.p[i] > TAG_BYTES) OPENSSL_cleanse(b.dst.p + b.dstOff.p[i], b.srcLen.p[i] - TAG_BYTES);
    return fail(env, "gcm batch: OpenSSL failed to open");
  }
  return status;
}

/** Part j of a sha256 batch: in src, or past its end in src2. */
static const uint8_t *part(const bytes_t *src, const bytes_t *src2, uint32_t off) {
  return off < src->n || !src2->p ? src->p + off : src2->p + (off - src->n);
}

static napi_value Sha256(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  bytes_t src, dst, src2 = {NULL, 0};
  u32s_t off, len;
  uint32_t per = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 5 || argc > 6) return fail(env, "sha256 batch: 5 or 6 arguments expected");
  if (!get_bytes(env, argv[0], &src) || !get_u32s(env, argv[1], &off) || !get_u32s(env, argv[2], &len) ||
      napi_get_value_uint32(env, argv[3], &per) != napi_ok || !get_bytes(env, argv[4], &dst) ||
      (argc == 6 && !is_nullish(env, argv[5]) && !get_bytes(env, argv[5], &src2)))
    return fail(env, "sha256 batch: (Uint8Array, Uint32Array, Uint32Array, number, Uint8Array[, Uint8Array]) expected");
  if (per == 0 || off.n != len.n || off.n % per != 0) return fail(env, "sha256 batch: part arrays do not hold whole digests");
  size_t n = off.n / per;
  if (dst.n != n * 32) return fail(env, "sha256 batch: output must be 32 bytes per digest");
  for (size_t j = 0; j < off.n; j++) {
    int ok = off.p[j] < src.n || !src2.p ? in_range(off.p[j], len.p[j], src.n) : in_range(off.p[j] - src.n, len.p[j], src2.n);
    if (!ok) return fail(env, "sha256 batch: part out of bounds");
  }
  if (n == 0) return NULL;
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  if (!md) return fail(env, "sha256 batch: out of memory");
  int ok = 1;
  for (size_t i = 0; i < n && ok; i++) {
    ok = EVP_DigestInit_ex(md, i == 0 ? EVP_sha256() : NULL, NULL); /* NULL: the same digest again, without fetching it */
    for (size_t j = i * per; j < (i + 1) * per && ok; j++) ok = EVP_DigestUpdate(md, part(&src, &src2, off.p[j]), len.p[j]);
    ok = ok && EVP_DigestFinal_ex(md, dst.p + i * 32, NULL);
  }
  EVP_MD_CTX_free(md);
  if (!ok) return fail(env, "sha256 batch: OpenSSL failed");
  return NULL;
}

static napi_value ScanEnvelopeLines(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  bytes_t buf;
  u32s_t out;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2 || !get_bytes(env, argv[0], &buf) || !get_u32s(env, argv[1], &out))
    return fail(env, "envelope scan: (Uint8Array, Uint32Array) expected");
  if (buf.n > UINT32_MAX) return fail(env, "envelope scan: batch larger than 4 GiB");
  long r = envelope_scan(buf.p, buf.n, out.p, out.n / ENVELOPE_SCAN_STRIDE);
  napi_value v;
  napi_create_double(env, (double)r, &v);
  return v;
}

static napi_value Base64Decode(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  bytes_t src, dst;
  u32s_t srcOff, srcLen, dstOff;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 5 || !get_bytes(env, argv[0], &src) || !get_u32s(env, argv[1], &srcOff) ||
      !get_u32s(env, argv[2], &srcLen) || !get_bytes(env, argv[3], &dst) || !get_u32s(env, argv[4], &dstOff))
    return fail(env, "base64 batch: (Uint8Array, Uint32Array, Uint32Array, Uint8Array, Uint32Array) expected");
  size_t n = srcOff.n;
  if (srcLen.n != n || dstOff.n != n) return fail(env, "base64 batch: offset and length arrays differ in length");
  for (size_t i = 0; i < n; i++) {
    if (!in_range(srcOff.p[i], srcLen.p[i], src.n)) return fail(env, "base64 batch: source range out of bounds");
    size_t len = srcLen.p[i];
    size_t out = len % 4 ? 0 : b64_length(src.p + srcOff.p[i], len);
    if (!in_range(dstOff.p[i], out, dst.n)) return fail(env, "base64 batch: output range out of bounds");
  }
  napi_value ab, status;
  void *st = NULL;
  if (napi_create_arraybuffer(env, n, &st, &ab) != napi_ok || napi_create_typedarray(env, napi_uint8_array, n, ab, 0, &status) != napi_ok)
    return fail(env, "base64 batch: out of memory");
  for (size_t i = 0; i < n; i++) {
    size_t len = srcLen.p[i];
    ((uint8_t *)st)[i] = len % 4 == 0 && b64_valid(src.p + srcOff.p[i], len) && b64_decode(src.p + srcOff.p[i], len, dst.p + dstOff.p[i]); /* nothing written for a refused text */
  }
  return status;
}

/*
 * rewrapEnvelopeBatch(batch, keks, ids, idOff, candOff, cand, target, targetId, targetText, mode, scan, digests, from, info, inPlace)
 *   -> ArrayBuffer | null: envelope_batch.c over a batch of complete lines. info (Float64Array of 7)
 *   gets [code, at, lines, values, on target, rewritten, written in place]; digests 32 bytes per line,
 *   from one count per KEK. The rewritten batch is returned when code is 0 in a rewrite (mode 0), else
 *   null; with inPlace, a rewrite whose replaced texts keep their lengths is written into `batch` itself
 *   (info[6] = 1, null returned): no new buffer.
 */
static napi_value RewrapEnvelopeBatch(napi_env env, napi_callback_info info) {
  size_t argc = 15;
  napi_value argv[15];
  bool inPlace = false;
  bytes_t batch, keks, ids, targetId, targetText, digests;
  u32s_t idOff, candOff, cand, scan, from;
  uint32_t target = 0, mode = 0;
  double *out = NULL;
  size_t outN = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 15 || !get_bytes(env, argv[0], &batch) || !get_bytes(env, argv[1], &keks) ||
      !get_bytes(env, argv[2], &ids) || !get_u32s(env, argv[3], &idOff) || !get_u32s(env, argv[4], &candOff) || !get_u32s(env, argv[5], &cand) ||
      napi_get_value_uint32(env, argv[6], &target) != napi_ok || !get_bytes(env, argv[7], &targetId) || !get_bytes(env, argv[8], &targetText) ||
      napi_get_value_uint32(env, argv[9], &mode) != napi_ok || !get_u32s(env, argv[10], &scan) || !get_bytes(env, argv[11], &digests) ||
      !get_u32s(env, argv[12], &from) || !get_typed(env, argv[13], napi_float64_array, (void **)&out, &outN) || napi_get_value_bool(env, argv[14], &inPlace) != napi_ok)
    return fail(env, "envelope batch: argument types");
  size_t kekCount = keks.n / KEY_BYTES, idCount = idOff.n ? idOff.n - 1 : 0, cap = scan.n / ENVELOPE_SCAN_STRIDE;
  if (batch.n > UINT32_MAX || keks.n % KEY_BYTES || kekCount == 0 || target >= kekCount || mode > ENV_VERIFY || outN != 7 || from.n != kekCount || digests.n < cap * 32)
    return fail(env, "envelope batch: sizes");
  if (candOff.n != idOff.n || (idOff.n && (idOff.p[0] != 0 || candOff.p[0] != 0)) || (idCount && (idOff.p[idCount] > ids.n || candOff.p[idCount] > cand.n)))
    return fail(env, "envelope batch: key_id table");
  for (size_t i = 0; i < idCount; i++)
    if (idOff.p[i + 1] < idOff.p[i] || candOff.p[i + 1] < candOff.p[i]) return fail(env, "envelope batch: key_id table");
  for (size_t c = 0; c < cand.n; c++)
    if (cand.p[c] >= kekCount) return fail(env, "envelope batch: candidate out of range");
  static const uint8_t none = 0;
  env_spec spec = {keks.p, (uint32_t)kekCount, ids.p ? ids.p : &none, idOff.p, candOff.p, cand.p, (uint32_t)idCount, target,
                   targetId.p ? targetId.p : &none, targetId.n, targetText.p ? targetText.p : &none, targetText.n, (int)mode};
  env_result res;
  env_batch *b = env_batch_run(batch.p ? batch.p : &none, batch.n, &spec, scan.p, cap, digests.p, from.p, &res);
  double vals[7] = {res.code, res.at, res.lines, res.fields, res.on_target, res.rewritten, 0};
  memcpy(out, vals, sizeof vals);
  napi_value result;
  napi_get_null(env, &result);
  if (b && mode == ENV_REWRITE && inPlace && res.same_size) {
    env_batch_write_in_place(b, batch.p);
    out[6] = 1;
  } else if (b && mode == ENV_REWRITE) {
    void *data = NULL;
    if (napi_create_arraybuffer(env, res.out_len, &data, &result) != napi_ok) {
      env_batch_free(b);
      return fail(env, "envelope batch: out of memory");
    }
    env_batch_write(b, data);
  }
  env_batch_free(b);
  return result;
}

static napi_value Version(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value s;
  napi_create_string_utf8(env, OpenSSL_version(OPENSSL_VERSION), NAPI_AUTO_LENGTH, &s);
  return s;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"seal", NULL, Seal, NULL, NULL, NULL, napi_enumerable, NULL},
      {"open", NULL, Open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sha256", NULL, Sha256, NULL, NULL, NULL, napi_enumerable, NULL},
      {"opensslVersion", NULL, Version, NULL, NULL, NULL, napi_enumerable, NULL},
      {"scanEnvelopeLines", NULL, ScanEnvelopeLines, NULL, NULL, NULL, napi_enumerable, NULL},
      {"base64Decode", NULL, Base64Decode, NULL, NULL, NULL, napi_enumerable, NULL},
      {"rewrapEnvelopeBatch", NULL, RewrapEnvelopeBatch, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
