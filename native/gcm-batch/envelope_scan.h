/* The envelope-line scanner of a rewrap batch (envelope_scan.c). */
#ifndef ENVELOPE_SCAN_H
#define ENVELOPE_SCAN_H

#include <stddef.h>
#include <stdint.h>

/*
 * Per line, ENVELOPE_SCAN_STRIDE uint32 offsets into the batch:
 *   [0] start  [1] text end (before CR LF / LF)  [2] end (after the terminator)  [3] values (0..2)
 *   then per value, in line order: value start, value end, and the content ranges (inside the
 *   quotes) of key_id, dek_wrapped, nonce, ciphertext.
 */
#define ENVELOPE_SCAN_HEAD 4
#define ENVELOPE_SCAN_PER_VALUE 10
#define ENVELOPE_SCAN_STRIDE (ENVELOPE_SCAN_HEAD + 2 * ENVELOPE_SCAN_PER_VALUE)

/*
 * Scans the complete lines of buf[0 .. n) (lines end at LF; a last line may lack it) into out
 * (room for `cap` lines). Returns the number of lines when every line is accepted, else -1 - i for
 * the first line i that is not (or that does not fit).
 */
long envelope_scan(const uint8_t *buf, size_t n, uint32_t *out, size_t cap);

#endif
