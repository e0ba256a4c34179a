/* Strict standard base64 (base64.c). */
#ifndef BASE64_H
#define BASE64_H

#include <stddef.h>
#include <stdint.h>

/** Padding characters of a text of length n (a multiple of 4): as isStrictBase64 counts them. */
size_t b64_pad(const uint8_t *s, size_t n);
/** Bytes s[0 .. n) decodes to (base64Length in gcm-kernel-types.ts); (size_t)-1 when n is no multiple of 4. */
size_t b64_length(const uint8_t *s, size_t n);
/** 1 when every character of s[0 .. n) but the padding is in the alphabet (n % 4 == 0 checked by the caller). */
int b64_valid(const uint8_t *s, size_t n);
/**
 * Decodes strict base64 s[0 .. n) into d (n % 4 == 0 checked by the caller); 0 when a character is not
 * in the alphabet (d may then hold partial output: callers treat it as scratch and ignore it).
 */
int b64_decode(const uint8_t *s, size_t n, uint8_t *d);
/** Encodes s[0 .. n) into d (4 * ceil(n / 3) bytes, padded); returns that length. */
size_t b64_encode(const uint8_t *s, size_t n, uint8_t *d);

#endif
