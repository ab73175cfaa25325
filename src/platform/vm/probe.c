/* probe.c — vhost-net and hugetlbfs facts of the host (see probe.h). */
#include "platform/vm/probe.h"
#include "core/buf.h"
#include "measure/measure.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
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

/* The number after "key:" on a line of /proc/meminfo's text, or -1. */
static long long vm_meminfo_value(const char *text, const char *key)
{
    size_t kl = strlen(key);
    for (const char *l = text; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (strncmp(l, key, kl) == 0 && l[kl] == ':') return strtoll(l + kl + 1, NULL, 10);
    return -1;
}

/* The pagesize= option of a mount's option string in bytes (size
 * suffixes K, M, G as the kernel accepts them), or 0 if absent. */
static uint64_t vm_mount_pagesize(const char *opts)
{
    for (const char *o = opts; o; o = strchr(o, ',') ? strchr(o, ',') + 1 : NULL) {
        if (strncmp(o, "pagesize=", 9) != 0) continue;
        char *end;
        uint64_t v = strtoull(o + 9, &end, 10);
        switch (*end) {
        case 'k': case 'K': return v << 10;
        case 'm': case 'M': return v << 20;
        case 'g': case 'G': return v << 30;
        default: return v;
        }
    }
    return 0;
}

/* Free pages of page bytes: the default size from meminfo, the others
 * from sysfs; -1 if unreadable. */
static long vm_huge_free(const char *root, const char *meminfo, uint64_t page, uint64_t dflt)
{
    if (page == dflt && meminfo) return (long)vm_meminfo_value(meminfo, "HugePages_Free");
    struct numstr path = numstr_fmt("/sys/kernel/mm/hugepages/hugepages-%" PRIu64
                                    "kB/free_hugepages", page >> 10);
    struct numstr text;                 /* a number */
    return meas_read(root, path.s, text.s, sizeof text.s) > 0 ? strtol(text.s, NULL, 10) : -1;
}

/* The hugetlbfs mount on line l of /proc/mounts into f (f->n grows). */
static void vm_huge_line(const char *root, const char *l, const char *meminfo,
                         struct vm_huge_facts *f)
{
    char *dir = NULL, *type = NULL, *opts = NULL;       /* freed below */
    if (sscanf(l, "%*s %ms %ms %ms", &dir, &type, &opts) == 3 && !strcmp(type, "hugetlbfs")) {
        struct vm_huge_mount *m = &f->m[f->n];
        uint64_t ps = vm_mount_pagesize(opts);
        m->page = ps ? ps : f->default_page;
        if (m->page) {
            snprintf(m->path, sizeof m->path, "%s", dir);
            m->free_pages = vm_huge_free(root, meminfo, m->page, f->default_page);
            f->n++;
        }
    }
    free(dir);
    free(type);
    free(opts);
}

void vm_huge_read(const char *root, struct vm_huge_facts *f)
{
    struct buf meminfo = BUF_INIT, mounts = BUF_INIT;
    memset(f, 0, sizeof *f);
    int have_mi = meas_read_buf(root, "/proc/meminfo", &meminfo) > 0;
    long long kb = have_mi ? vm_meminfo_value(buf_cstr(&meminfo), "Hugepagesize") : -1;
    f->default_page = kb > 0 ? (uint64_t)kb << 10 : 0;
    if (meas_read_buf(root, "/proc/mounts", &mounts) > 0) {
        char *text = (char *)buf_cstr(&mounts);
        for (char *l = text, *nl; l && *l && f->n < VM_HUGE_MAX_MOUNTS; l = nl) {
            nl = strchr(l, '\n');
            if (nl) *nl++ = '\0';
            vm_huge_line(root, l, have_mi ? buf_cstr(&meminfo) : NULL, f);
        }
    }
    buf_free(&meminfo);
    buf_free(&mounts);
}

int vm_huge_pick(const struct vm_huge_facts *f, uint64_t page, uint64_t need,
                 const char **path, char *why, size_t n)
{
    uint64_t kb = page >> 10, pages = (need + page - 1) / page;
    for (int i = 0; i < f->n; i++) {
        const struct vm_huge_mount *m = &f->m[i];
        if (m->page != page) continue;
        if (m->free_pages >= 0 && (uint64_t)m->free_pages < pages) {
            snprintf(why, n, "the guests need %" PRIu64 " free %" PRIu64 " kB huge pages "
                     "(%" PRIu64 " MiB), the host has %ld free (raise "
                     "/sys/kernel/mm/hugepages/hugepages-%" PRIu64 "kB/nr_hugepages)",
                     pages, kb, need >> 20, m->free_pages, kb);
            return -1;
        }
        *path = m->path;
        return 0;
    }
    snprintf(why, n, "no hugetlbfs mount of %" PRIu64 " kB pages in /proc/mounts (%d hugetlbfs "
             "mount%s; mount one with: mount -t hugetlbfs -o pagesize=%s none DIR)",
             kb, f->n, f->n == 1 ? "" : "s", page >= (1ULL << 30) ? "1G" : "2M");
    return -1;
}
