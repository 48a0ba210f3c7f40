/* The document: what the parser builds and every later layer reads.
 * Everything hangs off the document's arena and is freed with it. */
#ifndef STAGEGRAPH_DOCUMENT_H
#define STAGEGRAPH_DOCUMENT_H

#include <stddef.h>
#include <stdint.h>

#include "alloc.h"
#include "error.h"
#include "stagegraph.h"

/* A byte string, NUL-terminated in the arena; may contain NUL before len. */
typedef struct sgi_str {
  const char *ptr;
  size_t len;
} sgi_str;

struct stagegraph_heredoc {
  const char *name;
  const char *content;
  size_t content_len;
  int expand;
  int chomp;
  int fd;
};

/* A builder flag as the instruction layer validated it (bools read
 * "true" / "false"). */
typedef struct sgi_flagval {
  const char *name;
  const char *value;
} sgi_flagval;

/* What few instructions have, apart from the record so that the record
 * stays small: a keyword not written as the kind's name, ONBUILD's
 * trigger, flags, heredocs and the comments above it. An instruction
 * with none of them points to sgi_instruction_plain (all empty), so
 * readers never test for NULL; sgi_instruction_extra_own gives an
 * instruction one of its own when the parser sets a field. */
typedef struct sgi_instruction_extra {
  const char *keyword;             /* as written; NULL: stagegraph_kind_name(kind) */
  stagegraph_instruction *trigger; /* ONBUILD's nested instruction */
  const char **flags;              /* "--name=value" as written */
  stagegraph_heredoc *heredocs;
  const char **comments;
  uint32_t flag_count, heredoc_count, comment_count;
} sgi_instruction_extra;

extern const sgi_instruction_extra sgi_instruction_plain;

/* The extra part's fields that plans, the cache model and lint ask every
 * instruction for are flagged in the record, so that an instruction whose
 * extra part holds only flags is answered without reading it. */
enum { SGI_EXTRA_KEYWORD = 1, SGI_EXTRA_HEREDOCS = 2, SGI_EXTRA_COMMENTS = 4 };

/* One instruction. Every document has one per line, so the record packs
 * without holes into 80 bytes, and what the plan, cache and lint read of
 * every instruction (kind, validity, which extra fields are set, counts,
 * index, arguments, flag values, the extra part, the text) is in its
 * first 64 bytes: on large documents each cache line of an instruction
 * that is read is a miss. Inputs are under 4 GiB, so line numbers,
 * columns, counts and indices fit 32 bits. */
struct stagegraph_instruction {
  stagegraph_kind kind;
  unsigned char json;               /* JSON (exec) form */
  unsigned char invalid;            /* the instruction layer rejected it */
  unsigned char empty_continuation; /* a blank line was dropped inside a continuation */
  unsigned char extras;   /* SGI_EXTRA_*: which of the extra part's often read fields are set */
  uint32_t arg_count;
  uint32_t flag_value_count;
  uint32_t index;         /* position in the document (a trigger shares its ONBUILD's) */
  uint32_t original_len;
  sgi_str *args;
  const sgi_flagval *flag_values; /* set by the instruction layer */
  const sgi_instruction_extra *extra; /* never NULL */
  const char *original;   /* the joined logical line */
  /* offsets and lengths fit in 32 bits: inputs are under 4 GiB (limits) */
  uint32_t start_offset, end_offset;
  uint32_t start_line, end_line;
  uint32_t column;        /* 1-based column of the keyword on the start line */
};
_Static_assert(sizeof(void *) != 8 || sizeof(struct stagegraph_instruction) == 80,
               "the instruction record packs into 80 bytes on 64-bit targets");

/* The instruction's own extra part, made (a copy of the shared empty one)
 * on first use; NULL when out of memory. */
sgi_instruction_extra *sgi_instruction_extra_own(sgi_arena *arena, stagegraph_instruction *ins);

/* The keyword as written. */
static inline const char *sgi_instruction_keyword(const stagegraph_instruction *ins) {
  return ins->extras & SGI_EXTRA_KEYWORD ? ins->extra->keyword : stagegraph_kind_name(ins->kind);
}

static inline uint32_t sgi_instruction_heredoc_count(const stagegraph_instruction *ins) {
  return ins->extras & SGI_EXTRA_HEREDOCS ? ins->extra->heredoc_count : 0;
}

static inline uint32_t sgi_instruction_comment_count(const stagegraph_instruction *ins) {
  return ins->extras & SGI_EXTRA_COMMENTS ? ins->extra->comment_count : 0;
}

typedef struct sgi_directive {
  const char *key;   /* lowercase */
  const char *value;
  uint32_t line;
} sgi_directive;

struct stagegraph_diagnostic {
  stagegraph_severity severity;
  int code;
  const char *rule; /* NULL or a static rule name */
  const char *url;  /* NULL or a static documentation URL */
  const char *message;
  const char *inner; /* the message without BuildKit's "dockerfile parse error on line N: " */
  uint32_t line, column, end_line, end_column;
  size_t offset;
};

/* Limits in force for one document (defaults filled in). */
typedef struct sgi_limits {
  size_t max_input_bytes;
  size_t max_line_bytes;
  size_t max_instructions;
  size_t max_stages;
  size_t max_heredocs;
  size_t max_expansion_bytes;
} sgi_limits;

struct sgi_commands; /* the typed layer (instructions.h) */

struct stagegraph_doc {
  sgi_mem mem;
  sgi_arena arena;
  sgi_limits limits;
  size_t input_len;
  char escape;
  sgi_directive *directives;
  size_t directive_count;
  stagegraph_instruction **instructions; /* on the heap (doc->mem) */
  size_t instruction_count;
  /* Counted by the parser as it adds instructions, so that the instruction
   * layer sizes its tables without reading every record once more. */
  size_t from_count;      /* FROM instructions */
  size_t from_name_bytes; /* their base and name words, each with its NUL */
  size_t meta_arg_count;  /* ARG instructions before the first FROM */
  size_t linking_bound;   /* COPY and RUN instructions with flags: the most links */
  stagegraph_diagnostic *diagnostics;
  size_t diagnostic_count;
  size_t diagnostic_cap;
  /* Build settings copied from the options (arena strings). */
  const char *platform;
  const char *build_platform;
  const char **build_args; /* "KEY=VALUE" */
  size_t build_arg_count;
  /* the same by key, then in the order given, for sgi_doc_build_arg */
  struct sgi_build_arg *build_args_by_key;
  struct sgi_commands *commands;
};

void sgi_limits_from_options(sgi_limits *limits, const stagegraph_options *opts);

/* Append a diagnostic; the message is copied into the arena.
 * Returns 0 or STAGEGRAPH_ENOMEM. */
int sgi_doc_add_diagnostic(stagegraph_doc *doc, stagegraph_severity severity, int code,
                           const char *rule, const sgi_pos *pos, const char *message);

/* The value of a build arg the caller gave ("KEY=VALUE"; the last one
 * wins; "KEY" alone is ""), or NULL. */
const char *sgi_doc_build_arg(const stagegraph_doc *doc, const char *name, size_t len);

/* The first error-severity diagnostic, or NULL. */
const stagegraph_diagnostic *sgi_doc_first_error(const stagegraph_doc *doc);

#endif
