#!/usr/bin/env bash
# The Debian package: built with dpkg-buildpackage from a copy of the tree
# (build directories left out; the tree itself is not touched; nocheck:
# make test has run the unit tests debian/rules would run), lintian
# reports no error, and `apt-get install ./hostmix_*.deb` in a throw-away
# Debian root made by mmdebstrap fetches what dh_shlibdeps computed and
# gives a hostmix whose --version and `check` of the installed quick
# example work there.  The root lives in $TMP; /proc is mounted in a
# private mount namespace, so nothing stays mounted when the test ends.
# Prints how long each step took (mmdebstrap is the slow one).
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
for t in dpkg-buildpackage dh lintian mmdebstrap unshare; do
    command -v "$t" >/dev/null || skip_all deb "$t is missing (scripts/deps.sh test)"
done
[ "$(id -u)" = 0 ] || skip_all deb "needs root for the chroot"
getent hosts deb.debian.org >/dev/null || skip_all deb "deb.debian.org does not resolve"
chroot_dir=$TMP/root
umount_all() { # nothing may stay mounted below $TMP before lib.sh removes it
    local m
    for m in $(awk -v t="$TMP" 'index($2, t) == 1 {print $2}' /proc/mounts | sort -r); do
        umount -l "$m"
    done
}
trap 'umount_all; _cleanup; exit $_failed' EXIT
t0=$(date +%s)
step() { echo "  $1: $(( $(date +%s) - t0 )) s"; t0=$(date +%s); }

# A copy of the tree without build output, built there.
before=$(cd "$root" && ls -A | xargs)
mkdir -p "$TMP/src/hostmix"
tar -C "$root" --exclude=./build --exclude='./build-*' --exclude=./hostmix \
    --exclude=./results --exclude=./.git -cf - . | tar -C "$TMP/src/hostmix" -xf -
check_eq copy_has_no_build "$(cd "$TMP/src/hostmix" && ls -d build build-* hostmix results 2>/dev/null)" ""
(cd "$TMP/src/hostmix" && DEB_BUILD_OPTIONS="parallel=2 nocheck" dpkg-buildpackage -us -uc -b) \
    >"$TMP/build.log" 2>&1
rc=$?
check_eq deb_builds "$rc" 0
[ "$rc" = 0 ] || tail -15 "$TMP/build.log" | sed 's/^/  build: /'
step dpkg-buildpackage
deb=$(ls "$TMP"/src/hostmix_*_*.deb 2>/dev/null | head -1)
check deb_exists test -s "$deb"
check_eq tree_untouched "$(cd "$root" && ls -A | xargs)" "$before"
[ -s "$deb" ] || exit 1

dpkg-deb -c "$deb" | awk '{print $6}' >"$TMP/files"
for f in ./usr/bin/hostmix ./usr/share/hostmix/examples/quick.ini \
         ./usr/share/man/man1/hostmix.1.gz ./usr/share/man/man5/hostmix-job.5.gz \
         ./usr/share/bash-completion/completions/hostmix ./usr/share/doc/hostmix/copyright; do
    check "deb_has_${f##*/}" grep -qx -- "$f" "$TMP/files"
done
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libpq5 libnfs13 libsqlite3-0 libtirpc3 libmnl0 libc6; do
    check "deb_depends_$lib" grep -q "$lib" <<<"$depends"
done
lintian "$TMP"/src/hostmix_*.changes >"$TMP/lintian" 2>&1
check_eq lintian_no_errors "$(grep '^E: ' "$TMP/lintian" | head -3)" ""
grep '^[WI]: ' "$TMP/lintian" | sed 's/^/  lintian: /'
step lintian

# A minimal Debian root (essential packages and apt), package lists kept
# so apt can fetch the package's dependencies at once.
mmdebstrap --quiet --variant=apt --skip=cleanup/apt/lists bookworm "$chroot_dir" \
    >"$TMP/mmdebstrap.log" 2>&1
rc=$?
check_eq mmdebstrap "$rc" 0
[ "$rc" = 0 ] || { tail -5 "$TMP/mmdebstrap.log" | sed 's/^/  mmdebstrap: /'; exit 1; }
step mmdebstrap
cp "$deb" "$chroot_dir/tmp/"
in_root() { # CMD...: runs CMD in the root, cwd /, with its own /proc
    unshare --mount --propagation private --pid --fork --mount-proc="$chroot_dir/proc" \
        chroot "$chroot_dir" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
        DEBIAN_FRONTEND=noninteractive "$@"
}
in_root apt-get install -y -q --no-install-recommends "./tmp/${deb##*/}" >"$TMP/apt.log" 2>&1
rc=$?
check_eq apt_installs_deb "$rc" 0
[ "$rc" = 0 ] || tail -8 "$TMP/apt.log" | sed 's/^/  apt: /'
step apt-get-install
check_eq installed_version "$(in_root hostmix --version 2>&1)" "$("$HOSTMIX" --version)"
in_root hostmix check /usr/share/hostmix/examples/quick.ini >"$TMP/check.out" 2>&1
check_eq installed_check_exit0 "$?" 0
check installed_check_resolves grep -q "experiment quick from /usr/share/hostmix/examples/quick.ini" \
    "$TMP/check.out"
check_eq installed_finds_examples "$(in_root hostmix help | sed -n 's/^Example jobs: //p')" \
    /usr/share/hostmix/examples
check_eq nothing_mounted "$(awk -v t="$TMP" 'index($2, t) == 1' /proc/mounts)" ""
