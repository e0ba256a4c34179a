/* The fuzz harnesses' pseudo-random numbers (xorshift64): reproducible from a seed, not for keys. */
#ifndef FUZZ_RANDOM_H
#define FUZZ_RANDOM_H

#include <stdint.h>
#include <stdlib.h>

static uint64_t state;

static void seed(int argc, char **argv, int at) {
  state = argc > at ? (uint64_t)atoll(argv[at]) * 2654435761u + 1 : 88172645463325252ull;
}

static uint32_t next(void) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return (uint32_t)state;
}

#endif
