/* nfs.c — the built-in nfs server (not built yet). */
#include "roles/role.h"

#include <stddef.h>

const struct role_ops role_nfs_ops = { "nfs", NULL, NULL };
