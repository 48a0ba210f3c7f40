/* A hint to start loading memory a loop will read a few steps on, so that
 * the cache misses of large inputs overlap with work instead of adding up
 * (see the loops that use it). It changes no result; compilers without
 * the builtin ignore it. */
#ifndef STAGEGRAPH_PREFETCH_H
#define STAGEGRAPH_PREFETCH_H

#if defined(__GNUC__) || defined(__clang__)
#define SGI_PREFETCH(addr) __builtin_prefetch(addr)
#else
#define SGI_PREFETCH(addr) ((void)(addr))
#endif

#endif
