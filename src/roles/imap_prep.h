/* imap_prep.h — `hostmix prepare imap`: users and their maildirs. */
#ifndef HOSTMIX_IMAP_PREP_H
#define HOSTMIX_IMAP_PREP_H

#include <stdint.h>

/* Entry point of `hostmix prepare imap` (argv after "prepare"). */
int imap_prepare(int argc, char **argv);

/* The size of a generated message: lognormal with median 4 KiB and mean
 * about 20 KiB, clamped to [512 B, 1 MiB].  u1, u2 are uniform in (0,1). */
uint64_t imap_prep_size(double u1, double u2);

#endif
