#!/usr/bin/env bash
# scripts/deps.sh — installs the Debian packages hostmix needs, skipping
# those already present, and says what it installs.
#
#   scripts/deps.sh build   compiler and libraries (SQLite, libpq, libnfs,
#                           libtirpc, libmnl, libcrypto, libvirt) to build
#                           ./hostmix
#   scripts/deps.sh test    build + the real clients the tests use (curl,
#                           python3, psql, libnfs-utils, wrk, clang for fuzz
#                           targets, PostgreSQL server for app-vs-postgres
#                           and db's real server, dovecot for imap's real
#                           server (docs/real-servers.md),
#                           QEMU, qemu-img, mke2fs and cpio for the vm platform,
#                           linux-perf for the [profile] collectors;
#                           the guest kernel itself comes from the archive
#                           through apt-get download at run time; crun and
#                           runc for the container platform; libvirtd and
#                           virsh for the libvirt platform; xmllint and
#                           headless Chromium for the HTML report's tests;
#                           man-db, groff-base and bash-completion for the
#                           installed manual and completion; debhelper,
#                           dpkg-dev, fakeroot, lintian and mmdebstrap to
#                           build the .deb and install it in a fresh root)
#   scripts/deps.sh bench   test + the peers benchmarks compare against
#                           (jansson; nginx and dovecot are in test)
#   scripts/deps.sh package build + what makes the Debian package and the
#                           installed manual (debhelper, dpkg-dev, fakeroot,
#                           lintian, groff-base for `make man`, bash-completion
#                           for its directory, mmdebstrap for the root the
#                           package test installs into)
#   scripts/deps.sh list [GROUP]   print the packages of a group and exit
set -eu
group=${1:-build}

build_pkgs="gcc make pkg-config libsqlite3-dev libpq-dev libnfs-dev libtirpc-dev libmnl-dev libssl-dev libvirt-dev"
test_pkgs="$build_pkgs clang libclang-rt-14-dev curl python3 postgresql-client postgresql libnfs-utils wrk iproute2 procps psmisc netcat-openbsd nginx-light qemu-system-x86 qemu-utils e2fsprogs cpio bc crun runc util-linux libxml2-utils chromium linux-perf man-db groff-base bash-completion debhelper dpkg-dev fakeroot lintian mmdebstrap libvirt-daemon-system libvirt-clients dovecot-core dovecot-imapd"
bench_pkgs="$test_pkgs libjansson-dev"
package_pkgs="$build_pkgs debhelper dpkg-dev fakeroot lintian groff-base bash-completion mmdebstrap"

case "$group" in
    build) want=$build_pkgs ;;
    test)  want=$test_pkgs ;;
    bench) want=$bench_pkgs ;;
    package) want=$package_pkgs ;;
    list)  eval "echo \$${2:-build}_pkgs"; exit 0 ;;
    *) echo "usage: $0 build|test|bench|package|list [GROUP]" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

echo "hostmix deps ($group): installing:$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
    echo "hostmix deps: not root; install these packages yourself:$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
stamp=/var/lib/apt/periodic/hostmix-update
if [ ! -e "$stamp" ] || [ -z "$(find "$stamp" -mmin -360 2>/dev/null)" ]; then
    apt-get update -qq >&2
    mkdir -p "$(dirname "$stamp")" && touch "$stamp"
fi
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >&2
# Package post-install scripts may start services we do not want running.
for svc in nginx dovecot postgresql; do
    case "$missing" in *"$svc"*)
        systemctl stop "$svc" >/dev/null 2>&1 || service "$svc" stop >/dev/null 2>&1 || true ;;
    esac
done
# libvirt's default network (virbr0, 192.168.122.0/24 and its firewall
# rules) is not wanted: hostmix makes its own bridge per run.
case "$missing" in *libvirt-daemon-system*)
    rm -f /etc/libvirt/qemu/networks/autostart/default.xml
    virsh -q net-destroy default >/dev/null 2>&1 || true ;;
esac
echo "hostmix deps ($group): done" >&2
