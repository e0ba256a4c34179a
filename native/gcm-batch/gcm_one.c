/* One AES-256-GCM message through OpenSSL's EVP: no cryptography of its own (gcm_one.h). */
#include "gcm_one.h"

#include <openssl/crypto.h>
#include <string.h>

#define SCRATCH 4096
#define MAX_UPDATE (1u << 30)

EVP_CIPHER_CTX *gcm_ctx(int enc, const uint8_t *key) {
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  if (ctx && (enc ? EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, NULL) : EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, NULL))) return ctx;
  EVP_CIPHER_CTX_free(ctx);
  return NULL;
}

/** EVP_*Update over `len` bytes in int-sized pieces; `out` NULL: through a scratch buffer, wiped as far as it was used. */
static int update(EVP_CIPHER_CTX *ctx, int enc, uint8_t *out, const uint8_t *in, size_t len) {
  uint8_t scratch[SCRATCH];
  size_t used = out ? 0 : (len > SCRATCH ? SCRATCH : len);
  int ok = 1;
  while (len > 0 && ok) {
    size_t piece = out ? (len > MAX_UPDATE ? MAX_UPDATE : len) : (len > SCRATCH ? SCRATCH : len);
    int outl = 0;
    uint8_t *o = out ? out : scratch;
    ok = enc ? EVP_EncryptUpdate(ctx, o, &outl, in, (int)piece) : EVP_DecryptUpdate(ctx, o, &outl, in, (int)piece);
    ok = ok && (size_t)outl == piece;
    in += piece;
    if (out) out += piece;
    len -= piece;
  }
  if (used) OPENSSL_cleanse(scratch, used);
  return ok;
}

int gcm_seal_one(EVP_CIPHER_CTX *ctx, const uint8_t *key, const uint8_t *iv, const uint8_t *in, size_t len, uint8_t *out) {
  int outl = 0;
  return EVP_EncryptInit_ex(ctx, NULL, NULL, key, iv) && update(ctx, 1, out, in, len) && EVP_EncryptFinal_ex(ctx, out + len, &outl) && outl == 0 &&
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, GCM_TAG_BYTES, out + len);
}

int gcm_open_one(EVP_CIPHER_CTX *ctx, const uint8_t *key, const uint8_t *iv, const uint8_t *ct, size_t len, const uint8_t *tag, uint8_t *out) {
  uint8_t t[GCM_TAG_BYTES];
  int outl = 0;
  memcpy(t, tag, GCM_TAG_BYTES); /* the tag may sit in the output's way (in place) */
  if (!(EVP_DecryptInit_ex(ctx, NULL, NULL, key, iv) && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, GCM_TAG_BYTES, t) && update(ctx, 0, out, ct, len))) return -1;
  return EVP_DecryptFinal_ex(ctx, t, &outl) > 0 && outl == 0 ? 1 : 0;
}
