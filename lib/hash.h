/* uthash configured for an embeddable library.
 *
 * uthash's default calls exit() when an allocation fails. Here it uses the
 * object's allocator and, on failure, leaves the element out and sets a flag.
 * Code using HASH_* declares two locals in scope:
 *     const sgi_mem *uthash_mem_ = <allocator>;
 *     int uthash_oom_ = 0;
 * and checks uthash_oom_ after every HASH_ADD. */
#ifndef STAGEGRAPH_HASH_H
#define STAGEGRAPH_HASH_H

#include "alloc.h"

#define HASH_NONFATAL_OOM 1
#define uthash_malloc(sz) sgi_malloc(uthash_mem_, (sz))
#define uthash_free(ptr, sz) sgi_free(uthash_mem_, (ptr))
#define uthash_nonfatal_oom(obj) (uthash_oom_ = 1)
#include <uthash.h>

#endif
