/*
 * stagegraph: parse multi-stage Dockerfiles exactly as BuildKit does.
 *
 * This is the whole public contract of the library. Everything else is
 * internal and may change at any time.
 *
 * Conventions
 * - Functions that can fail return int: 0 on success, a negative
 *   STAGEGRAPH_E* code on failure. When a stagegraph_error is passed it is
 *   filled with the code, a 1-based position and a message (BuildKit's text
 *   wherever BuildKit has one).
 * - "Owned" results are released by the caller with the matching
 *   stagegraph_*_free / stagegraph_buf_dispose function; "borrowed" results
 *   live as long as the object they came from and must not be freed.
 * - A document is immutable once parsed: any number of threads may read one
 *   document at the same time, and build plans, caches and lints from it
 *   concurrently. Plans, caches and lints are immutable too once made, and
 *   safe to read from several threads.
 * - The library has no global state, never aborts or exits, and reports a
 *   failed allocation as STAGEGRAPH_ENOMEM.
 * - Sized structs (stagegraph_error and the *_options structs) begin with
 *   `size_t size`, the size of the struct the caller was compiled with; the
 *   library reads and writes only the members that lie within it, so a
 *   struct can grow at its end without breaking older callers. Initialise
 *   one with its STAGEGRAPH_*_INIT macro or, from an FFI, with its init
 *   function, passing the caller's size: `stagegraph_options_init(&opts,
 *   sizeof opts)`. An init function zeroes the first min(size, the struct's
 *   size in this library) bytes, stores that count in `size`, and never
 *   writes past `size`. A NULL pointer, or a size below sizeof(size_t) (no
 *   room for the size member), writes nothing.
 *
 * This header is ISO C11 and valid C++, and includes only <stddef.h> and
 * <stdint.h>.
 */
#ifndef STAGEGRAPH_H
#define STAGEGRAPH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && defined(STAGEGRAPH_BUILDING_DLL)
#define STAGEGRAPH_EXTERN __declspec(dllexport)
#elif defined(__GNUC__) && __GNUC__ >= 4
#define STAGEGRAPH_EXTERN __attribute__((visibility("default")))
#else
#define STAGEGRAPH_EXTERN
#endif

/* ------------------------------------------------------------------------
 * Version
 * ------------------------------------------------------------------------ */

#define STAGEGRAPH_VERSION_MAJOR 0
#define STAGEGRAPH_VERSION_MINOR 2
#define STAGEGRAPH_VERSION_PATCH 0
#define STAGEGRAPH_VERSION_STRING "0.2.0"
/** 0xMMmmpp, comparable with stagegraph_version(). */
#define STAGEGRAPH_VERSION_NUMBER                                              \
  ((STAGEGRAPH_VERSION_MAJOR << 16) | (STAGEGRAPH_VERSION_MINOR << 8) |        \
   STAGEGRAPH_VERSION_PATCH)

/** The version of the linked library, laid out as STAGEGRAPH_VERSION_NUMBER. */
STAGEGRAPH_EXTERN unsigned stagegraph_version(void);
/** The version of the linked library as a string. Borrowed (static). */
STAGEGRAPH_EXTERN const char *stagegraph_version_string(void);

/* ------------------------------------------------------------------------
 * Errors
 * ------------------------------------------------------------------------ */

typedef enum stagegraph_code {
  STAGEGRAPH_OK = 0,
  /** Generic failure. */
  STAGEGRAPH_ERROR = -1,
  /** An allocation failed. */
  STAGEGRAPH_ENOMEM = -2,
  /** A bad argument (NULL where an object is required, bad option). */
  STAGEGRAPH_EINVAL = -3,
  /** A file could not be read. */
  STAGEGRAPH_EIO = -4,
  /** BuildKit's parser rejects the file (the "parse:" verdict). */
  STAGEGRAPH_ESYNTAX = -5,
  /** BuildKit's instruction layer rejects the file ("instructions:"). */
  STAGEGRAPH_EINSTRUCTION = -6,
  /** A configured limit (input size, line length, counts) was exceeded. */
  STAGEGRAPH_ELIMIT = -7,
  /** A named thing (target stage) does not exist. */
  STAGEGRAPH_ENOTFOUND = -8,
  /** The stage graph has a cycle. */
  STAGEGRAPH_ECYCLE = -9,
  /** Variable expansion failed. */
  STAGEGRAPH_EEXPAND = -10,
  /** An image reference is invalid. */
  STAGEGRAPH_EREFERENCE = -11,
  /** A stage reference is invalid when the build runs (forward --from,
   * bad stage index). */
  STAGEGRAPH_ESTAGE = -12
} stagegraph_code;

/** The symbolic name of a code ("ENOMEM"); "EUNKNOWN" for others. Static. */
STAGEGRAPH_EXTERN const char *stagegraph_code_name(int code);

#define STAGEGRAPH_MESSAGE_MAX 512

/**
 * Filled by a failing call. A sized struct: set `size` to
 * sizeof(stagegraph_error) with STAGEGRAPH_ERROR_INIT or
 * stagegraph_error_init(&err, sizeof err); fields past `size` are never
 * written, so the struct can grow at its end.
 */
typedef struct stagegraph_error {
  size_t size;
  int code;
  /** 1-based position; 0 when the error has no position. */
  uint32_t line;
  uint32_t column;
  uint32_t end_line;
  uint32_t end_column;
  /** 0-based byte offset of (line, column) in the input. */
  size_t offset;
  /** NUL-terminated; truncated at a UTF-8 boundary when longer. */
  char message[STAGEGRAPH_MESSAGE_MAX];
} stagegraph_error;

#define STAGEGRAPH_ERROR_INIT                                                  \
  { sizeof(stagegraph_error), 0, 0, 0, 0, 0, 0, { 0 } }

/**
 * Zero the first min(size, sizeof(stagegraph_error)) bytes of `err` and set
 * err->size to that count; nothing past `size` is written. Call as
 * stagegraph_error_init(&err, sizeof err). NULL, or a size below
 * sizeof(size_t), writes nothing (see "Sized structs" above).
 */
STAGEGRAPH_EXTERN void stagegraph_error_init(stagegraph_error *err, size_t size);

/* ------------------------------------------------------------------------
 * Memory
 * ------------------------------------------------------------------------ */

/**
 * Allocator hooks. Any member left NULL falls back to the C library.
 * `ctx` is passed to every call. A document copies the struct.
 */
typedef struct stagegraph_allocator {
  void *(*malloc)(size_t size, void *ctx);
  void *(*realloc)(void *ptr, size_t size, void *ctx);
  void (*free)(void *ptr, void *ctx);
  void *ctx;
} stagegraph_allocator;

/**
 * Owned output text. `ptr` is NUL-terminated (the NUL is not counted in
 * `size`) and may hold NUL bytes before it. Release with
 * stagegraph_buf_dispose(), which frees with the allocator that made it.
 * Initialise with STAGEGRAPH_BUF_INIT or zeroes.
 */
typedef struct stagegraph_buf {
  char *ptr;
  size_t size;
  /* private: */
  size_t capacity;
  stagegraph_allocator allocator;
} stagegraph_buf;

#define STAGEGRAPH_BUF_INIT                                                    \
  { NULL, 0, 0, { NULL, NULL, NULL, NULL } }

/** Free the text of a buffer and reset it to empty. NULL is allowed. */
STAGEGRAPH_EXTERN void stagegraph_buf_dispose(stagegraph_buf *buf);

/* ------------------------------------------------------------------------
 * Options
 * ------------------------------------------------------------------------ */

/**
 * Parse options, a sized struct. Initialise with STAGEGRAPH_OPTIONS_INIT or
 * stagegraph_options_init(&opts, sizeof opts); members appended later keep
 * their zero default. A zero limit means the default limit.
 */
typedef struct stagegraph_options {
  size_t size;
  /** NULL: the C library's allocator. Copied. */
  const stagegraph_allocator *allocator;
  /** Target platform "os/arch[/variant]"; NULL means "linux/amd64". */
  const char *platform;
  /** Build platform; NULL means "linux/amd64". */
  const char *build_platform;
  /** Build arguments as "KEY=VALUE" strings ("KEY" alone sets ""). */
  const char *const *build_args;
  size_t build_arg_count;
  /** Limits (0 = default). */
  size_t max_input_bytes;      /* default 64 MiB; at most 4 GiB - 1 */
  size_t max_line_bytes;       /* default 65535, BuildKit's */
  size_t max_instructions;     /* default 1,000,000 */
  size_t max_stages;           /* default 1,000,000 */
  size_t max_heredocs;         /* default 1,000,000 */
  size_t max_expansion_bytes;  /* default 1 MiB per expanded word */
} stagegraph_options;

#define STAGEGRAPH_OPTIONS_INIT                                                \
  { sizeof(stagegraph_options), NULL, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0, 0 }

/**
 * Zero the first min(size, sizeof(stagegraph_options)) bytes of `opts` and
 * set opts->size to that count; nothing past `size` is written. Call as
 * stagegraph_options_init(&opts, sizeof opts). NULL, or a size below
 * sizeof(size_t), writes nothing.
 */
STAGEGRAPH_EXTERN void stagegraph_options_init(stagegraph_options *opts, size_t size);

/* ------------------------------------------------------------------------
 * Documents and instructions (the AST)
 * ------------------------------------------------------------------------ */

typedef struct stagegraph_doc stagegraph_doc;
typedef struct stagegraph_instruction stagegraph_instruction;
typedef struct stagegraph_heredoc stagegraph_heredoc;
typedef struct stagegraph_diagnostic stagegraph_diagnostic;

/**
 * Parse `len` bytes (not NUL-terminated) into a new document.
 *
 * On success *out owns a document to release with stagegraph_doc_free().
 * When BuildKit's parser rejects the input (STAGEGRAPH_ESYNTAX) or a limit
 * is hit, *out is NULL and `err` holds BuildKit's message and position.
 * Problems BuildKit reports after parsing (unknown instructions, bad flags)
 * do not fail the parse: they become error diagnostics on the document.
 * `opts` and `err` may be NULL.
 */
STAGEGRAPH_EXTERN int stagegraph_parse(stagegraph_doc **out, const char *data,
                                       size_t len,
                                       const stagegraph_options *opts,
                                       stagegraph_error *err);

/** Read and parse a file. A read failure is STAGEGRAPH_EIO. */
STAGEGRAPH_EXTERN int stagegraph_parse_file(stagegraph_doc **out,
                                            const char *path,
                                            const stagegraph_options *opts,
                                            stagegraph_error *err);

/** Release a document and everything borrowed from it. NULL is allowed. */
STAGEGRAPH_EXTERN void stagegraph_doc_free(stagegraph_doc *doc);

/** The escape character in force: '\\' or '`'. */
STAGEGRAPH_EXTERN char stagegraph_doc_escape(const stagegraph_doc *doc);

/**
 * Parser directives (`# syntax=`, `# escape=`, `# check=`) in file order.
 * Keys are lowercase. Strings are borrowed from the document.
 */
STAGEGRAPH_EXTERN size_t stagegraph_doc_directive_count(const stagegraph_doc *doc);
STAGEGRAPH_EXTERN const char *stagegraph_doc_directive_key(const stagegraph_doc *doc,
                                                           size_t index);
STAGEGRAPH_EXTERN const char *stagegraph_doc_directive_value(const stagegraph_doc *doc,
                                                             size_t index);
STAGEGRAPH_EXTERN uint32_t stagegraph_doc_directive_line(const stagegraph_doc *doc,
                                                         size_t index);

/** Instructions (logical lines) in file order. Borrowed; NULL when out of range. */
STAGEGRAPH_EXTERN size_t stagegraph_doc_instruction_count(const stagegraph_doc *doc);
STAGEGRAPH_EXTERN const stagegraph_instruction *
stagegraph_doc_instruction(const stagegraph_doc *doc, size_t index);

/** Instruction kinds. STAGEGRAPH_KIND_UNKNOWN for any other keyword. */
typedef enum stagegraph_kind {
  STAGEGRAPH_KIND_UNKNOWN = 0,
  STAGEGRAPH_KIND_ADD,
  STAGEGRAPH_KIND_ARG,
  STAGEGRAPH_KIND_CMD,
  STAGEGRAPH_KIND_COPY,
  STAGEGRAPH_KIND_ENTRYPOINT,
  STAGEGRAPH_KIND_ENV,
  STAGEGRAPH_KIND_EXPOSE,
  STAGEGRAPH_KIND_FROM,
  STAGEGRAPH_KIND_HEALTHCHECK,
  STAGEGRAPH_KIND_LABEL,
  STAGEGRAPH_KIND_MAINTAINER,
  STAGEGRAPH_KIND_ONBUILD,
  STAGEGRAPH_KIND_RUN,
  STAGEGRAPH_KIND_SHELL,
  STAGEGRAPH_KIND_STOPSIGNAL,
  STAGEGRAPH_KIND_USER,
  STAGEGRAPH_KIND_VOLUME,
  STAGEGRAPH_KIND_WORKDIR
} stagegraph_kind;

/** Upper-case keyword of a kind ("COPY"); "" for UNKNOWN. Static. */
STAGEGRAPH_EXTERN const char *stagegraph_kind_name(stagegraph_kind kind);

STAGEGRAPH_EXTERN stagegraph_kind
stagegraph_instruction_kind(const stagegraph_instruction *ins);
/** The keyword as written ("copy", "Copy"). Borrowed. */
STAGEGRAPH_EXTERN const char *
stagegraph_instruction_keyword(const stagegraph_instruction *ins);
/** Position of the instruction in its document (0-based). */
STAGEGRAPH_EXTERN size_t stagegraph_instruction_index(const stagegraph_instruction *ins);

/** Builder flags as words after quote and escape processing ("--from=x"). */
STAGEGRAPH_EXTERN size_t
stagegraph_instruction_flag_count(const stagegraph_instruction *ins);
STAGEGRAPH_EXTERN const char *
stagegraph_instruction_flag(const stagegraph_instruction *ins, size_t index);

/**
 * Arguments as BuildKit's line parsers produce them (ENV and LABEL give
 * key, value, delimiter triples; JSON form gives decoded elements, which may
 * contain NUL bytes, hence `len`, which may be NULL). Borrowed.
 */
STAGEGRAPH_EXTERN size_t
stagegraph_instruction_arg_count(const stagegraph_instruction *ins);
STAGEGRAPH_EXTERN const char *
stagegraph_instruction_arg(const stagegraph_instruction *ins, size_t index,
                           size_t *len);
/** 1 when the arguments were written in JSON (exec) form. */
STAGEGRAPH_EXTERN int stagegraph_instruction_is_json(const stagegraph_instruction *ins);
/** ONBUILD's trigger instruction, NULL for others. Borrowed. */
STAGEGRAPH_EXTERN const stagegraph_instruction *
stagegraph_instruction_trigger(const stagegraph_instruction *ins);

/** Lines (1-based, heredoc bodies included) and byte offsets [start, end). */
STAGEGRAPH_EXTERN uint32_t
stagegraph_instruction_start_line(const stagegraph_instruction *ins);
STAGEGRAPH_EXTERN uint32_t
stagegraph_instruction_end_line(const stagegraph_instruction *ins);
STAGEGRAPH_EXTERN size_t
stagegraph_instruction_start_offset(const stagegraph_instruction *ins);
STAGEGRAPH_EXTERN size_t
stagegraph_instruction_end_offset(const stagegraph_instruction *ins);
/** The joined logical line (continuations removed, no heredoc bodies);
 * NULL for an ONBUILD trigger (its ONBUILD holds the text). */
STAGEGRAPH_EXTERN const char *
stagegraph_instruction_original(const stagegraph_instruction *ins, size_t *len);

/** The comment lines collected before the instruction (BuildKit's
 * PrevComment: each line minus its first byte, trimmed). Borrowed. */
STAGEGRAPH_EXTERN size_t
stagegraph_instruction_comment_count(const stagegraph_instruction *ins);
STAGEGRAPH_EXTERN const char *
stagegraph_instruction_comment(const stagegraph_instruction *ins, size_t index);

/** Heredocs of RUN, COPY, ADD (and such ONBUILD triggers). Borrowed. */
STAGEGRAPH_EXTERN size_t
stagegraph_instruction_heredoc_count(const stagegraph_instruction *ins);
STAGEGRAPH_EXTERN const stagegraph_heredoc *
stagegraph_instruction_heredoc(const stagegraph_instruction *ins, size_t index);
STAGEGRAPH_EXTERN const char *stagegraph_heredoc_name(const stagegraph_heredoc *h);
/** The body verbatim, line terminators included; not chomped. */
STAGEGRAPH_EXTERN const char *stagegraph_heredoc_content(const stagegraph_heredoc *h,
                                                         size_t *len);
/** 1 unless part of the delimiter was quoted. */
STAGEGRAPH_EXTERN int stagegraph_heredoc_expand(const stagegraph_heredoc *h);
/** 1 for `<<-`. */
STAGEGRAPH_EXTERN int stagegraph_heredoc_chomp(const stagegraph_heredoc *h);
STAGEGRAPH_EXTERN int stagegraph_heredoc_fd(const stagegraph_heredoc *h);

/**
 * The value of a validated builder flag ("from" for --from), the `nth`
 * occurrence for repeatable flags (--mount, --exclude). Bool flags read
 * "true" or "false". NULL when the flag was not given, or when the
 * instruction has an error. Borrowed.
 */
STAGEGRAPH_EXTERN const char *
stagegraph_instruction_flag_value(const stagegraph_instruction *ins, const char *name,
                                  size_t nth);

/* ------------------------------------------------------------------------
 * Stages (BuildKit's instruction layer groups instructions under FROM)
 * ------------------------------------------------------------------------ */

typedef struct stagegraph_stage stagegraph_stage;

/** Stages in file order. Borrowed; NULL when out of range. */
STAGEGRAPH_EXTERN size_t stagegraph_doc_stage_count(const stagegraph_doc *doc);
STAGEGRAPH_EXTERN const stagegraph_stage *stagegraph_doc_stage(const stagegraph_doc *doc,
                                                               size_t index);
STAGEGRAPH_EXTERN size_t stagegraph_stage_index(const stagegraph_stage *stage);
/** The lowercased `AS` name, or NULL for an unnamed stage. */
STAGEGRAPH_EXTERN const char *stagegraph_stage_name(const stagegraph_stage *stage);
/** The FROM image text as written (unexpanded); NULL for a FROM without
 * arguments (the document's verdict is then an error). */
STAGEGRAPH_EXTERN const char *stagegraph_stage_base(const stagegraph_stage *stage);
/** The raw --platform value, or NULL. */
STAGEGRAPH_EXTERN const char *stagegraph_stage_platform(const stagegraph_stage *stage);
/** The doc-comment description (`# <name> <description>` above FROM), or "". */
STAGEGRAPH_EXTERN const char *stagegraph_stage_description(const stagegraph_stage *stage);
/** The FROM instruction. */
STAGEGRAPH_EXTERN const stagegraph_instruction *
stagegraph_stage_from(const stagegraph_stage *stage);
/** The stage's instructions after FROM, in order. */
STAGEGRAPH_EXTERN size_t stagegraph_stage_instruction_count(const stagegraph_stage *stage);
STAGEGRAPH_EXTERN const stagegraph_instruction *
stagegraph_stage_instruction(const stagegraph_stage *stage, size_t index);

/** ARG instructions before the first FROM (BuildKit's meta args). */
STAGEGRAPH_EXTERN size_t stagegraph_doc_meta_arg_count(const stagegraph_doc *doc);
STAGEGRAPH_EXTERN const stagegraph_instruction *
stagegraph_doc_meta_arg(const stagegraph_doc *doc, size_t index);

/* ------------------------------------------------------------------------
 * Diagnostics
 * ------------------------------------------------------------------------ */

typedef enum stagegraph_severity {
  STAGEGRAPH_SEVERITY_INFO = 0,
  STAGEGRAPH_SEVERITY_WARNING = 1,
  STAGEGRAPH_SEVERITY_ERROR = 2
} stagegraph_severity;

/**
 * Diagnostics found while building the document: parser warnings (empty
 * continuation lines) and instruction-level errors, in file order.
 */
STAGEGRAPH_EXTERN size_t stagegraph_doc_diagnostic_count(const stagegraph_doc *doc);
STAGEGRAPH_EXTERN const stagegraph_diagnostic *
stagegraph_doc_diagnostic(const stagegraph_doc *doc, size_t index);
STAGEGRAPH_EXTERN stagegraph_severity
stagegraph_diagnostic_severity(const stagegraph_diagnostic *d);
/** A STAGEGRAPH_E* code for errors, 0 for warnings. */
STAGEGRAPH_EXTERN int stagegraph_diagnostic_code(const stagegraph_diagnostic *d);
/** Rule name ("NoEmptyContinuation") or NULL. Borrowed. */
STAGEGRAPH_EXTERN const char *stagegraph_diagnostic_rule(const stagegraph_diagnostic *d);
STAGEGRAPH_EXTERN const char *stagegraph_diagnostic_message(const stagegraph_diagnostic *d);
STAGEGRAPH_EXTERN uint32_t stagegraph_diagnostic_line(const stagegraph_diagnostic *d);
STAGEGRAPH_EXTERN uint32_t stagegraph_diagnostic_column(const stagegraph_diagnostic *d);
STAGEGRAPH_EXTERN uint32_t stagegraph_diagnostic_end_line(const stagegraph_diagnostic *d);
STAGEGRAPH_EXTERN uint32_t stagegraph_diagnostic_end_column(const stagegraph_diagnostic *d);
/** The rule's documentation URL, or NULL. Borrowed. */
STAGEGRAPH_EXTERN const char *stagegraph_diagnostic_url(const stagegraph_diagnostic *d);
/** 0-based byte offset of (line, column) in the input. */
STAGEGRAPH_EXTERN size_t stagegraph_diagnostic_offset(const stagegraph_diagnostic *d);

/**
 * BuildKit's verdict on the document: 0 when BuildKit would accept it,
 * else the first error diagnostic's code with its message and position in
 * `err` (for instruction errors the message is BuildKit's full text,
 * "dockerfile parse error on line N: ..."). Every analysis refuses a
 * document whose verdict is an error.
 */
STAGEGRAPH_EXTERN int stagegraph_doc_verdict(const stagegraph_doc *doc,
                                             stagegraph_error *err);

/* ------------------------------------------------------------------------
 * Stage graph and build plan
 * ------------------------------------------------------------------------ */

/** "No index": a stage built on an image or scratch has no parent stage. */
#define STAGEGRAPH_NONE ((size_t)-1)

typedef struct stagegraph_plan stagegraph_plan;
typedef struct stagegraph_edge stagegraph_edge;
typedef struct stagegraph_image stagegraph_image;

/**
 * Plan options, a sized struct. Initialise with STAGEGRAPH_PLAN_OPTIONS_INIT
 * or stagegraph_plan_options_init(&opts, sizeof opts).
 */
typedef struct stagegraph_plan_options {
  size_t size;
  /** Target stage names (case-insensitive); none means the last stage. */
  const char *const *targets;
  size_t target_count;
  /** Build every stage up to the last target in file order, as the
   * classic builder and kaniko do, instead of only what the targets need. */
  int legacy;
  /** Named build contexts as "name=source" (docker build --build-context):
   * a name equal to a stage name replaces that stage, one equal to an
   * image name replaces the image. */
  const char *const *build_contexts;
  size_t build_context_count;
} stagegraph_plan_options;

#define STAGEGRAPH_PLAN_OPTIONS_INIT { sizeof(stagegraph_plan_options), NULL, 0, 0, NULL, 0 }

/**
 * Zero the first min(size, sizeof(stagegraph_plan_options)) bytes of `opts`
 * and set opts->size to that count; nothing past `size` is written. NULL, or
 * a size below sizeof(size_t), writes nothing.
 */
STAGEGRAPH_EXTERN void stagegraph_plan_options_init(stagegraph_plan_options *opts, size_t size);

/**
 * Resolve the stage graph (bases, edges, external images) as BuildKit does
 * with the document's build args and platform, then plan the build of the
 * targets. *out is owned (stagegraph_plan_free) and borrows `doc`, which
 * must outlive it. Errors carry BuildKit's message: the document's verdict,
 * ENOTFOUND `target stage "x" could not be found`, ECYCLE
 * `circular dependency detected on stage: x`, EEXPAND, EREFERENCE
 * `failed to parse stage name "x": ...`, ESTAGE (forward --from,
 * `invalid stage index`).
 */
STAGEGRAPH_EXTERN int stagegraph_plan_new(stagegraph_plan **out, const stagegraph_doc *doc,
                                          const stagegraph_plan_options *opts,
                                          stagegraph_error *err);
STAGEGRAPH_EXTERN void stagegraph_plan_free(stagegraph_plan *plan);
STAGEGRAPH_EXTERN const stagegraph_doc *stagegraph_plan_doc(const stagegraph_plan *plan);
STAGEGRAPH_EXTERN int stagegraph_plan_is_legacy(const stagegraph_plan *plan);

/** Per stage (index as in stagegraph_doc_stage): the FROM image text after
 * expansion; the expanded --platform or NULL; the parent stage index or
 * STAGEGRAPH_NONE; the base image (NULL for a stage parent or scratch); the
 * named context replacing the stage, or NULL. Borrowed from the plan. */
STAGEGRAPH_EXTERN const char *stagegraph_plan_stage_base(const stagegraph_plan *plan,
                                                         size_t stage);
STAGEGRAPH_EXTERN const char *stagegraph_plan_stage_platform(const stagegraph_plan *plan,
                                                             size_t stage);
STAGEGRAPH_EXTERN size_t stagegraph_plan_stage_parent(const stagegraph_plan *plan,
                                                      size_t stage);
STAGEGRAPH_EXTERN const stagegraph_image *
stagegraph_plan_stage_image(const stagegraph_plan *plan, size_t stage);
STAGEGRAPH_EXTERN const char *stagegraph_plan_stage_context(const stagegraph_plan *plan,
                                                            size_t stage);
/** 1 when the targets need the stage. */
STAGEGRAPH_EXTERN int stagegraph_plan_stage_needed(const stagegraph_plan *plan, size_t stage);
/** The 0-based wave a needed stage builds in, STAGEGRAPH_NONE otherwise. */
STAGEGRAPH_EXTERN size_t stagegraph_plan_stage_wave(const stagegraph_plan *plan, size_t stage);

typedef enum stagegraph_edge_kind {
  /** FROM an earlier stage. */
  STAGEGRAPH_EDGE_FROM = 0,
  /** COPY --from a stage (by name or index). */
  STAGEGRAPH_EDGE_COPY = 1,
  /** RUN --mount from= a stage (any mount type). */
  STAGEGRAPH_EDGE_MOUNT = 2
} stagegraph_edge_kind;

/** "from", "copy" or "mount". Static. */
STAGEGRAPH_EXTERN const char *stagegraph_edge_kind_name(stagegraph_edge_kind kind);

/** Edges between stages, in file order of the instructions making them. */
STAGEGRAPH_EXTERN size_t stagegraph_plan_edge_count(const stagegraph_plan *plan);
STAGEGRAPH_EXTERN const stagegraph_edge *stagegraph_plan_edge(const stagegraph_plan *plan,
                                                              size_t index);
/** The stage depended on. */
STAGEGRAPH_EXTERN size_t stagegraph_edge_from(const stagegraph_edge *edge);
/** The dependent stage. */
STAGEGRAPH_EXTERN size_t stagegraph_edge_to(const stagegraph_edge *edge);
STAGEGRAPH_EXTERN stagegraph_edge_kind stagegraph_edge_get_kind(const stagegraph_edge *edge);
/** The FROM, COPY or RUN instruction; for an edge an ONBUILD trigger of the
 * parent adds, the parent's ONBUILD instruction. */
STAGEGRAPH_EXTERN const stagegraph_instruction *
stagegraph_edge_instruction(const stagegraph_edge *edge);
/** 1 when the edge comes from an ONBUILD trigger of the parent stage. */
STAGEGRAPH_EXTERN int stagegraph_edge_onbuild(const stagegraph_edge *edge);
/** The reference as written: the FROM name, the --from or from= value. */
STAGEGRAPH_EXTERN const char *stagegraph_edge_reference(const stagegraph_edge *edge);

/** External images the file pulls, in order of first use (`scratch` is not
 * an image). */
STAGEGRAPH_EXTERN size_t stagegraph_plan_image_count(const stagegraph_plan *plan);
STAGEGRAPH_EXTERN const stagegraph_image *stagegraph_plan_image(const stagegraph_plan *plan,
                                                                size_t index);
/** The reference as written, after expansion. */
STAGEGRAPH_EXTERN const char *stagegraph_image_ref(const stagegraph_image *image);
/** Parts of the normalised reference (see stagegraph_reference_*). */
STAGEGRAPH_EXTERN const char *stagegraph_image_domain(const stagegraph_image *image);
STAGEGRAPH_EXTERN const char *stagegraph_image_path(const stagegraph_image *image);
STAGEGRAPH_EXTERN const char *stagegraph_image_tag(const stagegraph_image *image);
STAGEGRAPH_EXTERN const char *stagegraph_image_digest(const stagegraph_image *image);
STAGEGRAPH_EXTERN const char *stagegraph_image_normalized(const stagegraph_image *image);
STAGEGRAPH_EXTERN const char *stagegraph_image_familiar(const stagegraph_image *image);
/** The named build context replacing the image, or NULL. */
STAGEGRAPH_EXTERN const char *stagegraph_image_context(const stagegraph_image *image);
/** Where the image is used: the kind (FROM, COPY --from, mount from), the
 * stage using it, and the line. */
STAGEGRAPH_EXTERN size_t stagegraph_image_use_count(const stagegraph_image *image);
STAGEGRAPH_EXTERN stagegraph_edge_kind stagegraph_image_use_kind(const stagegraph_image *image,
                                                                 size_t use);
STAGEGRAPH_EXTERN size_t stagegraph_image_use_stage(const stagegraph_image *image, size_t use);
STAGEGRAPH_EXTERN uint32_t stagegraph_image_use_line(const stagegraph_image *image, size_t use);

/** Stage index lists, borrowed from the plan: the resolved targets; the
 * needed stages in build order (dependencies first, ties by index); the
 * stages the targets do not need; the critical path (the longest chain of
 * dependent stages ending at a target, first stage first). */
STAGEGRAPH_EXTERN const size_t *stagegraph_plan_targets(const stagegraph_plan *plan,
                                                        size_t *count);
STAGEGRAPH_EXTERN const size_t *stagegraph_plan_order(const stagegraph_plan *plan,
                                                      size_t *count);
STAGEGRAPH_EXTERN const size_t *stagegraph_plan_pruned(const stagegraph_plan *plan,
                                                       size_t *count);
STAGEGRAPH_EXTERN const size_t *stagegraph_plan_critical_path(const stagegraph_plan *plan,
                                                              size_t *count);
/** Waves: stages that can build in parallel (wave = 1 + deepest
 * dependency). In legacy mode every stage is a wave of its own. */
STAGEGRAPH_EXTERN size_t stagegraph_plan_wave_count(const stagegraph_plan *plan);
STAGEGRAPH_EXTERN const size_t *stagegraph_plan_wave(const stagegraph_plan *plan, size_t wave,
                                                     size_t *count);

/** The outline of the first target (BuildKit's --call=outline): build args
 * it consumes (name, value or NULL, description, line), the secrets and ssh
 * sockets its RUN mounts need (id, required, line), each sorted by line. */
STAGEGRAPH_EXTERN size_t stagegraph_plan_arg_count(const stagegraph_plan *plan);
STAGEGRAPH_EXTERN const char *stagegraph_plan_arg_name(const stagegraph_plan *plan, size_t i);
STAGEGRAPH_EXTERN const char *stagegraph_plan_arg_value(const stagegraph_plan *plan, size_t i);
STAGEGRAPH_EXTERN const char *stagegraph_plan_arg_description(const stagegraph_plan *plan,
                                                              size_t i);
STAGEGRAPH_EXTERN uint32_t stagegraph_plan_arg_line(const stagegraph_plan *plan, size_t i);
STAGEGRAPH_EXTERN size_t stagegraph_plan_secret_count(const stagegraph_plan *plan);
STAGEGRAPH_EXTERN const char *stagegraph_plan_secret_id(const stagegraph_plan *plan, size_t i);
STAGEGRAPH_EXTERN int stagegraph_plan_secret_required(const stagegraph_plan *plan, size_t i);
STAGEGRAPH_EXTERN uint32_t stagegraph_plan_secret_line(const stagegraph_plan *plan, size_t i);
STAGEGRAPH_EXTERN size_t stagegraph_plan_ssh_count(const stagegraph_plan *plan);
STAGEGRAPH_EXTERN const char *stagegraph_plan_ssh_id(const stagegraph_plan *plan, size_t i);
STAGEGRAPH_EXTERN int stagegraph_plan_ssh_required(const stagegraph_plan *plan, size_t i);
STAGEGRAPH_EXTERN uint32_t stagegraph_plan_ssh_line(const stagegraph_plan *plan, size_t i);

typedef enum stagegraph_format {
  /** For people: the plan with its waves and what is skipped and why. */
  STAGEGRAPH_FORMAT_TEXT = 0,
  /** JSON, schema "stagegraph.plan/1" (see README). */
  STAGEGRAPH_FORMAT_JSON = 1,
  /** Graphviz DOT. */
  STAGEGRAPH_FORMAT_DOT = 2,
  /** Mermaid flowchart. */
  STAGEGRAPH_FORMAT_MERMAID = 3,
  /** SARIF 2.1.0 (lint only). */
  STAGEGRAPH_FORMAT_SARIF = 4
} stagegraph_format;

/** Render the plan (owned output). */
STAGEGRAPH_EXTERN int stagegraph_plan_render(stagegraph_buf *out, const stagegraph_plan *plan,
                                             stagegraph_format format, stagegraph_error *err);

/* ------------------------------------------------------------------------
 * Cacheable layers and change impact
 * ------------------------------------------------------------------------ */

typedef struct stagegraph_cache stagegraph_cache;

/**
 * What changed since the last build, a sized struct. Initialise with
 * STAGEGRAPH_CACHE_OPTIONS_INIT or stagegraph_cache_options_init(&opts,
 * sizeof opts). With nothing changed the report still gives every layer,
 * its inputs and each stage's cache boundary.
 */
typedef struct stagegraph_cache_options {
  size_t size;
  /** Changed build-context paths, relative to the context root. */
  const char *const *changed_paths;
  size_t changed_path_count;
  /** Names of build args whose value changed. */
  const char *const *changed_args;
  size_t changed_arg_count;
  /** Base images that changed (as written, or normalised). */
  const char *const *changed_images;
  size_t changed_image_count;
  /** The text of the .dockerignore that applies (<Dockerfile>.dockerignore
   * beside the Dockerfile, else .dockerignore at the context root), or NULL.
   * Ignored paths never invalidate anything. A bad pattern fails with
   * STAGEGRAPH_ESYNTAX whose line, column and offset are positions in
   * this text, not in the Dockerfile. */
  const char *dockerignore;
  size_t dockerignore_len;
} stagegraph_cache_options;

#define STAGEGRAPH_CACHE_OPTIONS_INIT                                          \
  { sizeof(stagegraph_cache_options), NULL, 0, NULL, 0, NULL, 0, NULL, 0 }

/**
 * Zero the first min(size, sizeof(stagegraph_cache_options)) bytes of `opts`
 * and set opts->size to that count; nothing past `size` is written. NULL, or
 * a size below sizeof(size_t), writes nothing.
 */
STAGEGRAPH_EXTERN void stagegraph_cache_options_init(stagegraph_cache_options *opts,
                                                     size_t size);

typedef enum stagegraph_cache_status {
  /** The layer comes from the cache. */
  STAGEGRAPH_CACHED = 0,
  /** Rebuilt only if the files a rebuilt stage produces really changed
   * (COPY --from and mounts are keyed on content). */
  STAGEGRAPH_MAYBE = 1,
  /** Rebuilt. */
  STAGEGRAPH_INVALIDATED = 2
} stagegraph_cache_status;

/** "cached", "maybe" or "invalidated". Static. */
STAGEGRAPH_EXTERN const char *stagegraph_cache_status_name(stagegraph_cache_status status);

typedef enum stagegraph_input_kind {
  /** Build-context paths (COPY/ADD sources, RUN bind mounts). */
  STAGEGRAPH_INPUT_CONTEXT = 0,
  /** Files of another stage (COPY --from, mount from=). */
  STAGEGRAPH_INPUT_STAGE = 1,
  /** Files of an image (COPY --from, mount from=, FROM). */
  STAGEGRAPH_INPUT_IMAGE = 2,
  /** A build arg in scope. */
  STAGEGRAPH_INPUT_ARG = 3,
  /** A remote URL or git repository, re-checked every build. */
  STAGEGRAPH_INPUT_REMOTE = 4
} stagegraph_input_kind;

/** "context", "stage", "image", "arg" or "remote". Static. */
STAGEGRAPH_EXTERN const char *stagegraph_input_kind_name(stagegraph_input_kind kind);

/**
 * The cache model of a plan's needed stages (BuildKit's cache keys, spec
 * section e) and the impact of the given changes. *out is owned
 * (stagegraph_cache_free) and borrows the plan, which must outlive it.
 */
STAGEGRAPH_EXTERN int stagegraph_cache_new(stagegraph_cache **out, const stagegraph_plan *plan,
                                           const stagegraph_cache_options *opts,
                                           stagegraph_error *err);
STAGEGRAPH_EXTERN void stagegraph_cache_free(stagegraph_cache *cache);
STAGEGRAPH_EXTERN const stagegraph_plan *stagegraph_cache_plan(const stagegraph_cache *cache);

/** The needed stages, in build order; stagegraph_cache_stage gives the
 * stage index of the i-th. */
STAGEGRAPH_EXTERN size_t stagegraph_cache_stage_count(const stagegraph_cache *cache);
STAGEGRAPH_EXTERN size_t stagegraph_cache_stage(const stagegraph_cache *cache, size_t i);
/** The line of the stage's first instruction that is not cached, or 0. */
STAGEGRAPH_EXTERN uint32_t stagegraph_cache_first_invalidated(const stagegraph_cache *cache,
                                                              size_t i);
/** The stage's cache boundary: the position (in the stage's instruction
 * list below) of the first instruction reading the whole context or a
 * broad pattern, where an ordinary source edit starts rebuilding;
 * STAGEGRAPH_NONE when there is none. */
STAGEGRAPH_EXTERN size_t stagegraph_cache_boundary(const stagegraph_cache *cache, size_t i);

/** A stage's instructions as they build: FROM, the parent's ONBUILD
 * triggers, then the stage's own. */
STAGEGRAPH_EXTERN size_t stagegraph_cache_instruction_count(const stagegraph_cache *cache,
                                                            size_t i);
/** The instruction (for a trigger, the parent's ONBUILD). */
STAGEGRAPH_EXTERN const stagegraph_instruction *
stagegraph_cache_instruction(const stagegraph_cache *cache, size_t i, size_t k);
/** 1 for an ONBUILD trigger. */
STAGEGRAPH_EXTERN int stagegraph_cache_instruction_onbuild(const stagegraph_cache *cache,
                                                           size_t i, size_t k);
/** 1 when it makes a filesystem layer (RUN, COPY, ADD, WORKDIR unless /). */
STAGEGRAPH_EXTERN int stagegraph_cache_instruction_layer(const stagegraph_cache *cache, size_t i,
                                                         size_t k);
/** 1 for a COPY --link layer, independent of the layers before it. */
STAGEGRAPH_EXTERN int stagegraph_cache_instruction_linked(const stagegraph_cache *cache,
                                                          size_t i, size_t k);
STAGEGRAPH_EXTERN stagegraph_cache_status
stagegraph_cache_instruction_status(const stagegraph_cache *cache, size_t i, size_t k);
/** Why it is not cached (names the input), or NULL. Borrowed. */
STAGEGRAPH_EXTERN const char *stagegraph_cache_instruction_reason(const stagegraph_cache *cache,
                                                                  size_t i, size_t k);
/** Its cache inputs: kind and value (a path or pattern, stage name, image,
 * arg name or URL). Borrowed. */
STAGEGRAPH_EXTERN size_t stagegraph_cache_input_count(const stagegraph_cache *cache, size_t i,
                                                      size_t k);
STAGEGRAPH_EXTERN stagegraph_input_kind stagegraph_cache_input_kind(const stagegraph_cache *cache,
                                                                    size_t i, size_t k,
                                                                    size_t input);
STAGEGRAPH_EXTERN const char *stagegraph_cache_input_value(const stagegraph_cache *cache,
                                                           size_t i, size_t k, size_t input);

/** For the targets: the layers of the needed stages, and how many of them
 * an ordinary source edit (a file only the broad patterns read) leaves
 * cached. */
STAGEGRAPH_EXTERN size_t stagegraph_cache_layer_count(const stagegraph_cache *cache);
STAGEGRAPH_EXTERN size_t stagegraph_cache_layers_surviving_edit(const stagegraph_cache *cache);

/** Render the report: TEXT, JSON (schema "stagegraph.cache/1"), or DOT and
 * Mermaid with the layers coloured by status. Owned output. */
STAGEGRAPH_EXTERN int stagegraph_cache_render(stagegraph_buf *out, const stagegraph_cache *cache,
                                              stagegraph_format format, stagegraph_error *err);

/* ------------------------------------------------------------------------
 * Lint
 * ------------------------------------------------------------------------ */

typedef struct stagegraph_lint stagegraph_lint;

/**
 * Lint options, a sized struct. Initialise with STAGEGRAPH_LINT_OPTIONS_INIT
 * or stagegraph_lint_options_init(&opts, sizeof opts).
 */
typedef struct stagegraph_lint_options {
  size_t size;
  /** Rules apply to the stages these targets need; none: to every stage. */
  const char *const *targets;
  size_t target_count;
  /** Rule names to skip ("all" skips every rule), on top of the file's
   * `# check=skip=...` directive. */
  const char *const *skip;
  size_t skip_count;
  /** Run experimental rules too (as `# check=experimental=all`). */
  int experimental;
  /** The .dockerignore text that applies (for CopyIgnoredFile), or NULL.
   * A bad pattern fails with STAGEGRAPH_ESYNTAX positioned in this text,
   * not in the Dockerfile. */
  const char *dockerignore;
  size_t dockerignore_len;
  /** Named build contexts, "name=source", as for plans. */
  const char *const *build_contexts;
  size_t build_context_count;
} stagegraph_lint_options;

#define STAGEGRAPH_LINT_OPTIONS_INIT                                           \
  { sizeof(stagegraph_lint_options), NULL, 0, NULL, 0, 0, NULL, 0, NULL, 0 }

/**
 * Zero the first min(size, sizeof(stagegraph_lint_options)) bytes of `opts`
 * and set opts->size to that count; nothing past `size` is written. NULL, or
 * a size below sizeof(size_t), writes nothing.
 */
STAGEGRAPH_EXTERN void stagegraph_lint_options_init(stagegraph_lint_options *opts, size_t size);

/**
 * Lint a document: BuildKit's checks and the stage-graph rules. *out is
 * owned (stagegraph_lint_free) and borrows `doc`. A document whose verdict
 * is an error is refused with that error.
 */
STAGEGRAPH_EXTERN int stagegraph_lint_new(stagegraph_lint **out, const stagegraph_doc *doc,
                                          const stagegraph_lint_options *opts,
                                          stagegraph_error *err);
STAGEGRAPH_EXTERN void stagegraph_lint_free(stagegraph_lint *lint);
/** Findings in file order (diagnostics; see the diagnostic getters). */
STAGEGRAPH_EXTERN size_t stagegraph_lint_count(const stagegraph_lint *lint);
STAGEGRAPH_EXTERN const stagegraph_diagnostic *stagegraph_lint_diagnostic(const stagegraph_lint *lint,
                                                                         size_t index);
/** 1 when the lint should fail a build: an error-severity finding, or any
 * finding under `# check=error=true`. */
STAGEGRAPH_EXTERN int stagegraph_lint_failed(const stagegraph_lint *lint);
/** Render findings: TEXT (`FILE:LINE:COL: severity: message [Rule]`), JSON
 * (schema "stagegraph.lint/1") or SARIF 2.1.0. `path` names the file in the
 * output (NULL: "Dockerfile"). */
STAGEGRAPH_EXTERN int stagegraph_lint_render(stagegraph_buf *out, const stagegraph_lint *lint,
                                             stagegraph_format format, const char *path,
                                             stagegraph_error *err);

/** The rules: name, one-line description, documentation URL, default
 * severity, and whether the rule is experimental. Static strings. */
STAGEGRAPH_EXTERN size_t stagegraph_rule_count(void);
STAGEGRAPH_EXTERN const char *stagegraph_rule_name(size_t index);
STAGEGRAPH_EXTERN const char *stagegraph_rule_description(size_t index);
STAGEGRAPH_EXTERN const char *stagegraph_rule_url(size_t index);
STAGEGRAPH_EXTERN stagegraph_severity stagegraph_rule_severity(size_t index);
STAGEGRAPH_EXTERN int stagegraph_rule_experimental(size_t index);

/* ------------------------------------------------------------------------
 * Dump
 * ------------------------------------------------------------------------ */

typedef enum stagegraph_dump_format {
  /** BuildKit's Node.Dump() text plus one "\n", byte for byte. */
  STAGEGRAPH_DUMP_BUILDKIT = 0,
  /** JSON, schema "stagegraph.ast/1" (see README). */
  STAGEGRAPH_DUMP_JSON = 1
} stagegraph_dump_format;

/** Render the AST into `out` (owned; see stagegraph_buf). */
STAGEGRAPH_EXTERN int stagegraph_doc_dump(stagegraph_buf *out,
                                          const stagegraph_doc *doc,
                                          stagegraph_dump_format format,
                                          stagegraph_error *err);

/* ------------------------------------------------------------------------
 * Variable expansion (BuildKit's shell-word lexer)
 * ------------------------------------------------------------------------ */

/**
 * Expand one word as BuildKit's ProcessWord does: variables replaced from
 * `env` ("KEY=VALUE" strings, later entries win, "KEY" alone is set to "",
 * NULL entries skipped), quotes removed, `escape` ('\\' or '`') applied.
 *
 * `out` is replaced with the result (owned; release with
 * stagegraph_buf_dispose). Its allocator member, when set, is the
 * allocator used (a zeroed buf means the C library's).
 *
 * When `unset_out` is not NULL it is replaced with the names of the
 * variables that were referenced but not set, each followed by a NUL byte,
 * in order of first use (the record BuildKit's UndefinedVar lint uses).
 * Errors: STAGEGRAPH_EEXPAND with BuildKit's message
 * (`failed to process "<word>": ...`), STAGEGRAPH_ELIMIT when a result
 * passes 1 MiB, STAGEGRAPH_ENOMEM, STAGEGRAPH_EINVAL; on any error both
 * outputs are left empty.
 */
STAGEGRAPH_EXTERN int stagegraph_expand_word(stagegraph_buf *out, const char *word,
                                             size_t len, const char *const *env,
                                             size_t env_count, char escape,
                                             stagegraph_buf *unset_out,
                                             stagegraph_error *err);

/**
 * Expand and split into words as BuildKit's ProcessWords does: text from
 * an unquoted variable splits at whitespace, quoted text does not, empty
 * words are dropped. `out` receives each word followed by a NUL byte and
 * *count_out the word count; otherwise as stagegraph_expand_word.
 */
STAGEGRAPH_EXTERN int stagegraph_expand_words(stagegraph_buf *out, size_t *count_out,
                                              const char *word, size_t len,
                                              const char *const *env,
                                              size_t env_count, char escape,
                                              stagegraph_buf *unset_out,
                                              stagegraph_error *err);

/* ------------------------------------------------------------------------
 * Image references
 * ------------------------------------------------------------------------ */

typedef struct stagegraph_reference stagegraph_reference;

/**
 * Parse and normalise an image reference as BuildKit does (distribution's
 * ParseNormalizedNamed: "alpine" is "docker.io/library/alpine:latest").
 * Errors are STAGEGRAPH_EREFERENCE with distribution's text, e.g.
 * "invalid reference format" or, for uppercase, "invalid reference format:
 * repository name (library/Foo) must be lowercase" (the text of the
 * distribution/reference release BuildKit vendors; older releases said
 * "repository name must be lowercase").
 * `allocator` may be NULL. *out is owned: stagegraph_reference_free().
 */
STAGEGRAPH_EXTERN int stagegraph_reference_parse(stagegraph_reference **out,
                                                 const char *text, size_t len,
                                                 const stagegraph_allocator *allocator,
                                                 stagegraph_error *err);
STAGEGRAPH_EXTERN void stagegraph_reference_free(stagegraph_reference *ref);
/** Registry host ("docker.io"). Borrowed from the reference. */
STAGEGRAPH_EXTERN const char *stagegraph_reference_domain(const stagegraph_reference *ref);
/** Repository path without the domain ("library/alpine"). */
STAGEGRAPH_EXTERN const char *stagegraph_reference_path(const stagegraph_reference *ref);
/** Tag: as written, "latest" for a bare name, "" for a digest-only
 * reference. */
STAGEGRAPH_EXTERN const char *stagegraph_reference_tag(const stagegraph_reference *ref);
/** Digest ("sha256:..."), "" when absent. */
STAGEGRAPH_EXTERN const char *stagegraph_reference_digest(const stagegraph_reference *ref);
/** Fully normalised form ("docker.io/library/alpine:latest"). */
STAGEGRAPH_EXTERN const char *stagegraph_reference_normalized(const stagegraph_reference *ref);
/** Shortest familiar form ("alpine:latest" stays "alpine:latest"; "alpine" stays "alpine"). */
STAGEGRAPH_EXTERN const char *stagegraph_reference_familiar(const stagegraph_reference *ref);

#ifdef __cplusplus
}
#endif

#endif /* STAGEGRAPH_H */
