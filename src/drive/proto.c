/* proto.c — the table from driven role to protocol client; see proto.h. */
#include "drive/proto.h"
#include "job/job.h"

const struct drive_proto *drive_proto_for(int role)
{
    switch (role) {
    case ROLE_IDLE: return &drive_proto_idle;
    case ROLE_WEB:  return &drive_proto_web;
    case ROLE_IMAP: return &drive_proto_imap;
    case ROLE_APP:  return &drive_proto_app;
    default:        return NULL;
    }
}
