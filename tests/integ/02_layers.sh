#!/usr/bin/env bash
# The architecture of src/ as docs/architecture.md draws it: no include or
# call circle between files or folders, every folder uses only the folders
# below it (layers.py, from the #include lines and the built objects' symbols),
# and no role is switched on outside roles/.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
objs=$(dirname "$HOSTMIX")/src
[ -d "$objs" ] || skip_all layers "no objects beside $HOSTMIX"
if python3 "$root/tests/integ/layers.py" "$root/src" "$objs" >"$TMP/layers" 2>&1; then
    ok layers_no_circles
else
    fail layers_no_circles "$(head -5 "$TMP/layers")"
fi
# The checker itself sees a circle: a copy of src/ where report/ includes run/.
cp -r "$root/src" "$TMP/src"
sed -i '1a #include "run/run.h"' "$TMP/src/report/tstr.c"
python3 "$root/tests/integ/layers.py" "$TMP/src" - >"$TMP/planted" 2>&1
check_eq layers_sees_planted_circle "$(grep -c 'report/ uses run/' "$TMP/planted")" 1
cases=$(grep -rnE 'case ROLE_[A-Z]+|== ROLE_(WEB|IMAP|APP|DB|NFS|IDLE)\b' "$root/src" --include='*.c' | grep -v '/src/roles/' || true)
check_eq no_role_switch_outside_roles "$cases" ""
exit $_failed
