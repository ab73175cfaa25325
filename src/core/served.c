/* served.c — the shared served-request counters (see served.h). */
#include "core/served.h"

#include <errno.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define SERVED_SIZE 4096

int served_create(struct served **map)
{
    int fd = memfd_create("hostmix-served", MFD_CLOEXEC);
    if (fd < 0) return -1;
    void *p = ftruncate(fd, SERVED_SIZE) == 0
                  ? mmap(NULL, SERVED_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
                  : MAP_FAILED;
    if (p == MAP_FAILED) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    *map = p;
    return fd;
}

struct served *served_attach(int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0) return NULL;
    if (!S_ISREG(st.st_mode) || st.st_size != SERVED_SIZE) {
        errno = EINVAL;
        return NULL;
    }
    struct served *s = mmap(NULL, SERVED_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (s == MAP_FAILED) return NULL;
    __atomic_store_n(&s->magic, SERVED_MAGIC, __ATOMIC_RELEASE);
    return s;
}

void served_unmap(struct served *s)
{
    if (s) munmap(s, SERVED_SIZE);
}

void served_add(struct served *s, int is_error)
{
    __atomic_store_n(&s->requests, s->requests + 1, __ATOMIC_RELAXED);
    if (is_error) __atomic_store_n(&s->errors, s->errors + 1, __ATOMIC_RELAXED);
}

int64_t served_requests(const struct served *s)
{
    if (!s || __atomic_load_n(&s->magic, __ATOMIC_ACQUIRE) != SERVED_MAGIC) return -1;
    return (int64_t)__atomic_load_n(&s->requests, __ATOMIC_RELAXED);
}
