/* BuildKit's per-instruction argument parsers. */
#include "line_parsers.h"

#include <string.h>

#include "buf.h"
#include "json_array.h"
#include "split.h"
#include "strlist.h"
#include "text.h"

static const char *const kind_names[] = {
    "",        "ADD",    "ARG",        "CMD",   "COPY",  "ENTRYPOINT", "ENV",
    "EXPOSE",  "FROM",   "HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD", "RUN",
    "SHELL",   "STOPSIGNAL", "USER",   "VOLUME", "WORKDIR"};

const char *stagegraph_kind_name(stagegraph_kind kind) {
  if ((unsigned)kind >= sizeof kind_names / sizeof kind_names[0]) return "";
  return kind_names[kind];
}

/* BuildKit looks the keyword up as strings.ToLower(keyword), so letters
 * outside ASCII that lowercase to ASCII (U+212A KELVIN SIGN) still match. */
stagegraph_kind sgi_kind_from_keyword(const char *kw, size_t len) {
  char lowered[16];
  size_t n = 0, i = 0;
  while (i < len) {
    size_t w;
    uint32_t r = sgi_rune_lower(sgi_utf8_decode(kw + i, len - i, &w));
    if (r >= 0x80 || n == sizeof lowered) return STAGEGRAPH_KIND_UNKNOWN;
    lowered[n++] = (char)r;
    i += w;
  }
  for (size_t k = 1; k < sizeof kind_names / sizeof kind_names[0]; k++) {
    if (sgi_ascii_casecmp(lowered, n, kind_names[k]) == 0) return (stagegraph_kind)k;
  }
  return STAGEGRAPH_KIND_UNKNOWN;
}


/* parseStringsWhitespaceDelimited: split on runs of [\t\v\f\r ]. */
static int parse_whitespace_list(sgi_strlist *l, const char *s, size_t len) {
  size_t i = 0;
  if (len == 0) return 0;
  for (;;) {
    size_t start = i;
    while (i < len && !sgi_is_blank((unsigned char)s[i])) i++;
    int rc = sgi_strlist_push(l, s + start, i - start);
    if (rc) return rc;
    if (i == len) return 0;
    while (i < len && sgi_is_blank((unsigned char)s[i])) i++;
    if (i == len) return sgi_strlist_push(l, "", 0);
  }
}

static void put_rune(sgi_buf *w, uint32_t r) {
  if (r < 0x80) {
    sgi_buf_putc(w, (char)r);
    return;
  }
  char enc[4];
  sgi_buf_append(w, enc, sgi_utf8_encode(r, enc));
}

/* parseWords: quote-aware word list for ARG, ENV and LABEL. Quotes and
 * escapes stay in the words; invalid UTF-8 becomes U+FFFD as in Go. */
static int parse_words(sgi_strlist *l, const char *s, size_t len, char escape) {
  enum { IN_SPACES, IN_WORD, IN_QUOTE } phase = IN_SPACES;
  sgi_buf word;
  sgi_buf_init(&word, l->arena->mem);
  int blank_ok = 0, rc = 0;
  uint32_t quote = 0, ch = 0;
  size_t w = 0;
  for (size_t pos = 0; pos <= len; pos += w) {
    w = 0;
    if (pos < len) ch = sgi_utf8_decode(s + pos, len - pos, &w);
    if (phase == IN_SPACES) {
      if (pos == len) break;
      if (sgi_is_space(ch)) continue;
      phase = IN_WORD;
    }
    if (pos == len) {
      if (blank_ok || word.len > 0) rc = sgi_strlist_push(l, word.ptr ? word.ptr : "", word.len);
      break;
    }
    if (phase == IN_WORD) {
      if (sgi_is_space(ch)) {
        phase = IN_SPACES;
        if (blank_ok || word.len > 0) {
          if ((rc = sgi_strlist_push(l, word.ptr ? word.ptr : "", word.len))) break;
        }
        sgi_buf_clear(&word);
        blank_ok = 0;
        continue;
      }
      if (ch == '\'' || ch == '"') {
        quote = ch;
        blank_ok = 1;
        phase = IN_QUOTE;
      }
      if (ch == (unsigned char)escape) {
        if (pos + w == len) continue;
        put_rune(&word, ch);
        pos += w;
        ch = sgi_utf8_decode(s + pos, len - pos, &w);
      }
      put_rune(&word, ch);
      continue;
    }
    /* IN_QUOTE */
    if (ch == quote) phase = IN_WORD;
    if (ch == (unsigned char)escape && quote != '\'') {
      if (pos + w == len) {
        phase = IN_WORD;
        continue;
      }
      pos += w;
      put_rune(&word, ch);
      ch = sgi_utf8_decode(s + pos, len - pos, &w);
    }
    put_rune(&word, ch);
  }
  if (!rc && word.failed) rc = word.failed;
  sgi_buf_free(&word);
  return rc;
}

static int syntax_error(stagegraph_error *err, const char *fmt, const char *arg) {
  return sgi_error_set(err, STAGEGRAPH_ESYNTAX, NULL, fmt, arg);
}

/* parseNameVal for ENV and LABEL: key, value, delimiter triples. */
static int parse_name_val(sgi_strlist *l, const char *s, size_t len, char escape, const char *key,
                          stagegraph_error *err) {
  sgi_strlist words = {l->arena, NULL, 0, 0};
  int rc = parse_words(&words, s, len, escape);
  if (rc) return rc;
  if (words.count == 0) return 0;
  if (!memchr(words.items[0].ptr, '=', words.items[0].len)) {
    size_t i = 0;
    while (i < len && !sgi_is_blank((unsigned char)s[i])) i++;
    size_t j = i;
    while (j < len && sgi_is_blank((unsigned char)s[j])) j++;
    if (i == len) return syntax_error(err, "%s must have two arguments", key);
    if ((rc = sgi_strlist_push(l, s, i)) || (rc = sgi_strlist_push(l, s + j, len - j)) || (rc = sgi_strlist_push(l, "", 0)))
      return rc;
    return 0;
  }
  for (size_t k = 0; k < words.count; k++) {
    const char *word = words.items[k].ptr;
    size_t wlen = words.items[k].len;
    const char *eq = memchr(word, '=', wlen);
    if (!eq) {
      sgi_buf q;
      sgi_buf_init(&q, l->arena->mem);
      sgi_quote_go(&q, word, wlen);
      if (q.failed) {
        sgi_buf_free(&q);
        return STAGEGRAPH_ENOMEM;
      }
      syntax_error(err, "Syntax error - can't find = in %s. Must be of the form: name=value", q.ptr);
      sgi_buf_free(&q);
      return STAGEGRAPH_ESYNTAX;
    }
    size_t klen = (size_t)(eq - word);
    if ((rc = sgi_strlist_push(l, word, klen)) || (rc = sgi_strlist_push(l, eq + 1, wlen - klen - 1)) ||
        (rc = sgi_strlist_push(l, "=", 1)))
      return rc;
  }
  return 0;
}

/* parseJSON then the fallback. `list` selects parseMaybeJSONToList. */
static int parse_maybe_json(sgi_strlist *l, const char *s, size_t len, int list, int *json,
                            stagegraph_error *err) {
  if (len == 0 && !list) return 0;
  size_t lead = sgi_space_prefix(s, len);
  if (lead < len && s[lead] == '[') {
    sgi_str *items = NULL;
    size_t count = 0;
    int r = sgi_json_string_array(l->arena, s + lead, len - lead, &items, &count);
    if (r == SGI_JSON_ARRAY) {
      l->items = items;
      l->count = l->cap = count;
      *json = 1;
      return 0;
    }
    if (r == SGI_JSON_NOT_STRINGS)
      return sgi_error_set(err, STAGEGRAPH_ESYNTAX, NULL,
                           "when using JSON array syntax, arrays must be comprised of strings only");
    if (r < 0) return r;
  }
  if (list) return parse_whitespace_list(l, s, len);
  return sgi_strlist_push(l, s, len);
}

/* parseHealthConfig: type word, then JSON or the rest as one string. The
 * type ends at the first byte that is whitespace when taken as a rune. */
static int parse_health(sgi_strlist *l, const char *s, size_t len, int *json, stagegraph_error *err) {
  size_t sep = 0;
  while (sep < len && !sgi_is_space((unsigned char)s[sep])) sep++;
  size_t next = sep;
  while (next < len && sgi_is_space((unsigned char)s[next])) next++;
  if (sep == 0) return 0;
  int rc = sgi_strlist_push(l, s, sep);
  if (rc) return rc;
  sgi_strlist cmd = {l->arena, NULL, 0, 0};
  rc = parse_maybe_json(&cmd, s + next, len - next, 0, json, err);
  if (rc) return rc;
  for (size_t i = 0; i < cmd.count; i++) {
    if ((rc = sgi_strlist_push(l, cmd.items[i].ptr, cmd.items[i].len))) return rc;
  }
  return 0;
}

int sgi_parse_line(sgi_arena *arena, const char *line, size_t len, char escape,
                   stagegraph_instruction *ins, stagegraph_error *err) {
  for (;;) {
    sgi_split sp;
    int rc = sgi_split_command(arena, line, len, escape, &sp);
    if (rc) return rc;
    ins->keyword = sgi_arena_strndup(arena, sp.keyword, sp.keyword_len);
    if (!ins->keyword) return STAGEGRAPH_ENOMEM;
    ins->kind = sgi_kind_from_keyword(sp.keyword, sp.keyword_len);
    ins->flags = sp.flags;
    ins->flag_count = sp.flag_count;
    sgi_strlist args = {arena, NULL, 0, 0};
    const char *rest = sp.rest;
    size_t rlen = sp.rest_len;
    switch (ins->kind) {
    case STAGEGRAPH_KIND_ADD:
    case STAGEGRAPH_KIND_COPY:
    case STAGEGRAPH_KIND_VOLUME:
      rc = parse_maybe_json(&args, rest, rlen, 1, &ins->json, err);
      break;
    case STAGEGRAPH_KIND_RUN:
    case STAGEGRAPH_KIND_CMD:
    case STAGEGRAPH_KIND_ENTRYPOINT:
    case STAGEGRAPH_KIND_SHELL:
      rc = parse_maybe_json(&args, rest, rlen, 0, &ins->json, err);
      break;
    case STAGEGRAPH_KIND_FROM:
    case STAGEGRAPH_KIND_EXPOSE:
      rc = parse_whitespace_list(&args, rest, rlen);
      break;
    case STAGEGRAPH_KIND_ENV:
      rc = parse_name_val(&args, rest, rlen, escape, "ENV", err);
      break;
    case STAGEGRAPH_KIND_LABEL:
      rc = parse_name_val(&args, rest, rlen, escape, "LABEL", err);
      break;
    case STAGEGRAPH_KIND_ARG:
      rc = parse_words(&args, rest, rlen, escape);
      break;
    case STAGEGRAPH_KIND_HEALTHCHECK:
      rc = parse_health(&args, rest, rlen, &ins->json, err);
      break;
    case STAGEGRAPH_KIND_MAINTAINER:
    case STAGEGRAPH_KIND_USER:
    case STAGEGRAPH_KIND_WORKDIR:
    case STAGEGRAPH_KIND_STOPSIGNAL:
      if (rlen) rc = sgi_strlist_push(&args, rest, rlen);
      break;
    case STAGEGRAPH_KIND_ONBUILD:
      break;
    case STAGEGRAPH_KIND_UNKNOWN:
      rc = sgi_strlist_push(&args, "", 0);
      break;
    }
    if (rc) return rc;
    ins->args = args.items;
    ins->arg_count = args.count;
    if (ins->kind != STAGEGRAPH_KIND_ONBUILD || rlen == 0) return 0;
    /* ONBUILD: the rest is an instruction of its own. */
    stagegraph_instruction *child = sgi_arena_calloc(arena, 1, sizeof *child);
    if (!child) return STAGEGRAPH_ENOMEM;
    child->index = ins->index;
    ins->trigger = child;
    ins = child;
    line = rest;
    len = rlen;
  }
}
