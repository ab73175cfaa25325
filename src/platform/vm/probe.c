/* probe.c — vhost-net facts of the host (see probe.h). */
#include "platform/vm/probe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int vm_vhost_usable(const char *path, char *why, size_t n)
{
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, n, "%s cannot be opened (%s)%s", path, strerror(errno),
                 errno == ENXIO || errno == ENODEV ? ": is the vhost_net module loaded?" : "");
        return 0;
    }
    struct stat st;
    int ok = fstat(fd, &st) == 0 && S_ISCHR(st.st_mode);
    if (!ok) snprintf(why, n, "%s is not a character device", path);
    close(fd);
    return ok;
}
