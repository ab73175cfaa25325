/* kmods.h — kernel modules a guest must load, resolved from the kernel's
 * modules.dep, in an order where every module follows its dependencies.
 *
 * Debian's linux-image packages ship no modules.dep (their postinst runs
 * depmod) and hosts may lack kmod, so kmods_depmod writes one from each
 * module's own .modinfo "depends=" field, in depmod's format.  A kernel
 * directory that has modules.dep (a host's /lib/modules/VERSION) is used
 * as it is. */
#ifndef HOSTMIX_KMODS_H
#define HOSTMIX_KMODS_H

#include "core/buf.h"

#include <stddef.h>

struct kmods_list {
    char **path;        /* relative to the modules dir, load order */
    size_t n, cap;
};

/* Resolves each module name of want (NULL-terminated; '-' and '_' are
 * the same) against dep_text, the contents of a modules.dep, appending
 * to out every module needed, dependencies first, each once.  A name
 * built into the kernel (listed in builtin, the text of modules.builtin;
 * may be NULL) is skipped.  Returns 0, or -1 when a module is unknown or
 * the dependencies form a cycle (why names it).  Free out with
 * kmods_list_free. */
int kmods_resolve(const char *dep_text, const char *builtin, const char *const want[],
                  struct kmods_list *out, struct buf *why);
void kmods_list_free(struct kmods_list *l);

/* The module name of a path: basename without .ko[.xz|.zst|.gz], '-'
 * turned into '_'.  Appends it to name. */
void kmods_name(const char *path, struct buf *name);

/* Finds key=value in the .modinfo section of the ELF module image
 * data[0..n) and appends value to val.  Returns 1 if found, 0 if not,
 * -1 if data is not a well-formed ELF64 object. */
int kmods_modinfo(const void *data, size_t n, const char *key, struct buf *val);

/* Writes MODDIR/modules.dep from the .modinfo of every .ko below
 * MODDIR/kernel (atomically: temporary file, then rename), unless it
 * exists.  Returns 0, or -1 (why). */
int kmods_depmod(const char *moddir, struct buf *why);

#endif
