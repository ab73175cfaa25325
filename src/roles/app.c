/* app.c — the built-in app server (not built yet). */
#include "roles/role.h"

#include <stddef.h>

const struct role_ops role_app_ops = { "app", NULL, NULL };
