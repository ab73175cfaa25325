/* lvapi.c — loads the libvirt calls the platform makes (lvapi.h). */
#include "platform/libvirt/lvapi.h"

#include <dlfcn.h>
#include <stdio.h>

static struct lv_api lv_api_table;
static int lv_api_loaded;

/* libvirt prints every error on stderr unless told otherwise. */
static void lv_api_quiet(void *arg, virErrorPtr e)
{
    (void)arg;
    (void)e;
}

#define LV_SYM(f) { "vir" #f, (void **)&lv_api_table.f }

const struct lv_api *lv_api_load(char *why, size_t n)
{
    if (lv_api_loaded) return &lv_api_table;
    void *h = dlopen(LV_API_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(why, n, "cannot load %s: %s (Debian: apt-get install libvirt0)", LV_API_SONAME,
                 dlerror());
        return NULL;
    }
    const struct { const char *name; void **slot; } sym[] = {
        LV_SYM(SetErrorFunc), LV_SYM(GetLastErrorMessage), LV_SYM(ConnectOpen),
        LV_SYM(ConnectClose), LV_SYM(ConnectGetLibVersion), LV_SYM(ConnectListAllDomains),
        LV_SYM(ConnectGetAllDomainStats), LV_SYM(DomainStatsRecordListFree),
        LV_SYM(DomainCreateXML), LV_SYM(DomainDestroy), LV_SYM(DomainDestroyFlags),
        LV_SYM(DomainIsActive), LV_SYM(DomainGetName), LV_SYM(DomainFree),
    };
    for (size_t i = 0; i < sizeof sym / sizeof sym[0]; i++) {
        if ((*sym[i].slot = dlsym(h, sym[i].name))) continue;
        snprintf(why, n, "%s has no %s: libvirt too old", LV_API_SONAME, sym[i].name);
        dlclose(h);
        return NULL;
    }
    lv_api_table.SetErrorFunc(NULL, lv_api_quiet);
    lv_api_loaded = 1;
    return &lv_api_table;
}
