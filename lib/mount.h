/* RUN --mount and --device values (I/commands_runmount.go,
 * I/commands_rundevice.go): CSV fields, the checks BuildKit makes when it
 * parses the instruction, and the full parse it makes when the stage is
 * built, with variables expanded. */
#ifndef STAGEGRAPH_MOUNT_H
#define STAGEGRAPH_MOUNT_H

#include "buf.h"

typedef enum sgi_mount_type {
  SGI_MOUNT_BIND,
  SGI_MOUNT_CACHE,
  SGI_MOUNT_TMPFS,
  SGI_MOUNT_SECRET,
  SGI_MOUNT_SSH
} sgi_mount_type;

typedef struct sgi_mount {
  sgi_mount_type type;
  const char *from;   /* NULL when absent */
  const char *source;
  const char *target;
  const char *id;
  const char *sharing;
  const char *env;
  int readonly;
  int required;
} sgi_mount;

/* Parse-time checks: CSV syntax and variables in `from`. Returns 0, or 1
 * with BuildKit's message appended to msg. `scratch` is working room,
 * reused from one call to the next (its text is not kept). */
int sgi_mount_check_syntax(const char *value, sgi_buf *scratch, sgi_buf *msg);
int sgi_device_check(const char *value, sgi_buf *msg);

/* Expand one field value; returns 0, or non-zero with a message in msg. */
typedef int (*sgi_mount_expander)(void *ctx, const char *value, size_t len, sgi_buf *out,
                                  sgi_buf *msg);

/* The full parse at build time. Values are expanded with `expand` (NULL
 * keeps them as written) and copied into the arena. Returns 0, 1 with a
 * message, or STAGEGRAPH_ENOMEM. */
int sgi_mount_parse(sgi_arena *arena, const char *value, sgi_mount_expander expand, void *ctx,
                    sgi_mount *out, sgi_buf *msg);

const char *sgi_mount_type_name(sgi_mount_type type);

/* The raw value of one key (case-insensitive, last occurrence) of a mount,
 * as BuildKit reads `from` when it builds the graph: NULL when absent or
 * when the CSV does not parse. Copied into the arena. */
int sgi_mount_field(sgi_arena *arena, const char *value, const char *key, const char **out);
/* The same for several keys (lowercase) at once, out[k] for keys[k]: the
 * CSV is split once. */
int sgi_mount_fields(sgi_arena *arena, const char *value, const char *const *keys, size_t count,
                     const char **out);

#endif
