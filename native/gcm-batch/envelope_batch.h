/* A whole rewrap batch of envelope-log lines in one call (envelope_batch.c). */
#ifndef ENVELOPE_BATCH_H
#define ENVELOPE_BATCH_H

#include <stddef.h>
#include <stdint.h>

enum { ENV_REWRITE = 0, ENV_DRY_RUN = 1, ENV_VERIFY = 2 };

/* Why a batch was not done (env_result.code); the caller takes it the JavaScript way. */
enum {
  ENV_DONE = 0,
  ENV_SCAN_REFUSED = 1, /* at: the line the scanner refused */
  ENV_KEY_ID = 2,       /* at: the value whose key_id has no candidates here */
  ENV_NOT_OPENED = 3,   /* at: the value not unwrapped, not strict base64, or not authentic */
  ENV_NOT_TARGET = 4,   /* at: (read-back) the value not unwrapped by the target KEK */
  ENV_NO_MEMORY = 5,
  ENV_CRYPTO = 6,       /* OpenSSL failed (not a wrong key: a broken library) */
  ENV_NOT_REWRAPPED = 7 /* at: (rewrite) the value opened by the target KEK under another key_id */
};

typedef struct {
  const uint8_t *keks; /* 32 bytes per KEK */
  uint32_t kek_count;
  /* key_id i is ids[id_off[i] .. id_off[i + 1]) (its bytes as written), tried with the KEKs cand[cand_off[i] .. cand_off[i + 1]) */
  const uint8_t *ids;
  const uint32_t *id_off;
  const uint32_t *cand_off;
  const uint32_t *cand;
  uint32_t id_count;
  uint32_t target;
  /* the target's key_id: as a value names it (compared) and as written into a re-wrapped value */
  const uint8_t *target_id;
  size_t target_id_n;
  const uint8_t *target_text;
  size_t target_text_n;
  int mode;
} env_spec;

typedef struct {
  int code;
  uint32_t at;
  uint32_t lines, fields, on_target, rewritten;
  size_t out_len; /* bytes env_batch_write writes (ENV_REWRITE) */
  int same_size;  /* every replaced text keeps its length: env_batch_write_in_place can be used */
} env_result;

typedef struct env_batch env_batch;

/*
 * Runs every check and every AES-GCM operation and digest of the batch buf[0 .. n) (complete lines)
 * into a batch state; `scan` has room for `cap` lines of ENVELOPE_SCAN_STRIDE, `digests` for 32
 * bytes per line, `from` for spec->kek_count counts (values re-wrapped per KEK that opened them).
 * Returns the state (NULL when the result's code is not ENV_DONE); the DEKs are wiped before return.
 */
env_batch *env_batch_run(const uint8_t *buf, size_t n, const env_spec *spec, uint32_t *scan, size_t cap, uint8_t *digests, uint32_t *from, env_result *res);
/* Writes the rewritten batch (res->out_len bytes) into out. */
void env_batch_write(const env_batch *b, uint8_t *out);
/* The same into the batch itself, when res->same_size (the replaced texts are overwritten; buf is the batch env_batch_run read). */
void env_batch_write_in_place(const env_batch *b, uint8_t *buf);
void env_batch_free(env_batch *b);

#endif
