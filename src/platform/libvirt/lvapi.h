/* lvapi.h — the libvirt C API calls the platform makes, loaded at run
 * time (dlopen of libvirt.so.0) instead of linked.
 *
 * Why: a guest's initramfs carries hostmix with its whole library
 * closure (vm/image.h), and libvirt's pulls in libxml2, ICU's 30 MB data
 * library, GnuTLS and more: linked, it tripled every guest's initramfs
 * (23 -> 74 MB), which then no longer unpacks in a 256 MiB guest.  The
 * headers come from libvirt-dev (pkg-config libvirt) as usual, so every
 * call is type-checked against the real prototypes. */
#ifndef HOSTMIX_LV_API_H
#define HOSTMIX_LV_API_H

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stddef.h>

#define LV_API_SONAME "libvirt.so.0"

struct lv_api {
    __typeof__(virSetErrorFunc) *SetErrorFunc;
    __typeof__(virGetLastErrorMessage) *GetLastErrorMessage;
    __typeof__(virConnectOpen) *ConnectOpen;
    __typeof__(virConnectClose) *ConnectClose;
    __typeof__(virConnectGetLibVersion) *ConnectGetLibVersion;
    __typeof__(virConnectListAllDomains) *ConnectListAllDomains;
    __typeof__(virConnectGetAllDomainStats) *ConnectGetAllDomainStats;
    __typeof__(virDomainStatsRecordListFree) *DomainStatsRecordListFree;
    __typeof__(virDomainCreateXML) *DomainCreateXML;
    __typeof__(virDomainDestroy) *DomainDestroy;
    __typeof__(virDomainDestroyFlags) *DomainDestroyFlags;
    __typeof__(virDomainIsActive) *DomainIsActive;
    __typeof__(virDomainGetName) *DomainGetName;
    __typeof__(virDomainFree) *DomainFree;
};

/* The API, loaded once (later calls return the same table; never
 * unloaded), with libvirt's printing of errors on stderr turned off (the
 * platform reports them itself).  Returns NULL when libvirt.so.0 or one
 * of the calls is missing (why says which). */
const struct lv_api *lv_api_load(char *why, size_t n);

#endif
