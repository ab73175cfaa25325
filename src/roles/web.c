/* web.c — the built-in web server (not built yet). */
#include "roles/role.h"

#include <stddef.h>

const struct role_ops role_web_ops = { "web", NULL, NULL };
