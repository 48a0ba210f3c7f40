/* Lint: BuildKit's build checks (spec section d) and the stage-graph rules,
 * over a parsed document and the plan of its targets.
 *
 * lint.c owns the rule registry, the check configuration (the `# check=`
 * directive, per-instruction `# check=` comments, the options), suppression
 * and the result object; lint_rules.c runs BuildKit's rules; lint_graph.c
 * runs our rules over the stage graph; render_lint.c writes the findings. */
#ifndef STAGEGRAPH_LINT_H
#define STAGEGRAPH_LINT_H

#include <stddef.h>

#include "buf.h"
#include "document.h"
#include "ignore.h"
#include "plan.h"

/* The rules, in registry order: BuildKit's, then ours. */
typedef enum sgi_rule_id {
  SGI_RULE_STAGE_NAME_CASING,
  SGI_RULE_FROM_AS_CASING,
  SGI_RULE_NO_EMPTY_CONTINUATION,
  SGI_RULE_CONSISTENT_INSTRUCTION_CASING,
  SGI_RULE_DUPLICATE_STAGE_NAME,
  SGI_RULE_RESERVED_STAGE_NAME,
  SGI_RULE_JSON_ARGS_RECOMMENDED,
  SGI_RULE_MAINTAINER_DEPRECATED,
  SGI_RULE_UNDEFINED_ARG_IN_FROM,
  SGI_RULE_WORKDIR_RELATIVE_PATH,
  SGI_RULE_UNDEFINED_VAR,
  SGI_RULE_MULTIPLE_INSTRUCTIONS_DISALLOWED,
  SGI_RULE_LEGACY_KEY_VALUE_FORMAT,
  SGI_RULE_REDUNDANT_TARGET_PLATFORM,
  SGI_RULE_SECRETS_USED_IN_ARG_OR_ENV,
  SGI_RULE_INVALID_DEFAULT_ARG_IN_FROM,
  SGI_RULE_FROM_PLATFORM_FLAG_CONST_DISALLOWED,
  SGI_RULE_COPY_IGNORED_FILE,
  SGI_RULE_INVALID_DEFINITION_DESCRIPTION,
  SGI_RULE_EXPOSE_PROTO_CASING,
  SGI_RULE_EXPOSE_INVALID_FORMAT,
  /* the stage-graph rules (examples/RULES.md) */
  SGI_RULE_FAT_FINAL_STAGE,
  SGI_RULE_DEPENDENCIES_AFTER_SOURCES,
  SGI_RULE_TOOLCHAIN_IN_FINAL_STAGE,
  SGI_RULE_SECRET_COPIED_TO_FINAL_STAGE,
  SGI_RULE_DEAD_STAGE,
  SGI_RULE_FORWARD_STAGE_REFERENCE,
  SGI_RULE_REDUNDANT_COPY_FROM_PARENT,
  SGI_RULE_COPY_WHOLE_FILESYSTEM,
  SGI_RULE_STAGE_REFERENCED_BY_INDEX,
  SGI_RULE_FINAL_STAGE_RUNS_AS_ROOT,
  SGI_RULE_COUNT
} sgi_rule_id;

/* What `# check=` says (linter.ParseLintOptions). The lists point into the
 * lint's arena. */
typedef struct sgi_check_config {
  int skip_all;
  const char **skip;
  size_t skip_count;
  int experimental_all;
  const char **experimental;
  size_t experimental_count;
  int error; /* error=true: any finding fails the build */
} sgi_check_config;

struct stagegraph_lint {
  const stagegraph_doc *doc;
  sgi_mem mem;
  sgi_arena arena;
  stagegraph_diagnostic *items;
  size_t count, cap;
  int error_on_finding; /* the check directive's error=true */
};

/* The state the rules run with. */
typedef struct sgi_linter {
  stagegraph_lint *lint;
  const stagegraph_doc *doc;
  const stagegraph_plan *plan; /* NULL when the build could not be planned */
  sgi_check_config file;       /* the directive (or BUILDKIT_DOCKERFILE_CHECK) */
  const char *const *skip;     /* the options' skip list */
  size_t skip_count;
  int experimental;            /* the options turn experimental rules on */
  sgi_patterns *ignore;        /* .dockerignore, or NULL when none was given */
  int targets_given;
  const char *first_target;    /* the first given target, for TARGETSTAGE */
  /* Per stage (plan stage count), set when a plan exists, for as long as
   * the rules run: */
  const size_t *shipped;       /* the targets: the given ones, else the last stage */
  size_t shipped_count;
  size_t last_stage;           /* what shipped points to without targets */
  unsigned char *needed;       /* a shipped target needs the stage */
  unsigned char *reach;        /* its files reach a shipped target (FROM, COPY --from) */
  unsigned char *in_scope;     /* rules apply: needed by the targets, or every stage */
  sgi_buf msg;                 /* scratch for messages */
  stagegraph_error *err;       /* the caller's, for ELIMIT */
  /* bytes the rules' own expansions produced (FROM lines, meta ARGs),
   * against the plan's budget */
  size_t expanded, expansion_budget;
} sgi_linter;

/* Report a finding of `rule` at instruction `at` (NULL: no position) unless
 * it is suppressed: by the options, by the file's configuration, or by a
 * `# check=` comment above `owner` (NULL: none). The message is copied.
 * Returns 0 or STAGEGRAPH_ENOMEM. */
int sgi_lint_report(sgi_linter *l, sgi_rule_id rule, const stagegraph_instruction *at,
                    const stagegraph_instruction *owner, const char *message);
/* Same, with the message built in l->msg by the caller. */
int sgi_lint_report_msg(sgi_linter *l, sgi_rule_id rule, const stagegraph_instruction *at,
                        const stagegraph_instruction *owner);
/* An error finding without a rule (a bad check directive, a build error). */
int sgi_lint_add_error(stagegraph_lint *lint, int code, const sgi_pos *pos, const char *message);

/* Count the rules' own expansion output: 0, or STAGEGRAPH_ELIMIT (the
 * message in l->err) once it passes the budget plans have. */
int sgi_lint_spend(sgi_linter *l, size_t bytes);

/* Start a message in l->msg (cleared), printf-style. */
void sgi_lint_msgf(sgi_linter *l, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Append s as Go's %q writes it. */
void sgi_lint_quote(sgi_buf *b, const char *s, size_t len);

/* Parse a check value (ParseLintOptions). On error returns STAGEGRAPH_ERROR
 * with BuildKit's message (without the "failed to parse check options: "
 * prefix) in *msg; STAGEGRAPH_ENOMEM. */
int sgi_check_parse(sgi_check_config *out, sgi_arena *arena, const char *value, size_t len,
                    sgi_buf *msg);

/* The rules run in one walk over the stages and their instructions, in
 * file order, so that a large file's instructions are read once, while
 * they are in cache, instead of once per rule. Each rule file has a pass:
 * begun (what must be known of every stage first, read from the stage
 * records only); given each stage, then each of the stage's instructions
 * in order, then the stage's end; ended (what
 * needs every stage to have been seen); freed whatever happened (NULL is
 * fine). Each returns 0, STAGEGRAPH_ENOMEM or STAGEGRAPH_ELIMIT. */

/* lint_rules.c: BuildKit's checks. Parse-time checks run on every stage;
 * dispatch-time checks on the stages the plan dispatched. */
typedef struct sgi_buildkit_pass sgi_buildkit_pass;
int sgi_lint_buildkit_begin(sgi_buildkit_pass **out, sgi_linter *l);
int sgi_lint_buildkit_stage(sgi_buildkit_pass *bk, size_t stage);
int sgi_lint_buildkit_instruction(sgi_buildkit_pass *bk, const stagegraph_instruction *ins);
void sgi_lint_buildkit_stage_end(sgi_buildkit_pass *bk);
int sgi_lint_buildkit_end(sgi_buildkit_pass *bk);
void sgi_lint_buildkit_free(sgi_buildkit_pass *bk);

/* lint_graph.c: the stage-graph rules (needs a plan with stages). */
typedef struct sgi_graph_pass sgi_graph_pass;
int sgi_lint_graph_begin(sgi_graph_pass **out, sgi_linter *l);
int sgi_lint_graph_stage(sgi_graph_pass *g, size_t stage);
int sgi_lint_graph_instruction(sgi_graph_pass *g, const stagegraph_instruction *ins);
int sgi_lint_graph_stage_end(sgi_graph_pass *g);
int sgi_lint_graph_end(sgi_graph_pass *g);
void sgi_lint_graph_free(sgi_graph_pass *g);

/* Helpers shared by the rule files. */
/* The instruction's text as the shell sees it: shell form's string, or the
 * exec form's elements joined by spaces, then each heredoc body. */
void sgi_lint_command_text(sgi_buf *out, const stagegraph_instruction *ins);

#endif
