/* db_fn.h — SQL functions the db server puts in place of SQLite's own
 * where those take time a statement deadline cannot interrupt.
 *
 * SQLite checks its progress handler (the statement deadline, a
 * CancelRequest) only between VM steps; inside one call of a built-in
 * function nothing stops it.  instr() and replace() compare the needle at
 * every position of the haystack, so a few MiB of crafted text keep them
 * busy for minutes.  These versions search in time linear in the input
 * and give the same answers. */
#ifndef HOSTMIX_DB_FN_H
#define HOSTMIX_DB_FN_H

#include <sqlite3.h>

/* Registers instr(X,Y) and replace(X,Y,Z) on db, replacing SQLite's
 * built-ins.  Returns SQLITE_OK or SQLite's error code. */
int db_fn_register(sqlite3 *db);

#endif
