/* roff.h — writing text into a man page (roff) safely: the manual pages
 * hostmix generates from its own tables (hostmix-job(5) from the job
 * option table) must render whatever a help string holds. */
#ifndef HOSTMIX_ROFF_H
#define HOSTMIX_ROFF_H

#include <stdio.h>

/* Writes s to f as roff running text: a backslash becomes \e, a hyphen
 * \- (so option names and ranges copy and paste as typed), and a '.' or
 * '\'' that would start a line is guarded with \& so it is not read as a
 * request.  Newlines in s are written as spaces. */
void roff_puts(FILE *f, const char *s);

#endif
