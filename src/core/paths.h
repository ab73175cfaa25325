/* paths.h — where hostmix finds itself and the files it ships, in one
 * place: the running executable (/proc/self/exe, the binary every server
 * process, container root and guest initramfs is made from) and the data
 * directory beside it.
 *
 * An installed hostmix (make install, the .deb) keeps its data in
 * BINDIR/../share/hostmix (examples/ and whatever it reads at run time),
 * so a DESTDIR or relocated install finds it too; a hostmix run from its
 * build tree (TREE/build/hostmix, or TREE/hostmix linking to it) uses
 * TREE itself.  Nothing is looked up relative to the current directory:
 * only paths the user gives are (a job's relative output, as fio's). */
#ifndef HOSTMIX_PATHS_H
#define HOSTMIX_PATHS_H

#include <stddef.h>

/* The running executable's path (readlink of /proc/self/exe) into dst.
 * Returns 0, or -1 with the reason in why. */
int paths_exe(char *dst, size_t n, char *why, size_t wn);

/* The data directory of the hostmix binary at exe: DIR/../share/hostmix
 * when it holds examples/, else DIR/.. when that is a build tree (holds
 * examples/ and src/main.c), where DIR is exe's directory.  Returns a
 * canonical path the caller frees, or NULL when there is neither. */
char *paths_data_dir_of(const char *exe);

/* paths_data_dir_of for the running executable; NULL as above, or when
 * /proc/self/exe cannot be read.  The caller frees the result. */
char *paths_data_dir(void);

#endif
