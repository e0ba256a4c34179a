/* One AES-256-GCM message (12-byte nonce, no AAD) through OpenSSL's EVP (gcm_one.c): the one place both batch paths seal and open. */
#ifndef GCM_ONE_H
#define GCM_ONE_H

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#define GCM_KEY_BYTES 32
#define GCM_NONCE_BYTES 12
#define GCM_TAG_BYTES 16

/* An AES-256-GCM context for sealing (enc 1) or opening (enc 0), keyed when `key` is not NULL; NULL on failure. */
EVP_CIPHER_CTX *gcm_ctx(int enc, const uint8_t *key);
/* Seals in[0 .. len) under `key` (NULL: the context's current key, its schedule kept) and `iv` into out: ciphertext || tag. 1, or 0 when OpenSSL fails. */
int gcm_seal_one(EVP_CIPHER_CTX *ctx, const uint8_t *key, const uint8_t *iv, const uint8_t *in, size_t len, uint8_t *out);
/*
 * Opens ct[0 .. len) with `tag` under `key` (NULL: the context's current key) and `iv`; the plaintext
 * goes to out, or (out NULL) through a scratch buffer that is wiped. 1 when the tag verifies (OpenSSL's
 * constant-time comparison), 0 when not (out then holds bytes the caller must wipe), -1 when OpenSSL fails.
 */
int gcm_open_one(EVP_CIPHER_CTX *ctx, const uint8_t *key, const uint8_t *iv, const uint8_t *ct, size_t len, const uint8_t *tag, uint8_t *out);

#endif
