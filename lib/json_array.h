/* The JSON (exec) form of an instruction: decode a JSON array of strings
 * exactly as Go's encoding/json does for BuildKit's parseJSON. */
#ifndef STAGEGRAPH_JSON_ARRAY_H
#define STAGEGRAPH_JSON_ARRAY_H

#include "document.h"

enum {
  SGI_JSON_ARRAY = 1,       /* a JSON array of strings; *items filled */
  SGI_JSON_NOT_JSON = 0,    /* not valid JSON (caller falls back) */
  SGI_JSON_NOT_STRINGS = -1 /* valid JSON array with a non-string element */
};

/* s must start with '['. Returns one of the values above, or
 * STAGEGRAPH_ENOMEM. Items are NUL-terminated copies in the arena. */
int sgi_json_string_array(sgi_arena *arena, const char *s, size_t len, sgi_str **items,
                          size_t *count);

#endif
