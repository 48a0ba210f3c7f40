/* Replays inputs through a fuzz target without libFuzzer, so any compiler
 * (gcc in CI) runs the corpus and the regression cases:
 *
 *   fuzz_parse_replay FILE|DIR...
 *
 * Each FILE, and each regular file directly inside each DIR (in name order),
 * is read whole and passed to LLVMFuzzerTestOneInput. A crash, sanitizer
 * report or failed check names the input on stderr; otherwise the count of
 * inputs run is printed. Exit status 2 when an argument cannot be read. */
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Present when built with ASan (gcc or clang). */
extern void __asan_set_death_callback(void (*callback)(void)) __attribute__((weak));

static const char *current; /* the input being run */

static void name_current(void) {
  if (!current) return;
  static const char prefix[] = "\nstandalone: crashing input: ";
  (void)!write(2, prefix, sizeof prefix - 1);
  (void)!write(2, current, strlen(current));
  (void)!write(2, "\n", 1);
}

static void on_signal(int sig) {
  name_current();
  signal(sig, SIG_DFL);
  raise(sig);
}

static int run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    return -1;
  }
  size_t cap = 4096, len = 0;
  uint8_t *buf = malloc(cap);
  size_t got;
  while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
    len += got;
    if (len == cap) {
      uint8_t *bigger = realloc(buf, cap * 2);
      if (!bigger) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = bigger;
      cap *= 2;
    }
  }
  int failed = ferror(f) || !buf;
  fclose(f);
  if (failed) {
    fprintf(stderr, "%s: cannot read\n", path);
    free(buf);
    return -1;
  }
  /* an exact-size copy, so ASan catches a read one past the end */
  uint8_t *exact = malloc(len ? len : 1);
  if (!exact) {
    free(buf);
    return -1;
  }
  memcpy(exact, buf, len);
  free(buf);
  current = path;
  LLVMFuzzerTestOneInput(exact, len);
  current = NULL;
  free(exact);
  return 0;
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *dir, size_t *count) {
  DIR *d = opendir(dir);
  if (!d) {
    perror(dir);
    return -1;
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  int status = 0;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      char **bigger = realloc(names, cap * sizeof *names);
      if (!bigger) {
        status = -1;
        break;
      }
      names = bigger;
    }
    size_t len = strlen(dir) + strlen(e->d_name) + 2;
    names[n] = malloc(len);
    if (!names[n]) {
      status = -1;
      break;
    }
    snprintf(names[n], len, "%s/%s", dir, e->d_name);
    n++;
  }
  closedir(d);
  if (n) qsort(names, n, sizeof *names, by_name);
  for (size_t i = 0; i < n; i++) {
    struct stat st;
    if (status == 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
      if (run_file(names[i]) != 0) status = -1;
      else (*count)++;
    }
    free(names[i]);
  }
  free(names);
  return status;
}

int main(int argc, char **argv) {
  size_t count = 0;
  int status = 0;
  signal(SIGABRT, on_signal); /* failed checks */
  if (__asan_set_death_callback) {
    __asan_set_death_callback(name_current); /* ASan and UBSan reports */
  } else {
    signal(SIGSEGV, on_signal);
    signal(SIGBUS, on_signal);
    signal(SIGFPE, on_signal);
  }
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) != 0) {
      perror(argv[i]);
      status = 2;
    } else if (S_ISDIR(st.st_mode)) {
      if (run_dir(argv[i], &count) != 0) status = 2;
    } else if (run_file(argv[i]) != 0) {
      status = 2;
    } else {
      count++;
    }
  }
  printf("%s: %zu inputs replayed\n", argc > 0 ? argv[0] : "replay", count);
  return status;
}
