/* RUN --mount / --device values. */
#include "mount.h"

#include <string.h>

#include "goparse.h"
#include "stagegraph.h"
#include "suggest.h"

/* One CSV field (go-csvvalue): quotes removed, "" inside quotes is a quote. */
typedef struct field {
  const char *text; /* points into scratch */
  size_t len;
} field;

typedef struct csv {
  field items[64];
  size_t count;
  sgi_buf scratch; /* unquoted text of all fields, NUL separated */
} csv;

/* Split `s` into fields. Returns 0, or 1 with the parse error in msg. */
static int csv_fields(const char *s, csv *out, sgi_buf *msg) {
  size_t len = strlen(s), i = 0;
  out->count = 0;
  size_t starts[64];
  if (len == 0) {
    sgi_buf_puts(msg, "failed to parse csv mounts: EOF");
    return 1;
  }
  for (;;) {
    if (out->count == 64) {
      sgi_buf_puts(msg, "failed to parse csv mounts: too many fields");
      return 1;
    }
    starts[out->count] = out->scratch.len;
    if (i < len && s[i] == '"') {
      /* columns as go-csvvalue reports them: one past the last quote read
       * when the input ends inside quotes, the stray quote itself otherwise */
      size_t last_quote = i + 1;
      i++;
      for (;;) {
        if (i >= len) {
          sgi_buf_printf(msg, "failed to parse csv mounts: parse error on line 1, column %zu: "
                              "extraneous or missing \" in quoted-field", last_quote + 1);
          return 1;
        }
        if (s[i] == '"') {
          last_quote = i + 1;
          if (i + 1 < len && s[i + 1] == '"') {
            sgi_buf_putc(&out->scratch, '"');
            last_quote = i + 2;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        sgi_buf_putc(&out->scratch, s[i++]);
      }
      if (i < len && s[i] != ',') {
        sgi_buf_printf(msg, "failed to parse csv mounts: parse error on line 1, column %zu: "
                            "extraneous or missing \" in quoted-field", last_quote);
        return 1;
      }
    } else {
      while (i < len && s[i] != ',') {
        if (s[i] == '"') {
          sgi_buf_printf(msg, "failed to parse csv mounts: parse error on line 1, column %zu: "
                              "bare \" in non-quoted-field", i + 1);
          return 1;
        }
        sgi_buf_putc(&out->scratch, s[i++]);
      }
    }
    out->items[out->count].len = out->scratch.len - starts[out->count];
    sgi_buf_putc(&out->scratch, '\0');
    out->count++;
    if (i >= len) break;
    i++; /* ',' */
  }
  if (out->scratch.failed) return -1;
  for (size_t k = 0; k < out->count; k++) out->items[k].text = out->scratch.ptr + starts[k];
  return 0;
}

static void lower(char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] >= 'A' && s[i] <= 'Z') s[i] = (char)(s[i] + 32);
}

int sgi_mount_check_syntax(const char *value, sgi_buf *scratch, sgi_buf *msg) {
  csv c;
  c.count = 0;
  c.scratch = *scratch; /* borrowed, and handed back with its room */
  sgi_buf_clear(&c.scratch);
  int rc = csv_fields(value, &c, msg);
  for (size_t i = 0; rc == 0 && i < c.count; i++) {
    const char *f = c.items[i].text;
    const char *eq = memchr(f, '=', c.items[i].len);
    if (!eq || eq - f != 4) continue;
    char key[4];
    memcpy(key, f, 4);
    lower(key, 4);
    if (memcmp(key, "from", 4) != 0) continue;
    /* `\$.`: a `$` anywhere but last */
    const char *v = eq + 1;
    size_t vlen = c.items[i].len - 5;
    const char *d = memchr(v, '$', vlen);
    if (d && (size_t)(d - v) + 1 < vlen) {
      sgi_buf_puts(msg, "'from' doesn't support variable expansion, define alias stage instead");
      rc = 1;
    }
  }
  *scratch = c.scratch;
  return rc < 0 ? (msg->failed = STAGEGRAPH_ENOMEM, 1) : rc;
}

int sgi_device_check(const char *value, sgi_buf *msg) {
  csv c;
  memset(&c, 0, sizeof c);
  sgi_buf_init(&c.scratch, msg->mem);
  int rc = csv_fields(value, &c, msg);
  for (size_t i = 0; rc == 0 && i < c.count; i++) {
    const char *f = c.items[i].text;
    size_t flen = c.items[i].len;
    const char *eq = memchr(f, '=', flen);
    size_t klen = eq ? (size_t)(eq - f) : flen;
    if (i == 0 && !eq) continue; /* the device name */
    if (klen == 4 && memcmp(f, "name", 4) == 0) continue;
    if (klen == 8 && memcmp(f, "required", 8) == 0) {
      int b;
      if (eq && sgi_go_parse_bool(eq + 1, flen - klen - 1, &b) != 0) {
        sgi_buf_printf(msg, "invalid value for required: %s", eq + 1);
        rc = 1;
      }
      continue;
    }
    sgi_buf_printf(msg, "unexpected key '%.*s' in '%s'", (int)klen, f, f);
    rc = 1;
  }
  sgi_buf_free(&c.scratch);
  return rc < 0 ? (msg->failed = STAGEGRAPH_ENOMEM, 1) : rc;
}

static const char *const mount_types[] = {"bind", "cache", "tmpfs", "secret", "ssh"};

const char *sgi_mount_type_name(sgi_mount_type type) { return mount_types[type]; }

static int key_is(const char *key, const char *a) { return strcmp(key, a) == 0; }

/* A mount key as BuildKit compares and reports it: strings.ToLower of the
 * flag text, whose runes are its bytes taken one by one (split.c), so
 * besides A-Z only the Latin-1 capitals U+00C0..U+00DE (not U+00D7, the
 * multiplication sign) have a lowercase: U+00E0..U+00FE. */
static int lower_key(sgi_buf *out, const char *f, size_t len) {
  sgi_buf_clear(out);
  if (sgi_buf_append(out, f, len)) return STAGEGRAPH_ENOMEM;
  char *k = out->ptr;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)k[i];
    if (c >= 'A' && c <= 'Z') {
      k[i] = (char)(c + 32);
    } else if (c == 0xC3 && i + 1 < len) {
      unsigned char d = (unsigned char)k[i + 1];
      if (d >= 0x80 && d <= 0x9E && d != 0x97) k[i + 1] = (char)(d + 0x20);
      i++;
    }
  }
  return 0;
}

/* units.RAMInBytes: a number with an optional b/k/m/g/t/p suffix (with an
 * optional trailing "b" or "ib"), case-insensitive. */
static int ram_in_bytes(const char *s) {
  size_t i = 0, n = strlen(s);
  int digits = 0;
  while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) digits += s[i] != '.', i++;
  if (!digits) return -1;
  while (i < n && s[i] == ' ') i++;
  char rest[4] = {0};
  size_t r = 0;
  for (; i < n && r < 3; i++) rest[r++] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
  if (i < n) return -1;
  if (r == 0) return 0;
  if (!strchr("bkmgtp", rest[0])) return -1;
  if (r == 1) return 0;
  if (rest[0] == 'b') return -1;
  if (r == 2) return rest[1] == 'b' ? 0 : -1;
  return rest[1] == 'i' && rest[2] == 'b' ? 0 : -1;
}

int sgi_mount_parse(sgi_arena *arena, const char *value, sgi_mount_expander expand, void *ctx,
                    sgi_mount *m, sgi_buf *msg) {
  static const char *const all_keys[] = {"type", "from", "source", "target", "readonly", "id",
                                         "sharing", "required", "mode", "uid", "gid", "src",
                                         "dst", "ro", "rw", "readwrite"};
  memset(m, 0, sizeof *m);
  csv c;
  c.count = 0;
  /* an ordinary mount's fields, values and keys fit on the stack */
  char text[256], expanded_text[256], key_text[64];
  sgi_buf_init_storage(&c.scratch, msg->mem, text, sizeof text);
  sgi_buf expanded, key_buf;
  sgi_buf_init_storage(&expanded, msg->mem, expanded_text, sizeof expanded_text);
  sgi_buf_init_storage(&key_buf, msg->mem, key_text, sizeof key_text);
  int rc = csv_fields(value, &c, msg);
  int ro_auto = 1, has_mode = 0, has_uid = 0, has_gid = 0;
  for (size_t i = 0; rc == 0 && i < c.count; i++) {
    const char *f = c.items[i].text;
    size_t flen = c.items[i].len;
    const char *eq = memchr(f, '=', flen);
    size_t klen = eq ? (size_t)(eq - f) : flen;
    if (lower_key(&key_buf, f, klen)) {
      rc = -1;
      break;
    }
    const char *key = key_buf.ptr;
    if (!eq) {
      if (key_is(key, "readonly") || key_is(key, "ro")) {
        m->readonly = 1, ro_auto = 0;
      } else if (key_is(key, "readwrite") || key_is(key, "rw")) {
        m->readonly = 0, ro_auto = 0;
      } else if (key_is(key, "required") && (m->type == SGI_MOUNT_SECRET || m->type == SGI_MOUNT_SSH)) {
        m->required = 1;
      } else if (key_is(key, "required")) {
        sgi_buf_printf(msg, "unexpected key '%s' for mount type '%s'", key, mount_types[m->type]);
        rc = 1;
      } else {
        sgi_buf_printf(msg, "invalid field '%s' must be a key=value pair", f);
        rc = 1;
      }
      continue;
    }
    const char *v = eq + 1;
    size_t vlen = flen - (size_t)(eq - f) - 1;
    if (expand) {
      sgi_buf_clear(&expanded);
      if (expand(ctx, v, vlen, &expanded, msg) || expanded.failed) {
        rc = msg->failed || expanded.failed ? -1 : 1;
        break;
      }
      v = expanded.ptr ? expanded.ptr : "";
      vlen = expanded.len;
    }
    const char *copy = sgi_arena_strndup(arena, v, vlen);
    if (!copy) {
      rc = -1;
      break;
    }
    int b;
    uint64_t u;
    if (key_is(key, "type")) {
      char t[16];
      size_t tl = vlen < sizeof t - 1 ? vlen : sizeof t - 1;
      memcpy(t, v, tl);
      t[tl] = '\0';
      lower(t, tl);
      int found = -1;
      for (int k = 0; k < 5; k++)
        if (tl == vlen && strcmp(t, mount_types[k]) == 0) found = k;
      if (found < 0) {
        sgi_buf_puts(msg, "unsupported mount type \"");
        sgi_buf_append(msg, v, vlen);
        sgi_buf_putc(msg, '"');
        sgi_suggest(msg, v, vlen, mount_types, 5, 1);
        rc = 1;
      } else {
        m->type = (sgi_mount_type)found;
      }
    } else if (key_is(key, "from")) {
      m->from = copy;
    } else if (key_is(key, "source") || key_is(key, "src")) {
      m->source = copy;
    } else if (key_is(key, "target") || key_is(key, "dst") || key_is(key, "destination")) {
      m->target = copy;
    } else if (key_is(key, "readonly") || key_is(key, "ro") || key_is(key, "readwrite") ||
               key_is(key, "rw")) {
      if (sgi_go_parse_bool(v, vlen, &b)) {
        sgi_buf_printf(msg, "invalid value for %s: %s", key, copy);
        rc = 1;
      } else {
        int rw = key_is(key, "readwrite") || key_is(key, "rw");
        m->readonly = rw ? !b : b;
        ro_auto = 0;
      }
    } else if (key_is(key, "required")) {
      if (m->type != SGI_MOUNT_SECRET && m->type != SGI_MOUNT_SSH) {
        sgi_buf_printf(msg, "unexpected key '%s' for mount type '%s'", key, mount_types[m->type]);
        rc = 1;
      } else if (sgi_go_parse_bool(v, vlen, &b)) {
        sgi_buf_printf(msg, "invalid value for %s: %s", key, copy);
        rc = 1;
      } else {
        m->required = b;
      }
    } else if (key_is(key, "size")) {
      if (m->type != SGI_MOUNT_TMPFS) {
        sgi_buf_printf(msg, "unexpected key '%s' for mount type '%s'", key, mount_types[m->type]);
        rc = 1;
      } else if (ram_in_bytes(copy)) {
        sgi_buf_printf(msg, "invalid value for %s: %s", key, copy);
        rc = 1;
      }
    } else if (key_is(key, "id")) {
      m->id = copy;
    } else if (key_is(key, "sharing")) {
      char t[16];
      size_t tl = vlen < sizeof t - 1 ? vlen : sizeof t - 1;
      memcpy(t, v, tl);
      t[tl] = '\0';
      lower(t, tl);
      if (tl != vlen || (strcmp(t, "shared") && strcmp(t, "private") && strcmp(t, "locked"))) {
        static const char *const modes[] = {"shared", "private", "locked"};
        sgi_buf_printf(msg, "unsupported sharing value \"%s\"", copy);
        sgi_suggest(msg, v, vlen, modes, 3, 1);
        rc = 1;
      } else {
        m->sharing = copy;
      }
    } else if (key_is(key, "mode") || key_is(key, "uid") || key_is(key, "gid")) {
      if (sgi_go_parse_uint(v, vlen, key[0] == 'm' ? 8 : 10, 32, &u)) {
        sgi_buf_printf(msg, "invalid value %s for %s", copy, key);
        rc = 1;
      }
      has_mode |= key[0] == 'm';
      has_uid |= key[0] == 'u';
      has_gid |= key[0] == 'g';
    } else if (key_is(key, "env")) {
      m->env = copy;
    } else {
      sgi_buf_printf(msg, "unexpected key '%s' in '%s'", key, f);
      sgi_suggest(msg, key, strlen(key), all_keys, sizeof all_keys / sizeof all_keys[0], 1);
      rc = 1;
    }
  }
  if (rc == 0) {
    int file_info = m->type == SGI_MOUNT_SECRET || m->type == SGI_MOUNT_SSH || m->type == SGI_MOUNT_CACHE;
    const char *t = mount_types[m->type];
    if (!file_info && has_mode) rc = 1, sgi_buf_printf(msg, "mode not allowed for \"%s\" type mounts", t);
    else if (!file_info && has_uid) rc = 1, sgi_buf_printf(msg, "uid not allowed for \"%s\" type mounts", t);
    else if (!file_info && has_gid) rc = 1, sgi_buf_printf(msg, "gid not allowed for \"%s\" type mounts", t);
  }
  if (rc == 0 && ro_auto) m->readonly = !(m->type == SGI_MOUNT_CACHE || m->type == SGI_MOUNT_TMPFS);
  if (rc == 0 && m->type == SGI_MOUNT_SECRET) {
    if (m->from) rc = 1, sgi_buf_puts(msg, "secret mount should not have a from");
    else if (m->sharing) rc = 1, sgi_buf_puts(msg, "secret mount should not define sharing");
    else if (!m->source && !m->target && !m->id)
      rc = 1, sgi_buf_puts(msg, "invalid secret mount. one of source, target required");
    else if (m->source && m->id) rc = 1, sgi_buf_puts(msg, "both source and id can't be set");
  }
  if (rc == 0 && m->sharing && m->type != SGI_MOUNT_CACHE)
    rc = 1, sgi_buf_printf(msg, "invalid cache sharing set for %s mount", mount_types[m->type]);
  sgi_buf_free(&c.scratch);
  sgi_buf_free(&expanded);
  sgi_buf_free(&key_buf);
  if (rc < 0 || msg->failed) return STAGEGRAPH_ENOMEM;
  return rc;
}

int sgi_mount_fields(sgi_arena *arena, const char *value, const char *const *keys, size_t count,
                     const char **out) {
  for (size_t k = 0; k < count; k++) out[k] = NULL;
  csv c;
  c.count = 0;
  char text[256]; /* the unquoted fields of an ordinary mount fit */
  sgi_buf_init_storage(&c.scratch, arena->mem, text, sizeof text);
  sgi_buf msg;
  sgi_buf_init(&msg, arena->mem);
  int rc = csv_fields(value, &c, &msg);
  for (size_t i = 0; rc == 0 && i < c.count; i++) {
    const char *f = c.items[i].text;
    const char *eq = memchr(f, '=', c.items[i].len);
    if (!eq) continue;
    size_t klen = (size_t)(eq - f);
    for (size_t k = 0; k < count; k++) {
      if (strlen(keys[k]) != klen) continue;
      int same = 1;
      for (size_t j = 0; j < klen && same; j++) {
        char ch = f[j];
        same = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch) == keys[k][j];
      }
      if (same && !(out[k] = sgi_arena_strndup(arena, eq + 1, c.items[i].len - klen - 1))) rc = -1;
    }
  }
  sgi_buf_free(&c.scratch);
  sgi_buf_free(&msg);
  return rc < 0 ? STAGEGRAPH_ENOMEM : 0;
}

int sgi_mount_field(sgi_arena *arena, const char *value, const char *key, const char **out) {
  return sgi_mount_fields(arena, value, &key, 1, out);
}
