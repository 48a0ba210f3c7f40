/* Recursive-descent JSON reader for tests (inputs are trusted test data). */
#include "jsonr.h"

#include <stdlib.h>
#include <string.h>

typedef struct rd {
  const char *s;
  size_t len, pos;
} rd;

static void ws(rd *r) {
  while (r->pos < r->len && strchr(" \t\r\n", r->s[r->pos]) && r->s[r->pos]) r->pos++;
}

static jr_value *value(rd *r);

static int hexv(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static size_t put_utf8(char *o, unsigned r) {
  if (r < 0x80) { o[0] = (char)r; return 1; }
  if (r < 0x800) { o[0] = (char)(0xC0 | (r >> 6)); o[1] = (char)(0x80 | (r & 63)); return 2; }
  if (r < 0x10000) {
    o[0] = (char)(0xE0 | (r >> 12)); o[1] = (char)(0x80 | ((r >> 6) & 63)); o[2] = (char)(0x80 | (r & 63));
    return 3;
  }
  o[0] = (char)(0xF0 | (r >> 18)); o[1] = (char)(0x80 | ((r >> 12) & 63));
  o[2] = (char)(0x80 | ((r >> 6) & 63)); o[3] = (char)(0x80 | (r & 63));
  return 4;
}

static char *string(rd *r, size_t *out_len) {
  if (r->pos >= r->len || r->s[r->pos] != '"') return NULL;
  r->pos++;
  char *o = malloc(r->len - r->pos + 1);
  size_t n = 0;
  while (r->pos < r->len && r->s[r->pos] != '"') {
    char c = r->s[r->pos++];
    if (c != '\\') { o[n++] = c; continue; }
    if (r->pos >= r->len) break;
    char e = r->s[r->pos++];
    switch (e) {
    case 'n': o[n++] = '\n'; break;
    case 't': o[n++] = '\t'; break;
    case 'r': o[n++] = '\r'; break;
    case 'b': o[n++] = '\b'; break;
    case 'f': o[n++] = '\f'; break;
    case 'u': {
      if (r->pos + 4 > r->len) { free(o); return NULL; }
      unsigned u = 0;
      for (int k = 0; k < 4; k++) u = u * 16 + (unsigned)hexv(r->s[r->pos++]);
      if (u >= 0xD800 && u < 0xDC00 && r->pos + 6 <= r->len && r->s[r->pos] == '\\' && r->s[r->pos + 1] == 'u') {
        unsigned lo = 0;
        for (int k = 0; k < 4; k++) lo = lo * 16 + (unsigned)hexv(r->s[r->pos + 2 + k]);
        if (lo >= 0xDC00 && lo <= 0xDFFF) { u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00); r->pos += 6; }
      }
      n += put_utf8(o + n, u);
      break;
    }
    default: o[n++] = e;
    }
  }
  if (r->pos >= r->len) { free(o); return NULL; }
  r->pos++;
  o[n] = '\0';
  *out_len = n;
  return o;
}

static jr_value *new_value(jr_type t) {
  jr_value *v = calloc(1, sizeof *v);
  v->type = t;
  return v;
}

static jr_value *value(rd *r) {
  ws(r);
  if (r->pos >= r->len) return NULL;
  char c = r->s[r->pos];
  if (c == '"') {
    jr_value *v = new_value(JR_STRING);
    if (!(v->str = string(r, &v->str_len))) { free(v); return NULL; }
    return v;
  }
  if (c == '[' || c == '{') {
    jr_value *v = new_value(c == '[' ? JR_ARRAY : JR_OBJECT);
    r->pos++;
    size_t cap = 0;
    ws(r);
    if (r->pos < r->len && r->s[r->pos] == (c == '[' ? ']' : '}')) { r->pos++; return v; }
    for (;;) {
      if (v->count == cap) {
        cap = cap ? cap * 2 : 4;
        v->items = realloc(v->items, cap * sizeof *v->items);
        if (c == '{') v->keys = realloc(v->keys, cap * sizeof *v->keys);
      }
      if (c == '{') {
        ws(r);
        size_t kl;
        char *k = string(r, &kl);
        if (!k) { jr_free(v); return NULL; }
        v->keys[v->count] = k;
        ws(r);
        if (r->pos >= r->len || r->s[r->pos] != ':') { v->items[v->count++] = NULL; jr_free(v); return NULL; }
        r->pos++;
      }
      jr_value *item = value(r);
      v->items[v->count++] = item;
      if (!item) { jr_free(v); return NULL; }
      ws(r);
      if (r->pos < r->len && r->s[r->pos] == ',') { r->pos++; continue; }
      if (r->pos < r->len && r->s[r->pos] == (c == '[' ? ']' : '}')) { r->pos++; return v; }
      jr_free(v);
      return NULL;
    }
  }
  if (!strncmp(r->s + r->pos, "true", 4)) { r->pos += 4; jr_value *v = new_value(JR_BOOL); v->boolean = 1; return v; }
  if (!strncmp(r->s + r->pos, "false", 5)) { r->pos += 5; return new_value(JR_BOOL); }
  if (!strncmp(r->s + r->pos, "null", 4)) { r->pos += 4; return new_value(JR_NULL); }
  char *end;
  double d = strtod(r->s + r->pos, &end);
  if (end == r->s + r->pos) return NULL;
  r->pos = (size_t)(end - r->s);
  jr_value *v = new_value(JR_NUMBER);
  v->number = d;
  return v;
}

jr_value *jr_parse(const char *s, size_t len) {
  rd r = {s, len, 0};
  jr_value *v = value(&r);
  ws(&r);
  if (v && r.pos != len) { jr_free(v); return NULL; }
  return v;
}

void jr_free(jr_value *v) {
  if (!v) return;
  for (size_t i = 0; i < v->count; i++) {
    jr_free(v->items[i]);
    if (v->keys) free(v->keys[i]);
  }
  free(v->items);
  free(v->keys);
  free(v->str);
  free(v);
}

const jr_value *jr_get(const jr_value *obj, const char *key) {
  if (!obj || obj->type != JR_OBJECT) return NULL;
  for (size_t i = 0; i < obj->count; i++)
    if (strcmp(obj->keys[i], key) == 0) return obj->items[i];
  return NULL;
}
