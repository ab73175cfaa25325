/* db.c — the built-in db server (not built yet). */
#include "roles/role.h"

#include <stddef.h>

const struct role_ops role_db_ops = { "db", NULL, NULL };
