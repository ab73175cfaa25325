/* init.h — `hostmix guest-init`: hostmix as PID 1 of a guest.
 *
 * The initramfs holds hostmix as /init.  It mounts /proc, /sys, /dev and
 * /tmp, loads the modules listed in /modules/load.list, configures lo
 * and eth0 and mounts the data disk as the kernel command line says
 * (guest/gcfg.h), starts `hostmix serve ...` from the same binary, reaps
 * children, answers the agent channel (guest/agent.h) and powers the
 * guest off when the server exits or the host asks. */
#ifndef HOSTMIX_GUEST_INIT_H
#define HOSTMIX_GUEST_INIT_H

/* The guest-init command.  As PID 1 it never returns; run as any other
 * process it refuses (returns 2). */
int guest_init_cmd(int argc, char **argv);

/* Where the modules and their load order are in the initramfs. */
#define GUEST_MODULES_DIR "/modules"
#define GUEST_MODULES_LIST "/modules/load.list"

#endif
