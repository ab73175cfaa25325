/* registry.c — the platforms hostmix knows, by name, and the setup of a
 * platform's private state.  A new platform is one ops table in its own
 * file (or folder) plus one line here. */
#include "platform/platform.h"
#include "job/job.h"

#include <stdlib.h>
#include <string.h>

extern const struct platform_ops plat_container_ops, plat_vm_ops, plat_libvirt_ops;

/* In enum platform_id order (job.h), so that the job's enum indexes it. */
const struct platform_ops *const plat_registry[] = {
    &plat_native_ops, &plat_container_ops, &plat_vm_ops, &plat_libvirt_ops, NULL,
};

const struct platform_ops *plat_find_name(const char *name)
{
    for (int i = 0; plat_registry[i]; i++)
        if (strcmp(plat_registry[i]->name, name) == 0) return plat_registry[i];
    return NULL;
}

const struct platform_ops *plat_find(int id)
{
    if (id < 0 || id >= (int)(sizeof plat_registry / sizeof plat_registry[0]) - 1) return NULL;
    /* the job's enum names the same platforms in the same order */
    return plat_find_name(platform_names[id]);
}

const struct opt_def *job_platform_opts(int platform, size_t *size)
{
    const struct platform_ops *o = plat_find(platform);
    *size = o ? o->opt_size : 0;
    return o ? o->opts : NULL;
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
