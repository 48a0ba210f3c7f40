/* Library version. */
#include "stagegraph.h"

unsigned stagegraph_version(void) { return STAGEGRAPH_VERSION_NUMBER; }

const char *stagegraph_version_string(void) { return STAGEGRAPH_VERSION_STRING; }
