/* stats.c — a domain's CPU from its libvirt stats record (stats.h). */
#include "platform/libvirt/stats.h"

#include <stdlib.h>
#include <string.h>

/* The value of an unsigned parameter (ULLONG or UINT), or -1. */
static int lv_par_u64(const virTypedParameter *p, uint64_t *v)
{
    if (p->type == VIR_TYPED_PARAM_ULLONG) *v = p->value.ul;
    else if (p->type == VIR_TYPED_PARAM_UINT) *v = p->value.ui;
    else return -1;
    return 0;
}

/* "vcpu.N.FIELD": N into *idx and the FIELD's LV_HAVE_ bit, else 0. */
static unsigned lv_par_vcpu(const char *name, int *idx)
{
    if (strncmp(name, "vcpu.", 5) != 0) return 0;
    char *end;
    long n = strtol(name + 5, &end, 10);
    if (end == name + 5 || *end != '.' || n < 0 || n > 4096) return 0;
    *idx = (int)n;
    if (strcmp(end, ".time") == 0) return LV_HAVE_VCPU;
    if (strcmp(end, ".wait") == 0) return LV_HAVE_WAIT;
    if (strcmp(end, ".delay") == 0) return LV_HAVE_DELAY;
    return 0;
}

/* Adds vcpu.N.FIELD to its sum; counts the vCPUs that had each field. */
static void lv_stats_vcpu(struct lv_stats *st, unsigned field, uint64_t v, int counts[3])
{
    if (field == LV_HAVE_VCPU) st->vcpu_ns += v, counts[0]++;
    else if (field == LV_HAVE_WAIT) st->wait_ns += v, counts[1]++;
    else st->delay_ns += v, counts[2]++;
}

int lv_stats_parse(const virTypedParameter *par, int npar, struct lv_stats *st)
{
    memset(st, 0, sizeof *st);
    int counts[3] = { 0, 0, 0 }, split = 0, idx;
    uint64_t v;
    for (int i = 0; i < npar; i++) {
        const char *name = par[i].field;
        if (lv_par_u64(&par[i], &v)) continue;
        unsigned field = lv_par_vcpu(name, &idx);
        if (field) lv_stats_vcpu(st, field, v, counts);
        else if (strcmp(name, "cpu.time") == 0) st->cpu_ns = v, st->have |= LV_HAVE_CPU;
        else if (strcmp(name, "cpu.user") == 0) st->user_ns = v, split |= 1;
        else if (strcmp(name, "cpu.system") == 0) st->system_ns = v, split |= 2;
        else if (strcmp(name, "vcpu.current") == 0) st->nvcpu = (int)v;
    }
    if (split == 3) st->have |= LV_HAVE_SPLIT;
    static const unsigned bit[3] = { LV_HAVE_VCPU, LV_HAVE_WAIT, LV_HAVE_DELAY };
    for (int k = 0; k < 3; k++)
        if (st->nvcpu > 0 && counts[k] == st->nvcpu) st->have |= bit[k];
    if (!(st->have & LV_HAVE_VCPU)) st->vcpu_ns = 0;
    if (st->have & LV_HAVE_CPU && st->have & LV_HAVE_VCPU)
        st->emulator_ns = st->cpu_ns > st->vcpu_ns ? st->cpu_ns - st->vcpu_ns : 0;
    return st->have & LV_HAVE_CPU ? 0 : -1;
}
