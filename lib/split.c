/* Keyword, flags and rest of a logical line. */
#include "split.h"

#include <string.h>

#include "buf.h"
#include "text.h"

/* Flag words are assembled byte by byte, each byte taken as a rune: this is
 * BuildKit's behaviour (non-ASCII bytes come out re-encoded as if Latin-1,
 * and the bytes 0x85 and 0xA0 count as whitespace). Their escape character
 * is always the backslash: BuildKit's flag splitter does not see the escape
 * directive. */
static int byte_is_space(unsigned char c) { return sgi_is_space(c); }

static void put_byte_rune(sgi_buf *w, unsigned char c) {
  if (c < 0x80) {
    sgi_buf_putc(w, (char)c);
    return;
  }
  char enc[4];
  sgi_buf_append(w, enc, sgi_utf8_encode(c, enc));
}

typedef struct flag_list {
  const char **items;
  size_t count, cap;
} flag_list;

static int flag_push(sgi_arena *arena, flag_list *fl, const sgi_buf *word) {
  if (fl->count == fl->cap) {
    size_t cap = fl->cap ? fl->cap * 2 : 4;
    const char **items = sgi_arena_calloc(arena, cap, sizeof *items);
    if (!items) return STAGEGRAPH_ENOMEM;
    if (fl->count) memcpy(items, fl->items, fl->count * sizeof *items);
    fl->items = items;
    fl->cap = cap;
  }
  const char *copy = sgi_arena_strndup(arena, word->ptr ? word->ptr : "", word->len);
  if (!copy) return STAGEGRAPH_ENOMEM;
  fl->items[fl->count++] = copy;
  return 0;
}

/* extractBuilderFlags: returns the offset in s where the arguments start. */
static int extract_flags(sgi_arena *arena, sgi_buf *scratch, const char *s, size_t len,
                         flag_list *fl, size_t *rest_at) {
  enum { IN_SPACES, IN_WORD, IN_QUOTE } phase = IN_SPACES;
  sgi_buf *word = scratch;
  sgi_buf_clear(word);
  int blank_ok = 0, rc = 0;
  unsigned char quote = 0;
  *rest_at = len;
  for (size_t pos = 0; pos <= len; pos++) {
    unsigned char ch = pos < len ? (unsigned char)s[pos] : 0;
    if (phase == IN_SPACES) {
      if (pos == len) break;
      if (byte_is_space(ch)) continue;
      if (ch != '-' || pos + 1 == len || s[pos + 1] != '-') {
        *rest_at = pos;
        goto done;
      }
      phase = IN_WORD;
    }
    if (pos == len) {
      int is_dashdash = word->len == 2 && memcmp(word->ptr, "--", 2) == 0;
      if (!is_dashdash && (blank_ok || word->len > 0)) rc = flag_push(arena, fl, word);
      break;
    }
    if (phase == IN_WORD) {
      if (byte_is_space(ch)) {
        phase = IN_SPACES;
        if (word->len == 2 && memcmp(word->ptr, "--", 2) == 0) {
          *rest_at = pos;
          goto done;
        }
        if (blank_ok || word->len > 0) {
          if ((rc = flag_push(arena, fl, word))) goto done;
        }
        sgi_buf_clear(word);
        blank_ok = 0;
        continue;
      }
      if (ch == '\'' || ch == '"') {
        quote = ch;
        blank_ok = 1;
        phase = IN_QUOTE;
        continue;
      }
      if (ch == '\\') {
        if (pos + 1 == len) continue;
        pos++;
        ch = (unsigned char)s[pos];
      }
      put_byte_rune(word, ch);
      continue;
    }
    /* IN_QUOTE */
    if (ch == quote) {
      phase = IN_WORD;
      continue;
    }
    if (ch == '\\') {
      if (pos + 1 == len) {
        phase = IN_WORD;
        continue;
      }
      pos++;
      ch = (unsigned char)s[pos];
    }
    put_byte_rune(word, ch);
  }
done:
  if (!rc && word->failed) rc = word->failed;
  return rc;
}

int sgi_split_command(sgi_arena *arena, sgi_buf *scratch, const char *line, size_t len, char escape,
                      sgi_split *out) {
  memset(out, 0, sizeof *out);
  sgi_trim_space(&line, &len);
  size_t k = 0;
  while (k < len && !sgi_is_blank((unsigned char)line[k])) k++;
  out->keyword = line;
  out->keyword_len = k;
  out->rest = line + len;
  if (k == len) return 0;
  size_t a = k;
  while (a < len && sgi_is_blank((unsigned char)line[a])) a++;
  flag_list fl = {0};
  size_t rest_at;
  (void)escape;
  int rc = extract_flags(arena, scratch, line + a, len - a, &fl, &rest_at);
  if (rc) return rc;
  out->flags = fl.items;
  out->flag_count = fl.count;
  const char *rest = line + a + rest_at;
  size_t rest_len = len - a - rest_at;
  sgi_trim_space(&rest, &rest_len);
  out->rest = rest;
  out->rest_len = rest_len;
  return 0;
}
