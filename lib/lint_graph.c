/* The stage-graph rules (documented in examples/RULES.md): what ships in
 * the target image, how stages feed each other, and what the cache keeps.
 * They read the plan (parents, edges, images, what the targets need) and
 * the instructions; RUN commands are looked at word by word, the way a
 * reviewer skims a shell line, not parsed as a shell would. */
#include <stdio.h>
#include <string.h>

#include "expand.h"
#include "lint.h"
#include "prefetch.h"
#include "text.h"

/* ---- shell words ------------------------------------------------------------ */

enum { MAX_WORDS = 64 };

/* One simple command: its words (quotes removed), NUL-separated in `buf`. */
typedef struct command {
  sgi_buf buf;
  size_t off[MAX_WORDS];
  size_t count;
  size_t start; /* the program's word, after assignments and wrappers */
} command;

static const char *word(const command *c, size_t i) { return c->buf.ptr + c->off[i]; }

static void end_word(command *c, int *in_word) {
  if (!*in_word) return;
  sgi_buf_putc(&c->buf, '\0');
  *in_word = 0;
}

/* Words past MAX_WORDS are dropped. */
static void start_word(command *c, int *in_word) {
  if (*in_word || c->count == MAX_WORDS) return;
  c->off[c->count++] = c->buf.len;
  *in_word = 1;
}

/* Append text to the current word, starting one when none is open (and
 * dropping it past MAX_WORDS). */
static void add_run(command *c, int *in_word, const char *s, size_t n) {
  start_word(c, in_word);
  if (*in_word) sgi_buf_append(&c->buf, s, n);
}

/* 0 for the bytes with a meaning of their own outside quotes: word and
 * command separators, quotes, the escape and the comment sign. */
static int plain(char ch) {
  switch (ch) {
  case '\\':
  case '\'':
  case '"':
  case '#':
  case ' ':
  case '\t':
  case '\r':
  case '\n':
  case ';':
  case '&':
  case '|':
  case '(':
  case ')':
  case '`': return 0;
  default: return 1;
  }
}

/* The next simple command of a shell text from *pos: separators are
 * newlines, ; & | ( ) and backquotes; '#' starts a comment; quotes group.
 * Runs of plain bytes are copied in one append. */
static int next_command(const char *s, size_t len, size_t *pos, command *c) {
  sgi_buf_clear(&c->buf);
  c->count = 0;
  int in_word = 0;
  size_t i = *pos;
  while (i < len) {
    char ch = s[i];
    if (plain(ch)) {
      size_t j = i + 1;
      while (j < len && plain(s[j])) j++;
      add_run(c, &in_word, s + i, j - i);
      i = j;
    } else if (ch == '\\' && i + 1 < len) {
      if (s[i + 1] == '\n') end_word(c, &in_word);
      else add_run(c, &in_word, s + i + 1, 1);
      i += 2;
    } else if (ch == '\'' || ch == '"') {
      start_word(c, &in_word); /* "" is a word too */
      size_t j = i + 1;
      while (j < len && s[j] != ch) {
        /* inside double quotes a backslash keeps the byte after it */
        size_t k = j;
        while (k < len && s[k] != ch && !(ch == '"' && s[k] == '\\')) k++;
        if (k > j) add_run(c, &in_word, s + j, k - j);
        j = k;
        if (j < len && s[j] == '\\') {
          if (j + 1 < len) j++;
          add_run(c, &in_word, s + j++, 1);
        }
      }
      i = j < len ? j + 1 : j;
    } else if (ch == '#' && !in_word) {
      while (i < len && s[i] != '\n') i++;
    } else if (ch == ' ' || ch == '\t' || ch == '\r') {
      end_word(c, &in_word);
      i++;
    } else if (ch == '#' || ch == '\\') { /* in a word; a backslash at the end */
      add_run(c, &in_word, s + i, 1);
      i++;
    } else { /* \n ; & | ( ) ` */
      end_word(c, &in_word);
      i++;
      if (c->count) break;
    }
  }
  end_word(c, &in_word);
  *pos = i;
  if (c->buf.failed) return c->buf.failed;
  /* skip variable assignments and wrappers to the program */
  c->start = 0;
  while (c->start < c->count) {
    const char *w = word(c, c->start);
    const char *eq = strchr(w, '=');
    int assignment = eq && eq != w && !memchr(w, '/', (size_t)(eq - w)) &&
                     ((w[0] >= 'A' && w[0] <= 'Z') || (w[0] >= 'a' && w[0] <= 'z') || w[0] == '_');
    int wrapper = !strcmp(w, "sudo") || !strcmp(w, "env") || !strcmp(w, "exec") ||
                  !strcmp(w, "time") || !strcmp(w, "nohup") || !strcmp(w, "command");
    int option = w[0] == '-' && c->start > 0;
    if (!assignment && !wrapper && !option) break;
    c->start++;
  }
  return c->count > 0;
}

static const char *program(const command *c) {
  if (c->start >= c->count) return "";
  const char *w = word(c, c->start);
  const char *slash = strrchr(w, '/');
  return slash ? slash + 1 : w;
}

/* The first word after the program that is not an option, or "". */
static const char *subcommand(const command *c, size_t from) {
  for (size_t i = c->start + from; i < c->count; i++)
    if (word(c, i)[0] != '-') return word(c, i);
  return "";
}

static int has_word(const command *c, const char *w) {
  for (size_t i = c->start + 1; i < c->count; i++)
    if (strcmp(word(c, i), w) == 0) return 1;
  return 0;
}

static int has_prefix_word(const command *c, const char *prefix) {
  size_t n = strlen(prefix);
  for (size_t i = c->start + 1; i < c->count; i++)
    if (strncmp(word(c, i), prefix, n) == 0) return 1;
  return 0;
}

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* ---- dependency installs ------------------------------------------------------ */

typedef enum ecosystem {
  ECO_NONE = -1,
  ECO_NPM,
  ECO_YARN,
  ECO_PNPM,
  ECO_PIP,
  ECO_POETRY,
  ECO_UV,
  ECO_PIPENV,
  ECO_GO,
  ECO_CARGO,
  ECO_BUNDLE,
  ECO_COMPOSER,
  ECO_MAVEN,
  ECO_GRADLE,
  ECO_COUNT
} ecosystem;

static const char *const manifests[ECO_COUNT] = {
    "package.json and package-lock.json", "package.json and yarn.lock",
    "package.json and pnpm-lock.yaml",    "the requirements files",
    "pyproject.toml and poetry.lock",     "pyproject.toml and uv.lock",
    "Pipfile and Pipfile.lock",           "go.mod and go.sum",
    "Cargo.toml and Cargo.lock",          "Gemfile and Gemfile.lock",
    "composer.json and composer.lock",    "pom.xml",
    "the Gradle build files"};

static int is_pip(const command *c, size_t *sub) {
  const char *p = program(c);
  if (!strcmp(p, "pip") || !strncmp(p, "pip3", 4)) return *sub = 1, 1;
  if (!strncmp(p, "python", 6) && c->start + 2 < c->count && !strcmp(word(c, c->start + 1), "-m") &&
      !strncmp(word(c, c->start + 2), "pip", 3))
    return *sub = 3, 1;
  if (!strcmp(p, "uv") && !strcmp(subcommand(c, 1), "pip")) return *sub = 2, 1;
  return 0;
}

/* A package manager installing a project's dependencies. */
static ecosystem dependency_install_kind(const command *c) {
  const char *p = program(c), *sub = subcommand(c, 1);
  size_t pip_sub;
  if (!strcmp(p, "npm"))
    return (!strcmp(sub, "ci") || !strcmp(sub, "install") || !strcmp(sub, "i")) && !has_word(c, "-g") &&
                   !has_word(c, "--global")
               ? ECO_NPM
               : ECO_NONE;
  if (!strcmp(p, "yarn")) return !*sub || !strcmp(sub, "install") ? ECO_YARN : ECO_NONE;
  if (!strcmp(p, "pnpm")) return !strcmp(sub, "install") || !strcmp(sub, "i") ? ECO_PNPM : ECO_NONE;
  if (is_pip(c, &pip_sub))
    return !strcmp(subcommand(c, pip_sub), "install") &&
                   (has_word(c, "-r") || has_prefix_word(c, "--requirement") || has_prefix_word(c, "-r"))
               ? ECO_PIP
               : ECO_NONE;
  if (!strcmp(p, "poetry")) return !strcmp(sub, "install") ? ECO_POETRY : ECO_NONE;
  if (!strcmp(p, "uv")) return !strcmp(sub, "sync") ? ECO_UV : ECO_NONE;
  if (!strcmp(p, "pipenv")) return !strcmp(sub, "install") || !strcmp(sub, "sync") ? ECO_PIPENV : ECO_NONE;
  if (!strcmp(p, "go"))
    return !strcmp(sub, "mod") && !strcmp(subcommand(c, 2), "download") ? ECO_GO : ECO_NONE;
  if (!strcmp(p, "cargo")) return !strcmp(sub, "build") || !strcmp(sub, "fetch") ? ECO_CARGO : ECO_NONE;
  if (!strcmp(p, "bundle") || !strcmp(p, "bundler")) return !strcmp(sub, "install") ? ECO_BUNDLE : ECO_NONE;
  if (!strcmp(p, "composer")) return !strcmp(sub, "install") ? ECO_COMPOSER : ECO_NONE;
  if (!strcmp(p, "mvn") || ends_with(p, "mvnw"))
    return has_word(c, "dependency:go-offline") || has_word(c, "dependency:resolve") ||
                   has_word(c, "package")
               ? ECO_MAVEN
               : ECO_NONE;
  if (!strcmp(p, "gradle") || ends_with(p, "gradlew")) return has_word(c, "build") ? ECO_GRADLE : ECO_NONE;
  return ECO_NONE;
}

/* The install and how to name it in a message ("go mod download"). */
static ecosystem dependency_install(const command *c, char *label, size_t cap) {
  ecosystem e = dependency_install_kind(c);
  const char *p = program(c), *sub = subcommand(c, 1);
  switch (e) {
  case ECO_NONE: return e;
  case ECO_PIP: snprintf(label, cap, "pip install -r"); break;
  case ECO_GO: snprintf(label, cap, "go mod download"); break;
  case ECO_YARN: snprintf(label, cap, "yarn install"); break;
  case ECO_GRADLE: snprintf(label, cap, "%s build", p); break;
  case ECO_MAVEN:
    snprintf(label, cap, "%s %s", p,
             has_word(c, "package") ? "package" : has_word(c, "dependency:resolve") ? "dependency:resolve"
                                                                                     : "dependency:go-offline");
    break;
  default: snprintf(label, cap, "%s %s", p, sub); break;
  }
  return e;
}

/* ---- build tooling ---------------------------------------------------------------- */

static int is_package_manager(const char *p) {
  return !strcmp(p, "apt-get") || !strcmp(p, "apt") || !strcmp(p, "aptitude") || !strcmp(p, "apk") ||
         !strcmp(p, "dnf") || !strcmp(p, "yum") || !strcmp(p, "microdnf") || !strcmp(p, "zypper") ||
         !strcmp(p, "tdnf");
}

static int is_build_package(const char *pkg) {
  static const char *const tools[] = {"build-essential", "build-base", "gcc",      "g++",
                                      "gcc-c++",         "make",       "cmake",    "git",
                                      "clang",           "llvm",       "autoconf", "automake",
                                      "libtool",         "pkg-config", "pkgconf",  "golang",
                                      "golang-go",       "rustc",      "cargo"};
  char name[128];
  size_t n = strcspn(pkg, "=:");
  if (n >= sizeof name) return 0;
  memcpy(name, pkg, n);
  name[n] = '\0';
  for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++)
    if (!strcmp(name, tools[i])) return 1;
  return ends_with(name, "-dev") || ends_with(name, "-devel");
}

/* A package manager removing packages (build dependencies installed and
 * removed in one RUN leave no tooling behind). */
static int removes_packages(const command *c) {
  const char *p = program(c), *sub = subcommand(c, 1);
  if (!strcmp(p, "apk")) return !strcmp(sub, "del");
  if (!is_package_manager(p)) return 0;
  return !strcmp(sub, "purge") || !strcmp(sub, "remove") || !strcmp(sub, "autoremove") ||
         !strcmp(sub, "erase");
}

/* The build packages a command installs, appended to `found` ("gcc, make"). */
static void build_packages(const command *c, sgi_buf *found) {
  const char *p = program(c), *sub = subcommand(c, 1);
  if (!is_package_manager(p)) return;
  if (strcmp(sub, !strcmp(p, "apk") ? "add" : "install") && !(!strcmp(p, "zypper") && !strcmp(sub, "in")))
    return;
  int after_sub = 0;
  for (size_t i = c->start + 1; i < c->count; i++) {
    const char *w = word(c, i);
    if (!strcmp(w, "--virtual") || !strcmp(w, "-t")) {
      i++; /* its argument names the group */
      continue;
    }
    if (w[0] == '-') continue;
    if (!after_sub) {
      after_sub = 1;
      continue;
    }
    if (!is_build_package(w)) continue;
    if (found->len) sgi_buf_puts(found, ", ");
    sgi_buf_puts(found, w);
  }
}

/* What a command does that belongs in a build stage, described for a
 * message ("builds code (go build)"): 1, or 0 for nothing. */
static int build_work(const command *c, int node_production, sgi_buf *what) {
  const char *p = program(c), *sub = subcommand(c, 1);
  if (!strcmp(p, "npm") && (!strcmp(sub, "ci") || !strcmp(sub, "install") || !strcmp(sub, "i"))) {
    if (node_production || has_word(c, "-g") || has_word(c, "--global") || has_word(c, "--production") ||
        has_prefix_word(c, "--omit=dev") || has_prefix_word(c, "--only=prod") ||
        (has_word(c, "--omit") && has_word(c, "dev")))
      return 0;
    sgi_buf_printf(what, "installs development dependencies (npm %s without --omit=dev)", sub);
    return 1;
  }
  if (!strcmp(p, "yarn") && (!*sub || !strcmp(sub, "install"))) {
    if (node_production || has_word(c, "--production") || has_prefix_word(c, "--production=true"))
      return 0;
    sgi_buf_puts(what, "installs development dependencies (yarn install without --production)");
    return 1;
  }
  size_t pip_sub;
  if (is_pip(c, &pip_sub) && !strcmp(subcommand(c, pip_sub), "install")) {
    for (size_t i = c->start + 1; i + 1 < c->count; i++) {
      const char *w = word(c, i), *file = word(c, i + 1);
      if (strcmp(w, "-r") && strcmp(w, "--requirement")) continue;
      const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
      if (strstr(base, "dev") || strstr(base, "test")) {
        sgi_buf_printf(what, "installs development dependencies (pip install -r %s)", file);
        return 1;
      }
    }
    return 0;
  }
  static const char *const compile[][2] = {
      {"go", "build"},     {"cargo", "build"}, {"dotnet", "build"}, {"dotnet", "publish"},
      {"mvn", "package"},  {"mvn", "install"}, {"mvn", "compile"},  {"gradle", "build"},
      {"npm", "run"},      {"yarn", "build"},  {"pnpm", "build"}};
  for (size_t i = 0; i < sizeof compile / sizeof compile[0]; i++) {
    if (strcmp(p, compile[i][0]) || strcmp(sub, compile[i][1])) continue;
    if (!strcmp(p, "npm") && strcmp(subcommand(c, 2), "build")) continue;
    sgi_buf_printf(what, "builds code (%s %s%s)", p, sub, !strcmp(p, "npm") ? " build" : "");
    return 1;
  }
  if (!strcmp(p, "make") || !strcmp(p, "gcc") || !strcmp(p, "g++") || !strcmp(p, "cc") ||
      !strcmp(p, "cmake")) {
    sgi_buf_printf(what, "builds code (%s)", p);
    return 1;
  }
  return 0;
}

/* ---- helpers over the plan ---------------------------------------------------------- */

static const char *display(const sgi_linter *l, size_t s) { return l->plan->stages[s].display; }

static const stagegraph_instruction *from_of(const sgi_linter *l, size_t s) {
  return stagegraph_stage_from(stagegraph_doc_stage(l->doc, s));
}

/* The i-th source of a COPY/ADD of stage s as dispatch expanded it, else
 * as written when expansion cannot change it (heredoc sources excluded);
 * NULL. */
static const char *copy_source(const sgi_linter *l, size_t s, const stagegraph_instruction *ins,
                               size_t i, size_t *count) {
  const sgi_ins_info *info =
      sgi_plan_dispatched(l->plan, s) ? &l->plan->info[ins->index] : NULL;
  if (info && info->executed && info->word_count >= 1) {
    *count = info->word_count - 1;
    return i < *count ? info->words[i] : NULL;
  }
  *count = ins->arg_count ? ins->arg_count - 1 : 0;
  if (i >= *count) return NULL;
  const sgi_str *w = &ins->args[i];
  if (!strncmp(w->ptr, "<<", 2)) return NULL;
  return sgi_expand_changes(w->ptr, w->len, l->doc->escape) ? NULL : w->ptr;
}

/* path.Join("/", src) == "/": 1 when the source is the whole root, that
 * is when every name in it is "." or empty, or undone by a later "..". */
static int whole_root(const char *src) {
  size_t depth = 0;
  for (const char *p = src; *p;) {
    size_t n = strcspn(p, "/");
    if (n == 2 && p[0] == '.' && p[1] == '.') {
      if (depth) depth--; /* ".." at the root stays there */
    } else if (n && !(n == 1 && p[0] == '.')) {
      depth++;
    }
    p += n;
    if (*p) p++;
  }
  return depth == 0;
}

static int is_context_copy(const stagegraph_instruction *ins) {
  if (ins->kind == STAGEGRAPH_KIND_ADD) return 1;
  return ins->kind == STAGEGRAPH_KIND_COPY && !stagegraph_instruction_flag_value(ins, "from", 0);
}


/* Scratch for reading RUN instructions, kept from one to the next. */
typedef struct scanner {
  sgi_buf text; /* the instruction's text, when it is not one argument */
  command c;
} scanner;

static void scanner_init(scanner *sc, const sgi_mem *mem) {
  sgi_buf_init(&sc->text, mem);
  sgi_buf_init(&sc->c.buf, mem);
}

static void scanner_free(scanner *sc) {
  sgi_buf_free(&sc->text);
  sgi_buf_free(&sc->c.buf);
}

/* ---- the pass's state ----------------------------------------------------------------- */

/* What the pass keeps of each stage, so the rules that walk FROM chains or
 * look at every stage read these instead of the plan's records and the
 * instructions again: the FROM forest (parent, root, and the stage's
 * place in a depth-first order of it: its FROM descendants are the
 * stages numbered pre + 1 .. pre + size - 1, so asking whether one stage
 * is built on another costs one comparison, not a walk down the chain)
 * and the flags, set before the pass; the chain's last USER, set as the
 * pass reaches each stage. Stage and instruction indexes fit in 32 bits
 * (instructions carry 32-bit indexes). */
#define NO_STAGE UINT32_MAX
enum {
  FACT_USED = 1,           /* another stage depends on it */
  FACT_CONTEXT = 2,        /* a named context replaces it */
  FACT_NODE_PRODUCTION = 4 /* ENV NODE_ENV=production in its chain */
};
/* What the pass knows of each stage, one array per fact: the passes that
 * follow parents and edges to random stages each read one or two of them,
 * which on 100k stages stay in a 1 MB cache where whole records would not. */
typedef struct stage_facts {
  uint32_t *parent; /* NO_STAGE: none */
  uint32_t *root;   /* the first stage of its FROM chain */
  uint32_t *pre;    /* its number in a depth-first order of the FROM forest */
  uint32_t *size;   /* 1 + how many stages are built on it, directly or not */
  uint32_t *user;   /* 1 + the index of the chain's last USER, 0: none */
  uint32_t *flags;
} stage_facts;
enum { FACT_ARRAYS = 6 };

/* DependenciesAfterSources' installed[s] holds this bit once worked out. */
#define INSTALLS_KNOWN (1u << 31)

struct sgi_graph_pass {
  sgi_linter *l;
  scanner sc;
  size_t edge;        /* the next edge for edge_rules (edges are in instruction order) */
  size_t stage;       /* the stage being checked */
  int broad;          /* it has copied the whole build context (when checked) */
  size_t *chain;       /* scratch for a FROM chain, from the first stage
                        * DependenciesAfterSources checks; in its block: */
  unsigned *installed; /* per stage */
  size_t last_target; /* the last shipped stage */
  stage_facts facts; /* FACT_USED is set for every stage first */
};

/* The first stage of a stage's FROM chain. */
static size_t root_of(const sgi_graph_pass *g, size_t s) { return g->facts.root[s]; }

static size_t parent_of(const sgi_graph_pass *g, size_t s) {
  return g->facts.parent[s] == NO_STAGE ? STAGEGRAPH_NONE : g->facts.parent[s];
}

/* 1 when the reached stage's files come from `ancestor` through FROM (the
 * stage itself counts). */
static int is_ancestor(const sgi_graph_pass *g, size_t ancestor, size_t stage) {
  const stage_facts *f = &g->facts;
  return f->pre[ancestor] <= f->pre[stage] && f->pre[stage] - f->pre[ancestor] < f->size[ancestor];
}

/* Scan a RUN's commands, calling fn for each until it returns non-zero. */
typedef int (*command_fn)(void *ctx, const command *c);

static int each_command(scanner *sc, const stagegraph_instruction *ins, command_fn fn, void *ctx) {
  const char *text = "";
  size_t len = 0;
  if (ins->arg_count == 1 && !sgi_instruction_heredoc_count(ins)) { /* shell form: the text as it is */
    text = ins->args[0].ptr;
    len = ins->args[0].len;
  } else {
    sgi_lint_command_text(&sc->text, ins);
    if (sc->text.failed) return sc->text.failed;
    if (sc->text.ptr) text = sc->text.ptr, len = sc->text.len;
  }
  size_t pos = 0;
  int rc = 0, got;
  while (!rc && (got = next_command(text, len, &pos, &sc->c)) != 0) {
    if (got < 0) rc = got;
    else rc = fn(ctx, &sc->c);
  }
  return rc;
}

/* ---- DependenciesAfterSources -------------------------------------------------------- */

/* The ecosystems one RUN installs, in order of first appearance. */
typedef struct installs {
  ecosystem list[ECO_COUNT];
  char labels[ECO_COUNT][48];
  size_t count;
} installs;

static int note_install(void *ctx, const command *c) {
  installs *in = ctx;
  char label[sizeof in->labels[0]];
  ecosystem e = dependency_install(c, label, sizeof label);
  if (e == ECO_NONE) return 0;
  for (size_t i = 0; i < in->count; i++)
    if (in->list[i] == e) return 0;
  in->list[in->count] = e;
  memcpy(in->labels[in->count++], label, sizeof label);
  return 0;
}

static int broad_copy(const sgi_linter *l, size_t s, const stagegraph_instruction *ins) {
  if (!is_context_copy(ins)) return 0;
  size_t n;
  copy_source(l, s, ins, 0, &n);
  for (size_t i = 0; i < n; i++) {
    const char *src = copy_source(l, s, ins, i, &n);
    if (!src) continue;
    if (!strcmp(src, "*") || !strcmp(src, "./*") || whole_root(src)) return 1;
  }
  return 0;
}

/* Fills installed[s]: the ecosystems installed in the stage and the
 * stages it is built on (one bit each), with INSTALLS_KNOWN; its parent's
 * must be known. A stage in scope with a broad copy is checked. */
static int dependencies_after_sources(sgi_linter *l, scanner *sc, size_t s, unsigned *installed) {
  const stagegraph_plan *p = l->plan;
  size_t parent = p->stages[s].parent;
  unsigned seen = parent != STAGEGRAPH_NONE ? installed[parent] & ~INSTALLS_KNOWN : 0, reported = 0;
  int check = l->in_scope[s] && !p->stages[s].context;
  const stagegraph_stage *st = stagegraph_doc_stage(l->doc, s);
  const stagegraph_instruction *broad = NULL;
  int rc = 0;
  for (size_t i = 0; i < stagegraph_stage_instruction_count(st) && !rc; i++) {
    const stagegraph_instruction *ins = stagegraph_stage_instruction(st, i);
    if (!broad && broad_copy(l, s, ins)) broad = ins;
    if (ins->kind != STAGEGRAPH_KIND_RUN) continue;
    installs in;
    in.count = 0;
    if ((rc = each_command(sc, ins, note_install, &in))) break;
    for (size_t k = 0; k < in.count && !rc; k++) {
      unsigned bit = 1u << in.list[k];
      int late = broad && check && !(seen & bit) && !(reported & bit);
      seen |= bit;
      if (!late) continue;
      reported |= bit;
      sgi_lint_msgf(l,
                    "\"%s\" runs after the whole build context is copied (line %u), so every source "
                    "change reinstalls the dependencies: copy %s first, install, then copy the sources",
                    in.labels[k], broad->start_line, manifests[in.list[k]]);
      rc = sgi_lint_report_msg(l, SGI_RULE_DEPENDENCIES_AFTER_SOURCES, ins, ins);
    }
  }
  installed[s] = seen | INSTALLS_KNOWN;
  return rc;
}

/* DependenciesAfterSources on a stage in scope with a broad copy. An
 * install in a stage it is built on counts as done before, so the RUN
 * lines of those stages are read too, once, the first time a stage built
 * on them needs them; other stages' RUN lines are not read. */
static int check_installs(sgi_graph_pass *g, size_t s) {
  sgi_linter *l = g->l;
  size_t n = l->plan->stage_count;
  if (!g->chain) { /* one block: the chain, then installed */
    g->chain = sgi_calloc(&l->lint->mem, n, sizeof *g->chain + sizeof *g->installed);
    if (!g->chain) return STAGEGRAPH_ENOMEM;
    g->installed = (unsigned *)(void *)(g->chain + n);
  }
  size_t top = 0;
  for (size_t a = parent_of(g, s); a != STAGEGRAPH_NONE && !(g->installed[a] & INSTALLS_KNOWN);
       a = parent_of(g, a))
    g->chain[top++] = a;
  int rc = 0;
  while (top && !rc) rc = dependencies_after_sources(l, &g->sc, g->chain[--top], g->installed);
  return rc ? rc : dependencies_after_sources(l, &g->sc, s, g->installed);
}

/* ---- ToolchainInFinalStage ---------------------------------------------------------- */

typedef struct tooling {
  sgi_buf packages;
  sgi_buf work;
  int removes;
  int node_production;
} tooling;

static int note_tooling(void *ctx, const command *c) {
  tooling *t = ctx;
  if (removes_packages(c)) t->removes = 1;
  build_packages(c, &t->packages);
  if (!t->work.len) build_work(c, t->node_production, &t->work);
  return t->packages.failed ? t->packages.failed : t->work.failed;
}

/* ENV NODE_ENV=production. */
static int sets_node_production(const stagegraph_instruction *ins) {
  for (size_t k = 0; k + 2 < ins->arg_count; k += 3)
    if (!strcmp(ins->args[k].ptr, "NODE_ENV") && strstr(ins->args[k + 1].ptr, "production")) return 1;
  return 0;
}

/* The build stage a target uses: one it copies or mounts from that is not
 * in its FROM chain, else any other stage it needs; NONE. `mark` and
 * `stack` are scratch of the stage count. */
static size_t build_stage_of(const sgi_graph_pass *g, size_t t, unsigned char *mark, size_t *stack) {
  const sgi_linter *l = g->l;
  const stagegraph_plan *p = l->plan;
  if (l->shipped_count == 1) {
    memcpy(mark, l->needed, p->stage_count); /* what the only target needs */
  } else {
    memset(mark, 0, p->stage_count);
    sgi_plan_mark_closure(p, t, mark, stack);
  }
  for (size_t a = t; a != STAGEGRAPH_NONE; a = parent_of(g, a)) mark[a] = 2; /* the chain */
  for (size_t e = 0; e < p->edge_count; e++) {
    const stagegraph_edge *ed = &p->edges[e];
    if (ed->to == t && ed->kind != STAGEGRAPH_EDGE_FROM && mark[ed->from] != 2) return ed->from;
  }
  for (size_t s = 0; s < p->stage_count; s++)
    if (mark[s] == 1) return s;
  return STAGEGRAPH_NONE;
}

static int toolchain_in_final(sgi_graph_pass *g, size_t t, size_t builder) {
  sgi_linter *l = g->l;
  scanner *sc = &g->sc;
  const stagegraph_stage *st = stagegraph_doc_stage(l->doc, t);
  int rc = 0;
  tooling tl;
  sgi_buf_init(&tl.packages, &l->lint->mem);
  sgi_buf_init(&tl.work, &l->lint->mem);
  tl.node_production = (g->facts.flags[t] & FACT_NODE_PRODUCTION) != 0;
  for (size_t i = 0; i < stagegraph_stage_instruction_count(st) && !rc; i++) {
    const stagegraph_instruction *ins = stagegraph_stage_instruction(st, i);
    if (ins->kind != STAGEGRAPH_KIND_RUN) continue;
    sgi_buf_clear(&tl.packages);
    sgi_buf_clear(&tl.work);
    tl.removes = 0;
    if ((rc = each_command(sc, ins, note_tooling, &tl))) break;
    if (tl.packages.len && !tl.removes) {
      sgi_lint_msgf(l, "The shipped stage \"%s\" installs build tools (%s) although stage \"%s\" builds for it: "
                       "install them there and copy only the build output",
                    display(l, t), tl.packages.ptr, display(l, builder));
    } else if (tl.work.len) {
      sgi_lint_msgf(l, "The shipped stage \"%s\" %s although stage \"%s\" builds for it: do that there "
                       "and copy only the result",
                    display(l, t), tl.work.ptr, display(l, builder));
    } else {
      continue;
    }
    rc = sgi_lint_report_msg(l, SGI_RULE_TOOLCHAIN_IN_FINAL_STAGE, ins, ins);
  }
  sgi_buf_free(&tl.packages);
  sgi_buf_free(&tl.work);
  return rc;
}

/* ---- FatFinalStage --------------------------------------------------------------------- */

/* "toolchain", "distribution", or NULL for a runtime-sized image. */
static const char *fat_kind(const stagegraph_image *img, int multi_stage) {
  const char *path = img->parts.path, *tag = img->parts.tag;
  if (strstr(path, "distroless") || strstr(path, "chainguard")) return NULL;
  if (strstr(tag, "slim") || strstr(tag, "alpine") || strstr(tag, "distroless")) return NULL;
  const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
  if (ends_with(path, "dotnet/sdk") || ends_with(path, "dotnet/core/sdk")) return "toolchain";
  static const char *const jdk[] = {"openjdk", "eclipse-temurin", "amazoncorretto"};
  for (size_t i = 0; i < 3; i++)
    if (!strcmp(name, jdk[i])) return strstr(tag, "jre") ? NULL : "toolchain";
  static const char *const toolchains[] = {"golang", "rust", "node",  "python",
                                           "maven",  "gradle", "gcc", "buildpack-deps"};
  for (size_t i = 0; i < sizeof toolchains / sizeof toolchains[0]; i++)
    if (!strcmp(name, toolchains[i])) return "toolchain";
  static const char *const distributions[] = {"ubuntu", "debian", "fedora", "centos", "amazonlinux"};
  for (size_t i = 0; multi_stage && i < sizeof distributions / sizeof distributions[0]; i++)
    if (!strcmp(name, distributions[i])) return "distribution";
  return NULL;
}

static int fat_final_stage(const sgi_graph_pass *g, size_t t, unsigned char *done) {
  sgi_linter *l = g->l;
  const stagegraph_plan *p = l->plan;
  size_t root = g->facts.root[t];
  if (done[root]) return 0;
  done[root] = 1;
  const stagegraph_image *img = p->stages[root].image;
  if (!img || img->context || p->stages[root].context) return 0;
  const char *kind = fat_kind(img, p->stage_count > 1);
  if (!kind) return 0;
  sgi_lint_msgf(l,
                "The shipped stage \"%s\" is based on \"%s\", a full %s image: build there, then copy the "
                "result into a small runtime base (distroless, alpine, a -slim tag or scratch)",
                display(l, t), img->ref, kind);
  return sgi_lint_report_msg(l, SGI_RULE_FAT_FINAL_STAGE, from_of(l, root), from_of(l, root));
}

/* ---- FinalStageRunsAsRoot -------------------------------------------------------------- */

static int runs_as_root(const sgi_graph_pass *g, size_t t, unsigned char *done) {
  sgi_linter *l = g->l;
  const stagegraph_plan *p = l->plan;
  uint32_t u = g->facts.user[t];
  const stagegraph_instruction *user = u ? l->doc->instructions[u - 1] : NULL;
  const stagegraph_instruction *at = user ? user : from_of(l, t);
  size_t key = user ? user->index : at->index;
  if (done[key]) return 0;
  done[key] = 1;
  if (user) {
    if (!user->arg_count) return 0;
    const sgi_str *v = &user->args[0];
    if (sgi_expand_changes(v->ptr, v->len, l->doc->escape)) return 0; /* decided at build time */
    size_t n = strcspn(v->ptr, ":");
    if (!((n == 4 && !memcmp(v->ptr, "root", 4)) || (n == 1 && v->ptr[0] == '0'))) return 0;
    sgi_lint_msgf(l, "The shipped stage \"%s\" runs as root (USER %s): switch to an unprivileged user "
                     "before the end of the stage",
                  display(l, t), v->ptr);
  } else {
    const sgi_plan_stage *root = &p->stages[g->facts.root[t]];
    const stagegraph_image *img = root->image;
    if (root->context) return 0;
    if (img && (strstr(img->parts.tag, "nonroot") || !strcmp(img->parts.domain, "cgr.dev"))) return 0;
    sgi_lint_msgf(l, "The shipped stage \"%s\" runs as root (no USER instruction in its stages): add USER "
                     "with an unprivileged user",
                  display(l, t));
  }
  return sgi_lint_report_msg(l, SGI_RULE_FINAL_STAGE_RUNS_AS_ROOT, at, at);
}

/* ---- SecretCopiedToFinalStage ----------------------------------------------------------- */

/* 1 when a context path looks like a credential. */
static int secret_path(const char *path) {
  static const char *const suffixes[] = {".example", ".sample", ".template", ".dist", ".pub"};
  for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++)
    if (ends_with(path, suffixes[i])) return 0;
  static const char *const tails[] = {".aws/credentials", ".docker/config.json", ".kube/config"};
  for (size_t i = 0; i < 3; i++)
    if (ends_with(path, tails[i])) return 1;
  const char *base = path;
  for (const char *c = path; *c; c++) {
    if (*c != '/') continue;
    if (c - base == 4 && !memcmp(base, ".git", 4)) return 1;
    base = c + 1;
  }
  static const char *const names[] = {".env",    "id_rsa",  "id_ed25519",       "id_ecdsa",
                                      "id_dsa",  ".npmrc",  ".pypirc",          ".netrc",
                                      ".git",    ".git-credentials", "credentials.json", "kubeconfig"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (!strcmp(base, names[i])) return 1;
  if (!strncmp(base, ".env.", 5)) return 1;
  static const char *const exts[] = {".pem", ".key", ".p12", ".pfx"};
  for (size_t i = 0; i < 4; i++)
    if (ends_with(base, exts[i])) return 1;
  return 0;
}

/* 1 when .dockerignore keeps the path out of the context, 0 when not;
 * STAGEGRAPH_ENOMEM. */
static int excluded(const sgi_linter *l, const char *path) {
  if (!l->ignore) return 0;
  int rc = sgi_patterns_walk_matches(l->ignore, path, strlen(path), 1);
  return rc == STAGEGRAPH_ENOMEM ? rc : rc == 1;
}

static void where(sgi_linter *l, size_t s) {
  int shipped = 0;
  for (size_t t = 0; t < l->shipped_count; t++) shipped |= l->shipped[t] == s;
  if (shipped)
    sgi_buf_printf(&l->msg, "stage \"%s\", which is shipped", display(l, s));
  else
    sgi_buf_printf(&l->msg, "stage \"%s\", whose files reach the shipped stage \"%s\"", display(l, s),
                   display(l, l->shipped[0]));
}

static int secret_copy(sgi_linter *l, size_t s, const stagegraph_instruction *ins) {
  size_t n;
  int whole = 0;
  copy_source(l, s, ins, 0, &n);
  for (size_t i = 0; i < n; i++) {
    const char *src = copy_source(l, s, ins, i, &n);
    if (!src || (ins->kind == STAGEGRAPH_KIND_ADD && strstr(src, "://"))) continue;
    if (whole_root(src)) {
      whole = 1;
      continue;
    }
    const char *rel = src;
    while (rel[0] == '/' || (rel[0] == '.' && rel[1] == '/')) rel += rel[0] == '/' ? 1 : 2;
    if (!secret_path(rel)) continue;
    int ex = excluded(l, rel);
    if (ex < 0) return ex;
    if (ex) continue;
    sgi_lint_msgf(l, "%s puts the secret-looking file ", sgi_instruction_keyword(ins));
    sgi_lint_quote(&l->msg, src, strlen(src));
    sgi_buf_puts(&l->msg, " into ");
    where(l, s);
    sgi_buf_puts(&l->msg, ": layers keep it in the image; use RUN --mount=type=secret (or ssh) instead");
    return sgi_lint_report_msg(l, SGI_RULE_SECRET_COPIED_TO_FINAL_STAGE, ins, ins);
  }
  if (!whole) return 0;
  if (!l->ignore) {
    sgi_lint_msgf(l, "%s of the whole build context may copy secrets such as .env or .git into ",
                  sgi_instruction_keyword(ins));
    where(l, s);
    sgi_buf_puts(&l->msg, ": add a .dockerignore");
    return sgi_lint_report_msg(l, SGI_RULE_SECRET_COPIED_TO_FINAL_STAGE, ins, ins);
  }
  int git = excluded(l, ".git"), env = excluded(l, ".env");
  if (git < 0 || env < 0) return STAGEGRAPH_ENOMEM;
  git = !git;
  env = !env;
  if (!git && !env) return 0;
  sgi_lint_msgf(l, "%s of the whole build context copies %s into ", sgi_instruction_keyword(ins),
                git && env ? ".git and .env" : git ? ".git" : ".env");
  where(l, s);
  sgi_buf_printf(&l->msg, ": .dockerignore does not exclude %s", git && env ? "them" : "it");
  return sgi_lint_report_msg(l, SGI_RULE_SECRET_COPIED_TO_FINAL_STAGE, ins, ins);
}

/* ---- edges --------------------------------------------------------------------------- */

/* Go's strconv.Atoi shape: an optional sign and digits. */
static int numeric(const char *s) {
  if (*s == '+' || *s == '-') s++;
  if (!*s) return 0;
  for (; *s; s++)
    if (*s < '0' || *s > '9') return 0;
  return 1;
}

/* The rules on an edge from a COPY --from or RUN --mount from= of a
 * reached stage. */
static int edge_rules(const sgi_graph_pass *g, const stagegraph_edge *e) {
  sgi_linter *l = g->l;
  const stagegraph_plan *p = l->plan;
  const stagegraph_instruction *ins = e->ins;
  int rc = 0;
  if (e->kind == STAGEGRAPH_EDGE_FROM || e->onbuild) return 0;
  if (e->from > e->to) {
    int copy = e->kind == STAGEGRAPH_EDGE_COPY;
    sgi_lint_msgf(l, "Stage \"%s\" (line %u) is defined after stage \"%s\", which %s from it: building "
                     "\"%s\" fails with BuildKit's \"cannot %s from stage\" error",
                  display(l, e->from), from_of(l, e->from)->start_line, display(l, e->to),
                  copy ? "copies" : "mounts", display(l, e->to), copy ? "copy" : "mount");
    if ((rc = sgi_lint_report_msg(l, SGI_RULE_FORWARD_STAGE_REFERENCE, ins, ins))) return rc;
  }
  if (!l->in_scope[e->to] || e->kind != STAGEGRAPH_EDGE_COPY) return 0;
  if (e->from != e->to && is_ancestor(g, e->from, e->to)) {
    sgi_lint_msgf(l, "COPY --from=%s copies from stage \"%s\", which this stage is built on: its files "
                     "are already here; use them in place (or RUN cp)",
                  e->reference, display(l, e->from));
    if ((rc = sgi_lint_report_msg(l, SGI_RULE_REDUNDANT_COPY_FROM_PARENT, ins, ins))) return rc;
  }
  if (numeric(e->reference)) {
    const char *name = p->stages[e->from].name;
    if (name)
      sgi_lint_msgf(l, "COPY --from=%s names stage \"%s\" by its position: use --from=%s, positions change "
                       "when stages are added or moved",
                    e->reference, name, name);
    else
      sgi_lint_msgf(l, "COPY --from=%s names a stage by its position: name it (FROM ... AS <name>) and use "
                       "--from=<name>, positions change when stages are added or moved",
                    e->reference);
    if ((rc = sgi_lint_report_msg(l, SGI_RULE_STAGE_REFERENCED_BY_INDEX, ins, ins))) return rc;
  }
  return 0;
}

/* COPY --from=x / : the whole filesystem of a stage (unless it is an
 * artifact stage built on scratch) or of an image. */
static int copy_whole(const sgi_graph_pass *g, size_t s, const stagegraph_instruction *ins,
                      const stagegraph_edge *e) {
  sgi_linter *l = g->l;
  const char *from = stagegraph_instruction_flag_value(ins, "from", 0);
  if (!from || !strcmp(from, "scratch")) return 0;
  size_t i = 0;
  while (i + 1 < ins->arg_count && !whole_root(ins->args[i].ptr)) i++;
  if (i + 1 >= ins->arg_count) return 0;
  /* the source stage's records are read only for such a copy */
  const stagegraph_plan *p = l->plan;
  const char *what = from;
  if (e) {
    size_t root = root_of(g, e->from);
    if (!p->stages[root].image && !p->stages[root].context) return 0; /* built on scratch */
    what = display(l, e->from);
  }
  sgi_lint_msgf(l, "COPY --from=%s copies the whole filesystem of \"%s\" into stage \"%s\": copy only "
                   "the paths the image needs",
                from, what, display(l, s));
  return sgi_lint_report_msg(l, SGI_RULE_COPY_WHOLE_FILESYSTEM, ins, ins);
}

/* ---- DeadStage ----------------------------------------------------------------------- */

/* A stage no shipped target needs and no other stage uses. */
static int dead_stage(const sgi_graph_pass *g, size_t s) {
  sgi_linter *l = g->l;
  if (l->needed[s] || (g->facts.flags[s] & (FACT_CONTEXT | FACT_USED))) return 0;
  const char *target = display(l, l->shipped[0]);
  if (s < g->last_target)
    sgi_lint_msgf(l, "Stage \"%s\" is not needed by the target \"%s\" and no stage uses it: BuildKit skips "
                     "it silently, but the classic builder and kaniko still build it",
                  display(l, s), target);
  else
    sgi_lint_msgf(l, "Stage \"%s\" is not needed by the target \"%s\" and no stage uses it: no build of "
                     "the target runs it",
                  display(l, s), target);
  return sgi_lint_report_msg(l, SGI_RULE_DEAD_STAGE, from_of(l, s), from_of(l, s));
}

/* ---- the pass ------------------------------------------------------------------------- */

int sgi_lint_graph_begin(sgi_graph_pass **out, sgi_linter *l) {
  /* the facts, then a stage count of scratch numbers for the forest: n
   * fits in memory already (the plan has a record per stage), so the size
   * cannot overflow */
  size_t n = l->plan->stage_count, room = n ? n : 1;
  sgi_graph_pass *g = *out =
      sgi_calloc(&l->lint->mem, 1, sizeof *g + (FACT_ARRAYS + 1) * room * sizeof(uint32_t));
  if (!g) return STAGEGRAPH_ENOMEM;
  g->l = l;
  scanner_init(&g->sc, &l->lint->mem);
  const stagegraph_plan *p = l->plan;
  stage_facts *f = &g->facts;
  uint32_t *array = (uint32_t *)(void *)(g + 1);
  uint32_t **arrays[FACT_ARRAYS] = {&f->parent, &f->root, &f->pre, &f->size, &f->user, &f->flags};
  for (size_t k = 0; k < FACT_ARRAYS; k++) *arrays[k] = array + k * room;
  uint32_t *given = array + FACT_ARRAYS * room, roots = 0;
  /* the forest (a parent is an earlier stage), and which stages others
   * use, for DeadStage as the pass reaches them: a stage can be used by a
   * later one */
  for (size_t s = 0; s < n; s++) {
    const sgi_plan_stage *ps = &p->stages[s];
    f->parent[s] = ps->parent == STAGEGRAPH_NONE ? NO_STAGE : (uint32_t)ps->parent;
    f->root[s] = ps->parent == STAGEGRAPH_NONE ? (uint32_t)s : f->root[ps->parent];
    f->size[s] = 1;
    if (ps->context) f->flags[s] |= FACT_CONTEXT;
    size_t count;
    const uint32_t *deps = sgi_plan_deps(p, s, &count);
    for (size_t k = 0; k < count; k++)
      if (deps[k] != s) f->flags[deps[k]] |= FACT_USED;
  }
  /* subtree sizes, children before parents; then the depth-first numbers,
   * parents before children: a stage takes the first number its parent
   * has not given out yet (given[parent] of them so far) */
  for (size_t s = n; s-- > 0;)
    if (f->parent[s] != NO_STAGE) f->size[f->parent[s]] += f->size[s];
  for (size_t s = 0; s < n; s++) {
    uint32_t parent = f->parent[s];
    if (parent == NO_STAGE) {
      f->pre[s] = roots;
      roots += f->size[s];
    } else {
      f->pre[s] = f->pre[parent] + given[parent];
      given[parent] += f->size[s];
    }
    given[s] = 1; /* itself */
  }
  for (size_t t = 0; t < l->shipped_count; t++)
    if (l->shipped[t] > g->last_target) g->last_target = l->shipped[t];
  return 0;
}

/* Record what a reached stage inherits from its parent as the pass goes:
 * the chain's last USER and NODE_ENV=production. */
static void note_stage(sgi_graph_pass *g, size_t s) {
  stage_facts *f = &g->facts;
  uint32_t parent = f->parent[s];
  if (parent == NO_STAGE) return;
  f->user[s] = f->user[parent];
  f->flags[s] |= f->flags[parent] & FACT_NODE_PRODUCTION;
}

#define EDGES_AHEAD 8

/* The edge rules on the edges made by instructions up to `ins` (edges are
 * sorted by their instruction's offset); the COPY edge `ins` makes, if any,
 * goes to *copy. */
static int edges_through(sgi_graph_pass *g, const stagegraph_instruction *ins,
                         const stagegraph_edge **copy) {
  const stagegraph_plan *p = g->l->plan;
  int rc = 0;
  for (; g->edge < p->edge_count && !rc; g->edge++) {
    const stagegraph_edge *e = &p->edges[g->edge];
    if (e->offset > ins->start_offset) break;
    /* the rules read the source stage's facts and the name as written,
     * which on a large file lie anywhere: loaded EDGES_AHEAD edges before */
    if (g->edge + EDGES_AHEAD < p->edge_count) {
      const stagegraph_edge *ahead = &p->edges[g->edge + EDGES_AHEAD];
      SGI_PREFETCH(&g->facts.pre[ahead->from]);
      SGI_PREFETCH(&g->facts.size[ahead->from]);
      SGI_PREFETCH(ahead->reference);
    }
    if (e->ins == ins && e->kind == STAGEGRAPH_EDGE_COPY && !e->onbuild) *copy = e;
    rc = edge_rules(g, e);
  }
  return rc;
}

#define PARENTS_AHEAD 8

/* A stage's facts, the edges its FROM line makes, DeadStage. */
int sgi_lint_graph_stage(sgi_graph_pass *g, size_t s) {
  sgi_linter *l = g->l;
  /* note_stage reads the parent's facts, anywhere on a large file: loaded
   * PARENTS_AHEAD stages before (most stages are reached, in file order) */
  if (s + PARENTS_AHEAD < l->plan->stage_count) {
    uint32_t parent = g->facts.parent[s + PARENTS_AHEAD];
    if (parent != NO_STAGE) {
      SGI_PREFETCH(&g->facts.user[parent]);
      SGI_PREFETCH(&g->facts.flags[parent]);
    }
  }
  note_stage(g, s);
  g->stage = s;
  g->broad = 0;
  const stagegraph_edge *copy = NULL;
  int rc = edges_through(g, stagegraph_stage_from(stagegraph_doc_stage(l->doc, s)), &copy);
  return rc ? rc : dead_stage(g, s);
}

/* The rules on one instruction of the stage; the edges it makes. */
int sgi_lint_graph_instruction(sgi_graph_pass *g, const stagegraph_instruction *ins) {
  sgi_linter *l = g->l;
  size_t s = g->stage;
  const stagegraph_edge *copy = NULL;
  int rc = edges_through(g, ins, &copy);
  if (rc) return rc;
  int scope = l->in_scope[s] != 0, context = (g->facts.flags[s] & FACT_CONTEXT) != 0;
  switch (ins->kind) {
  case STAGEGRAPH_KIND_USER: g->facts.user[s] = ins->index + 1; break;
  case STAGEGRAPH_KIND_ENV:
    if (sets_node_production(ins)) g->facts.flags[s] |= FACT_NODE_PRODUCTION;
    break;
  case STAGEGRAPH_KIND_COPY:
  case STAGEGRAPH_KIND_ADD:
    if (scope && !context && !g->broad) g->broad = broad_copy(l, s, ins);
    if (l->reach[s] && !context && is_context_copy(ins)) rc = secret_copy(l, s, ins);
    if (!rc && scope && ins->kind == STAGEGRAPH_KIND_COPY) rc = copy_whole(g, s, ins, copy);
    break;
  default: break;
  }
  return rc;
}

/* DependenciesAfterSources, on a stage in scope with a broad copy. */
int sgi_lint_graph_stage_end(sgi_graph_pass *g) {
  return g->broad ? check_installs(g, g->stage) : 0;
}

int sgi_lint_graph_end(sgi_graph_pass *g) {
  sgi_linter *l = g->l;
  const stagegraph_plan *p = l->plan;
  size_t n = p->stage_count, ni = l->doc->instruction_count;
  size_t dn = ni > n ? ni : n;
  int rc = 0;
  for (; g->edge < p->edge_count && !rc; g->edge++) rc = edge_rules(g, &p->edges[g->edge]);
  if (rc) return rc;
  /* the shipped stages' rules; scratch: per stage a stack slot, per stage
   * or instruction a flag */
  size_t *stack = sgi_malloc(&l->lint->mem, n * sizeof *stack + dn);
  if (!stack) return STAGEGRAPH_ENOMEM;
  unsigned char *done = (unsigned char *)(stack + n);
  memset(done, 0, dn);
  for (size_t t = 0; t < l->shipped_count && !rc; t++) rc = fat_final_stage(g, l->shipped[t], done);
  if (!rc) memset(done, 0, dn);
  for (size_t t = 0; t < l->shipped_count && !rc; t++) rc = runs_as_root(g, l->shipped[t], done);
  for (size_t t = 0; t < l->shipped_count && !rc; t++) {
    size_t ts = l->shipped[t];
    if (p->stages[ts].context) continue;
    size_t builder = build_stage_of(g, ts, done, stack);
    if (builder != STAGEGRAPH_NONE) rc = toolchain_in_final(g, ts, builder);
  }
  sgi_free(&l->lint->mem, stack);
  return rc;
}

void sgi_lint_graph_free(sgi_graph_pass *g) {
  if (!g) return;
  const sgi_mem *mem = &g->l->lint->mem;
  scanner_free(&g->sc);
  sgi_free(mem, g->chain);
  sgi_free(mem, g);
}
