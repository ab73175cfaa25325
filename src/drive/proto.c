/* proto.c — the protocol clients, found by the name of the role they
 * drive; see proto.h.  A new driven role's client is one line here. */
#include "drive/proto.h"
#include "roles/role.h"
#include "core/strvec.h"

#include <string.h>

static const struct drive_proto *const drive_protos[] = {
    &drive_proto_idle, &drive_proto_web, &drive_proto_imap, &drive_proto_app, NULL,
};

const char *drive_proto_list(void)
{
    static char *list;              /* made once, kept for the process */
    if (!list) {
        struct strvec names = STRVEC_INIT;
        for (int i = 0; drive_protos[i]; i++) strvec_push(&names, drive_protos[i]->name);
        list = strvec_join(&names, ", ");
        strvec_clear(&names);
    }
    return list;
}

const struct drive_proto *drive_proto_for(int role)
{
    if (role < 0 || role >= ROLE_COUNT) return NULL;
    for (int i = 0; drive_protos[i]; i++)
        if (strcmp(drive_protos[i]->name, role_names[role]) == 0) return drive_protos[i];
    return NULL;
}
