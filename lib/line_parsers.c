/* BuildKit's per-instruction argument parsers. */
#include "line_parsers.h"

#include <string.h>

#include "buf.h"
#include "json_array.h"
#include "split.h"
#include "strlist.h"
#include "text.h"
#include "unicode.h"

/* The keywords by kind, with their lengths so that lookups compare
 * lengths first. */
typedef struct kind_name {
  const char *name;
  unsigned char len;
  char padded[16]; /* the name and NULs */
} kind_name;
#define KIND(s) {s, sizeof s - 1, s}
static const kind_name kind_names[] = {
    KIND(""),      KIND("ADD"),        KIND("ARG"),   KIND("CMD"),     KIND("COPY"),
    KIND("ENTRYPOINT"), KIND("ENV"),   KIND("EXPOSE"), KIND("FROM"),   KIND("HEALTHCHECK"),
    KIND("LABEL"), KIND("MAINTAINER"), KIND("ONBUILD"), KIND("RUN"),   KIND("SHELL"),
    KIND("STOPSIGNAL"), KIND("USER"),  KIND("VOLUME"), KIND("WORKDIR")};
#undef KIND
enum { KIND_COUNT = sizeof kind_names / sizeof kind_names[0] };

const char *stagegraph_kind_name(stagegraph_kind kind) {
  if ((unsigned)kind >= KIND_COUNT) return "";
  return kind_names[kind].name;
}

/* The kinds whose names start with each letter: the names are in
 * alphabetical order, so each letter's kinds are the range [from, to). */
#define LETTER(c, from, to) [c - 'A'] = {STAGEGRAPH_KIND_##from, STAGEGRAPH_KIND_##to + 1}
static const struct {
  unsigned char from, to;
} kinds_by_letter[26] = {
    LETTER('A', ADD, ARG),   LETTER('C', CMD, COPY),    LETTER('E', ENTRYPOINT, EXPOSE),
    LETTER('F', FROM, FROM), LETTER('H', HEALTHCHECK, HEALTHCHECK), LETTER('L', LABEL, LABEL),
    LETTER('M', MAINTAINER, MAINTAINER), LETTER('O', ONBUILD, ONBUILD), LETTER('R', RUN, RUN),
    LETTER('S', SHELL, STOPSIGNAL), LETTER('U', USER, USER), LETTER('V', VOLUME, VOLUME),
    LETTER('W', WORKDIR, WORKDIR)};
#undef LETTER

/* ASCII letters of the 8 bytes in x to upper case, 8 at a time: a byte
 * gets 0x20 cleared when it lies in 'a'..'z' (bytes >= 0x80 never do). */
static uint64_t upper8(uint64_t x) {
  const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
  uint64_t low7 = x & ~high;
  uint64_t from_a = low7 + (0x80 - 'a') * ones; /* high bit: byte >= 'a' */
  uint64_t past_z = low7 + (0x80 - 'z' - 1) * ones; /* high bit: byte > 'z' */
  uint64_t lower = from_a & ~past_z & ~x & high;
  return x ^ (lower >> 2);
}

/* The keyword folded to upper case in out[16] (zero padded): 1, or 0 when
 * it cannot be a keyword (empty, too long, or a non-ASCII letter that
 * does not fold to ASCII). *folded: some byte changed. */
static int fold_keyword(const char *kw, size_t len, unsigned char out[16], int *folded) {
  memset(out, 0, 16);
  if (len == 0) return 0;
  size_t i = 0;
  for (; i < len && (unsigned char)kw[i] < 0x80; i++) {}
  if (i == len) { /* ASCII: 16 bytes at a time */
    if (len > 16) return 0;
    memcpy(out, kw, len);
    uint64_t w[2], u[2];
    memcpy(w, out, 16);
    u[0] = upper8(w[0]);
    u[1] = upper8(w[1]);
    *folded = u[0] != w[0] || u[1] != w[1];
    memcpy(out, u, 16);
    return 1;
  }
  size_t n = 0;
  *folded = 1;
  for (i = 0; i < len;) {
    size_t w = 1;
    uint32_t r = (unsigned char)kw[i];
    if (r >= 0x80) r = sgi_rune_lower(sgi_utf8_decode(kw + i, len - i, &w));
    if (r >= 'a' && r <= 'z') r -= 'a' - 'A';
    if (r >= 0x80 || n == 16) return 0;
    out[n++] = (unsigned char)r;
    i += w;
  }
  return 1;
}

/* BuildKit looks the keyword up as strings.ToLower(keyword), so letters
 * outside ASCII that lowercase to ASCII (U+212A KELVIN SIGN) still match.
 * The keyword is folded to upper case, then compared with the names that
 * start with its letter. *as_named: it is written exactly as the kind's
 * name. */
stagegraph_kind sgi_kind_from_keyword(const char *kw, size_t len, int *as_named) {
  unsigned char upper[16];
  int folded;
  *as_named = 0;
  if (!fold_keyword(kw, len, upper, &folded) || upper[0] < 'A' || upper[0] > 'Z')
    return STAGEGRAPH_KIND_UNKNOWN;
  for (unsigned k = kinds_by_letter[upper[0] - 'A'].from; k < kinds_by_letter[upper[0] - 'A'].to; k++) {
    /* the names are NUL-padded to 16 bytes like upper */
    if (memcmp(kind_names[k].padded, upper, 16) == 0) {
      *as_named = !folded;
      return (stagegraph_kind)k;
    }
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
static int parse_words(sgi_strlist *l, sgi_buf *word, const char *s, size_t len, char escape) {
  enum { IN_SPACES, IN_WORD, IN_QUOTE } phase = IN_SPACES;
  sgi_buf_clear(word);
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
      if (blank_ok || word->len > 0) rc = sgi_strlist_push(l, word->ptr ? word->ptr : "", word->len);
      break;
    }
    if (phase == IN_WORD) {
      if (sgi_is_space(ch)) {
        phase = IN_SPACES;
        if (blank_ok || word->len > 0) {
          if ((rc = sgi_strlist_push(l, word->ptr ? word->ptr : "", word->len))) break;
        }
        sgi_buf_clear(word);
        blank_ok = 0;
        continue;
      }
      if (ch < 0x80 && ch != '\'' && ch != '"' && ch != (unsigned char)escape) {
        /* a run of plain ASCII goes in with one append */
        size_t end = pos + 1;
        while (end < len) {
          unsigned char c = (unsigned char)s[end];
          if (c >= 0x80 || c == '\'' || c == '"' || c == (unsigned char)escape || sgi_is_space(c))
            break;
          end++;
        }
        sgi_buf_append(word, s + pos, end - pos);
        w = end - pos;
        continue;
      }
      if (ch == '\'' || ch == '"') {
        quote = ch;
        blank_ok = 1;
        phase = IN_QUOTE;
      }
      if (ch == (unsigned char)escape) {
        if (pos + w == len) continue;
        put_rune(word, ch);
        pos += w;
        ch = sgi_utf8_decode(s + pos, len - pos, &w);
      }
      put_rune(word, ch);
      continue;
    }
    /* IN_QUOTE */
    int escapes = quote != '\'';
    if (ch < 0x80 && ch != quote && !(escapes && ch == (unsigned char)escape)) {
      /* a run of plain ASCII goes in with one append */
      size_t end = pos + 1;
      while (end < len) {
        unsigned char c = (unsigned char)s[end];
        if (c >= 0x80 || c == quote || (escapes && c == (unsigned char)escape)) break;
        end++;
      }
      sgi_buf_append(word, s + pos, end - pos);
      w = end - pos;
      continue;
    }
    if (ch == quote) phase = IN_WORD;
    if (ch == (unsigned char)escape && escapes) {
      if (pos + w == len) {
        phase = IN_WORD;
        continue;
      }
      pos += w;
      put_rune(word, ch);
      ch = sgi_utf8_decode(s + pos, len - pos, &w);
    }
    put_rune(word, ch);
  }
  if (!rc && word->failed) rc = word->failed;
  return rc;
}

static int syntax_error(stagegraph_error *err, const char *fmt, const char *arg) {
  return sgi_error_set(err, STAGEGRAPH_ESYNTAX, NULL, fmt, arg);
}

/* parseNameVal for ENV and LABEL: key, value, delimiter triples. */
static int parse_name_val(sgi_strlist *l, sgi_line_scratch *sc, const char *s, size_t len,
                          char escape, const char *key, stagegraph_error *err) {
  sgi_strlist *words = &sc->words;
  sgi_strlist_reset(words, NULL);
  int rc = parse_words(words, &sc->word, s, len, escape);
  if (rc) return rc;
  if (words->count == 0) return 0;
  sgi_str first = sgi_strlist_at(words, 0);
  if (!memchr(first.ptr, '=', first.len)) {
    size_t i = 0;
    while (i < len && !sgi_is_blank((unsigned char)s[i])) i++;
    size_t j = i;
    while (j < len && sgi_is_blank((unsigned char)s[j])) j++;
    if (i == len) return syntax_error(err, "%s must have two arguments", key);
    if ((rc = sgi_strlist_push(l, s, i)) || (rc = sgi_strlist_push(l, s + j, len - j)) || (rc = sgi_strlist_push(l, "", 0)))
      return rc;
    return 0;
  }
  for (size_t k = 0; k < words->count; k++) {
    sgi_str w = sgi_strlist_at(words, k);
    const char *eq = memchr(w.ptr, '=', w.len);
    if (!eq) {
      sgi_buf q;
      sgi_buf_init(&q, sc->word.mem);
      sgi_quote_go(&q, w.ptr, w.len);
      if (q.failed) {
        sgi_buf_free(&q);
        return STAGEGRAPH_ENOMEM;
      }
      syntax_error(err, "Syntax error - can't find = in %s. Must be of the form: name=value", q.ptr);
      sgi_buf_free(&q);
      return STAGEGRAPH_ESYNTAX;
    }
    size_t klen = (size_t)(eq - w.ptr);
    if ((rc = sgi_strlist_push(l, w.ptr, klen)) || (rc = sgi_strlist_push(l, eq + 1, w.len - klen - 1)) ||
        (rc = sgi_strlist_push(l, "=", 1)))
      return rc;
  }
  return 0;
}

/* A JSON (exec form) argument list, straight into the arena. */
typedef struct json_args {
  int found;
  sgi_str *items;
  size_t count;
} json_args;

/* parseJSON then the fallback. `list` selects parseMaybeJSONToList. A JSON
 * array goes to *ja, anything else into l. */
static int parse_maybe_json(sgi_strlist *l, sgi_arena *arena, const char *s, size_t len, int list,
                            json_args *ja, stagegraph_error *err) {
  if (len == 0 && !list) return 0;
  size_t lead = sgi_space_prefix(s, len);
  if (lead < len && s[lead] == '[') {
    int r = sgi_json_string_array(arena, s + lead, len - lead, &ja->items, &ja->count);
    if (r == SGI_JSON_ARRAY) {
      ja->found = 1;
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
static int parse_health(sgi_strlist *l, sgi_arena *arena, const char *s, size_t len,
                        unsigned char *json, stagegraph_error *err) {
  size_t sep = 0;
  while (sep < len && !sgi_is_space((unsigned char)s[sep])) sep++;
  size_t next = sep;
  while (next < len && sgi_is_space((unsigned char)s[next])) next++;
  if (sep == 0) return 0;
  int rc = sgi_strlist_push(l, s, sep);
  if (rc) return rc;
  json_args ja = {0, NULL, 0};
  rc = parse_maybe_json(l, arena, s + next, len - next, 0, &ja, err);
  if (rc || !ja.found) return rc;
  /* the command's JSON words follow the type word */
  *json = 1;
  for (size_t i = 0; i < ja.count; i++) {
    if ((rc = sgi_strlist_push(l, ja.items[i].ptr, ja.items[i].len))) return rc;
  }
  return 0;
}

void sgi_line_scratch_init(sgi_line_scratch *sc, const sgi_mem *mem) {
  sgi_strlist_init_storage(&sc->args, mem, sc->arg_items, 16, sc->arg_bytes, sizeof sc->arg_bytes);
  sgi_strlist_init_storage(&sc->words, mem, sc->word_items, 16, sc->word_bytes,
                           sizeof sc->word_bytes);
  sgi_buf_init_storage(&sc->word, mem, sc->word_text, sizeof sc->word_text);
}

void sgi_line_scratch_free(sgi_line_scratch *sc) {
  sgi_strlist_free(&sc->args);
  sgi_strlist_free(&sc->words);
  sgi_buf_free(&sc->word);
}

int sgi_parse_line(sgi_arena *arena, sgi_line_scratch *sc, const char *line, size_t len,
                   char escape, stagegraph_instruction *ins, stagegraph_error *err) {
  /* `line` is NUL-terminated arena text: an argument running to its end
   * is kept in place instead of copied */
  const char *nul_end = line + len;
  for (;;) {
    sgi_split sp;
    int rc = sgi_split_command(arena, &sc->word, line, len, escape, &sp);
    if (rc) return rc;
    /* a keyword written as its kind's name is that name (no extra part) */
    int as_named;
    ins->kind = sgi_kind_from_keyword(sp.keyword, sp.keyword_len, &as_named);
    if (!as_named || sp.flag_count) {
      sgi_instruction_extra *x = sgi_instruction_extra_own(arena, ins);
      if (!x) return STAGEGRAPH_ENOMEM;
      if (!as_named) {
        x->keyword = sgi_arena_strndup(arena, sp.keyword, sp.keyword_len);
        if (!x->keyword) return STAGEGRAPH_ENOMEM;
        ins->extras |= SGI_EXTRA_KEYWORD;
      }
      x->flags = sp.flags;
      x->flag_count = (uint32_t)sp.flag_count;
    }
    sgi_strlist *args = &sc->args;
    sgi_strlist_reset(args, nul_end);
    json_args ja = {0, NULL, 0};
    const char *rest = sp.rest;
    size_t rlen = sp.rest_len;
    switch (ins->kind) {
    case STAGEGRAPH_KIND_ADD:
    case STAGEGRAPH_KIND_COPY:
    case STAGEGRAPH_KIND_VOLUME:
      rc = parse_maybe_json(args, arena, rest, rlen, 1, &ja, err);
      break;
    case STAGEGRAPH_KIND_RUN:
    case STAGEGRAPH_KIND_CMD:
    case STAGEGRAPH_KIND_ENTRYPOINT:
    case STAGEGRAPH_KIND_SHELL:
      rc = parse_maybe_json(args, arena, rest, rlen, 0, &ja, err);
      break;
    case STAGEGRAPH_KIND_FROM:
    case STAGEGRAPH_KIND_EXPOSE:
      rc = parse_whitespace_list(args, rest, rlen);
      break;
    case STAGEGRAPH_KIND_ENV:
      rc = parse_name_val(args, sc, rest, rlen, escape, "ENV", err);
      break;
    case STAGEGRAPH_KIND_LABEL:
      rc = parse_name_val(args, sc, rest, rlen, escape, "LABEL", err);
      break;
    case STAGEGRAPH_KIND_ARG:
      rc = parse_words(args, &sc->word, rest, rlen, escape);
      break;
    case STAGEGRAPH_KIND_HEALTHCHECK:
      rc = parse_health(args, arena, rest, rlen, &ins->json, err);
      break;
    case STAGEGRAPH_KIND_MAINTAINER:
    case STAGEGRAPH_KIND_USER:
    case STAGEGRAPH_KIND_WORKDIR:
    case STAGEGRAPH_KIND_STOPSIGNAL:
      if (rlen) rc = sgi_strlist_push(args, rest, rlen);
      break;
    case STAGEGRAPH_KIND_ONBUILD:
      break;
    case STAGEGRAPH_KIND_UNKNOWN:
      rc = sgi_strlist_push(args, "", 0);
      break;
    }
    if (rc) return rc;
    if (ja.found) {
      ins->json = 1;
      ins->args = ja.items;
      ins->arg_count = ja.count;
    } else {
      size_t count;
      if ((rc = sgi_strlist_finish(args, arena, &ins->args, &count))) return rc;
      ins->arg_count = (uint32_t)count;
    }
    if (ins->kind != STAGEGRAPH_KIND_ONBUILD || rlen == 0) return 0;
    /* ONBUILD: the rest is an instruction of its own. */
    stagegraph_instruction *child = sgi_arena_calloc(arena, 1, sizeof *child);
    sgi_instruction_extra *x = child ? sgi_instruction_extra_own(arena, ins) : NULL;
    if (!x) return STAGEGRAPH_ENOMEM;
    child->extra = &sgi_instruction_plain;
    child->index = ins->index;
    x->trigger = child;
    ins = child;
    line = rest;
    len = rlen;
    if (line + len != nul_end) nul_end = NULL; /* the rest was trimmed */
  }
}
