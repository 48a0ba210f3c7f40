/* uthash configured for an embeddable library.
 *
 * - uthash's default calls exit() when an allocation fails. Here it uses
 *   the object's allocator and, on failure, leaves the element out and sets
 *   a flag.
 * - uthash's default hash is unkeyed, so names crafted to collide would
 *   make every lookup linear. Here the hash is keyed with a seed taken from
 *   the address of the table's allocator, which differs from run to run
 *   (nothing depends on hash order: iteration is in insertion order).
 *
 * Code using HASH_* declares, in scope:
 *     const sgi_mem *uthash_mem_ = <allocator>;      (adds and clears)
 *     int uthash_oom_ = 0;                            (adds)
 *     uint64_t uthash_seed_ = sgi_hash_seed(<allocator>);  (everything)
 * and checks uthash_oom_ after every HASH_ADD. */
#ifndef STAGEGRAPH_HASH_H
#define STAGEGRAPH_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"

static inline uint64_t sgi_hash_mix(uint64_t x) {
  x ^= x >> 30;
  x *= UINT64_C(0xbf58476d1ce4e5b9);
  x ^= x >> 27;
  x *= UINT64_C(0x94d049bb133111eb);
  x ^= x >> 31;
  return x;
}

static inline uint64_t sgi_hash_seed(const void *owner) {
  return sgi_hash_mix((uint64_t)(uintptr_t)owner ^ UINT64_C(0x9e3779b97f4a7c15));
}

/* A keyed hash: 8 bytes at a time through a strong 64-bit mixer. The
 * last 1 to 7 bytes are read as two overlapping 4-byte words, or as the
 * first, middle and last byte, instead of byte by byte (the length is
 * mixed in at the start, so no two lengths share a tail's encoding). The
 * values are the machine's byte order's: they are never stored. */
static inline unsigned sgi_hash_keyed(const void *key, size_t len, uint64_t seed) {
  const unsigned char *p = key;
  uint64_t h = seed ^ (len * UINT64_C(0x9e3779b97f4a7c15));
  while (len >= 8) {
    uint64_t w;
    memcpy(&w, p, sizeof w);
    h = sgi_hash_mix(h ^ w);
    p += 8;
    len -= 8;
  }
  uint64_t w = 0;
  if (len >= 4) {
    uint32_t a, b;
    memcpy(&a, p, sizeof a);
    memcpy(&b, p + len - 4, sizeof b);
    w = (uint64_t)a << 32 | b;
  } else if (len) {
    w = (uint64_t)p[0] << 16 | (uint64_t)p[len / 2] << 8 | p[len - 1];
  }
  h = sgi_hash_mix(h ^ w ^ UINT64_C(0xff51afd7ed558ccd));
  return (unsigned)(h ^ (h >> 32));
}

#define HASH_NONFATAL_OOM 1
#define uthash_malloc(sz) sgi_malloc(uthash_mem_, (sz))
#define uthash_free(ptr, sz) sgi_free(uthash_mem_, (ptr))
#define uthash_nonfatal_oom(obj) (uthash_oom_ = 1)
#define HASH_FUNCTION(keyptr, keylen, hashv) ((hashv) = sgi_hash_keyed((keyptr), (keylen), uthash_seed_))
#include <uthash.h>

#endif
