/* imap.c — the built-in imap server (not built yet). */
#include "roles/role.h"

#include <stddef.h>

const struct role_ops role_imap_ops = { "imap", NULL, NULL };
