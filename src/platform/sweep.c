/* sweep.c — removes what runs killed outright left behind, whatever
 * their platform: every run calls plat_sweep_dead before its platform's
 * prepare, so a native run also clears a dead container or vm run's
 * state and the other way round.  Only entries named after a pid that is
 * no live process are touched, and no symlink is followed (fs_sweep_dead,
 * fs_rmtree). */
#include "platform/platform.h"
#include "platform/cgroup.h"
#include "platform/net.h"
#include "core/log.h"

void plat_sweep_dead(const char *proc_root)
{
    for (int i = 0; plat_registry[i]; i++)
        if (plat_registry[i]->sweep) plat_registry[i]->sweep(proc_root);
    if (net_sweep_stale(NET_PREFIX) > 0) log_info("removed links of runs that no longer exist");
    char base[512], why[512];
    if (meas_cg_detect(proc_root, base, sizeof base, why, sizeof why) == 0)
        cg_sweep_stale(proc_root, base);
}
