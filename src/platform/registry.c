/* registry.c — the platforms hostmix knows, by name, and the setup of a
 * platform's private state.  A new platform is one ops table in its own
 * file (or folder) plus one line here. */
#include "platform/platform.h"

#include <stdlib.h>
#include <string.h>

extern const struct platform_ops plat_container_ops, plat_vm_ops, plat_libvirt_ops;

/* The one list of platforms; the job's platform option indexes it. */
const struct platform_ops *const plat_registry[] = {
    &plat_native_ops, &plat_container_ops, &plat_vm_ops, &plat_libvirt_ops, NULL,
};
#define PLAT_COUNT (sizeof plat_registry / sizeof plat_registry[0] - 1)

const char *platform_names[PLAT_COUNT + 1];

/* Fills platform_names from the ops tables before main runs (the option
 * table points at the array; its entries are set here, once). */
__attribute__((constructor)) static void plat_names_fill(void)
{
    for (size_t i = 0; i < PLAT_COUNT; i++) platform_names[i] = plat_registry[i]->name;
}

const struct platform_ops *plat_find_name(const char *name)
{
    for (int i = 0; plat_registry[i]; i++)
        if (strcmp(plat_registry[i]->name, name) == 0) return plat_registry[i];
    return NULL;
}

const struct platform_ops *plat_find(int id)
{
    return id >= 0 && (size_t)id < PLAT_COUNT ? plat_registry[id] : NULL;
}

void plat_open(struct plat *p, const struct platform_ops *ops, const char *proc_root,
               const void *opt)
{
    memset(p, 0, sizeof *p);
    p->ops = ops;
    p->proc_root = proc_root;
    p->opt = opt;
    if (ops->priv_size && !(p->priv = calloc(1, ops->priv_size))) abort();
}

void plat_close(struct plat *p)
{
    free(p->priv);
    p->priv = NULL;
}

void plat_server_init(const struct plat *p, struct plat_server *s, const struct server_spec *spec)
{
    memset(s, 0, sizeof *s);
    s->spec = spec;
    if (p->ops->server_priv_size && !(s->priv = calloc(1, p->ops->server_priv_size))) abort();
}

void plat_server_free(struct plat *p, struct plat_server *s)
{
    if (p->ops->release && s->priv) p->ops->release(p, s);
    free(s->priv);
    s->priv = NULL;
}
