/* A small JSON reader for the tests: parses one document into a tree. */
#ifndef STAGEGRAPH_TEST_JSONR_H
#define STAGEGRAPH_TEST_JSONR_H

#include <stddef.h>

typedef enum { JR_NULL, JR_BOOL, JR_NUMBER, JR_STRING, JR_ARRAY, JR_OBJECT } jr_type;

typedef struct jr_value jr_value;
struct jr_value {
  jr_type type;
  int boolean;
  double number;
  char *str;       /* JR_STRING (decoded, NUL-terminated; may contain NUL) */
  size_t str_len;
  jr_value **items; /* JR_ARRAY values, JR_OBJECT values */
  char **keys;      /* JR_OBJECT keys */
  size_t count;
};

/* NULL on a syntax error. */
jr_value *jr_parse(const char *s, size_t len);
void jr_free(jr_value *v);
/* Member of an object, or NULL. */
const jr_value *jr_get(const jr_value *obj, const char *key);

#endif
