#!/usr/bin/env bash
# Boots a real pure cgroup v2 kernel (Debian 12's linux-image-6.1.*-amd64)
# under qemu and runs Plimsoll's node scenario in it: `plimsoll node doctor`
# on the VM, then `plimsoll node watch` on a cgroup driven over memory.high
# and into an OOM kill at memory.max (scripts/qemu-v2/scenario.sh).
#
#   scripts/qemu-v2.sh PLIMSOLL_BIN
#
# PLIMSOLL_BIN is the binary cargo builds (target/debug/plimsoll): its ELF
# loader and the libraries ldd resolves for it here (glibc, libgcc_s) are
# copied into the initramfs at the same paths. A statically linked one
#   RUSTFLAGS='-C target-feature=+crt-static' \
#     cargo build -p plimsoll --target x86_64-unknown-linux-gnu
# runs as it is.
#
# Standard output is the VM's serial console (carriage returns removed),
# streamed while the VM runs; progress and errors go to stderr. The scenario
# prints its findings between PLIMSOLL_*_BEGIN/_END markers (documented in
# scripts/qemu-v2/scenario.sh) and /init ends with PLIMSOLL_SCENARIO_EXIT=N
# (qemu does not pass the guest's status out). Exit status:
#   0  the scenario ran and every expectation held
#   1  the scenario ran and printed PLIMSOLL_CHECK_FAILED lines
#   2  usage error or a prerequisite is missing (apt, gcc, binutils)
#   3  the VM did not reach the end of the scenario (timeout, crash)
#
# What it fetches, once, into ${PLIMSOLL_QEMU_CACHE:-$HOME/.cache/plimsoll/qemu}/v1
# (about 90 MB, ~10 s; later runs skip it): qemu-system-x86 and the packages
# `apt-get install -s --no-install-recommends` says it needs, the kernel
# linux-image-amd64 points to (only its /boot is unpacked), busybox-static
# and cpio, with `apt-get download` and `dpkg-deb -x` into the cache. Nothing
# is installed on this machine: `apt-get install qemu-system-x86` would
# remove Debian's preinstalled qemu-utils (see /work/shared/ENVIRONMENT.md).
# qemu runs with LD_LIBRARY_PATH into the cache. Runs `apt-get update` only
# when apt does not know the packages or cannot download them. Concurrent runs share the cache under
# a lock.
#
# Each run builds a fresh initramfs (busybox, the stripped PLIMSOLL_BIN and
# its libraries, the hog of scripts/qemu-v2/hog.c compiled with
# `gcc -static` and cached by the hash of its source, scripts/qemu-v2/init
# and scenario.sh), then boots
#   qemu-system-x86_64 -machine q35,accel=tcg -cpu qemu64 -m 512 -smp 2 ...
# (software emulation: guests hang under KVM on these machines) under
# `timeout ${PLIMSOLL_QEMU_TIMEOUT:-600}`. A warm run takes about 10 s.
set -Eeuo pipefail
umask 022

die() { echo "qemu-v2.sh: $*" >&2; exit 2; }
# Any other failing command is a setup failure too (status 2, not 1).
on_err() { echo "qemu-v2.sh: line $1: $2 failed" >&2; exit 2; }
trap 'on_err $LINENO "$BASH_COMMAND"' ERR

[ $# -eq 1 ] || die "usage: scripts/qemu-v2.sh PLIMSOLL_BIN (target/debug/plimsoll, or a static build)"
bin=$1
if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then die "$bin: not an executable file"; fi
here=$(cd "$(dirname "$0")" && pwd)
assets=$here/qemu-v2
cache=${PLIMSOLL_QEMU_CACHE:-$HOME/.cache/plimsoll/qemu}/v1
timeout_s=${PLIMSOLL_QEMU_TIMEOUT:-600}

for tool in gcc readelf strip apt-get apt-cache dpkg-deb flock gzip timeout; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (Debian: gcc, binutils, apt, dpkg, util-linux, gzip, coreutils)"
done
# A dynamically linked binary brings its loader and libraries (as ldd
# resolves them on this machine) into the initramfs at the same paths.
libs=()
if readelf -lW "$bin" | grep -q 'Requesting program interpreter'; then
  command -v ldd >/dev/null 2>&1 || die "$bin is dynamically linked and ldd is missing"
  ldd_out=$(ldd "$bin") || die "ldd $bin failed"
  if grep -q 'not found' <<<"$ldd_out"; then die "ldd $bin: $ldd_out"; fi
  mapfile -t libs < <(grep -o '/[^ ]*' <<<"$ldd_out" | sort -u)
  [ ${#libs[@]} -gt 0 ] || die "ldd $bin named no libraries"
fi

mkdir -p "$cache" || die "cannot create the cache directory $cache (PLIMSOLL_QEMU_CACHE)"
root=$cache/root

fetch() {
  local start=$SECONDS kernel_pkg pkgs tmp deb
  kernel_pkg=$(apt-cache depends linux-image-amd64 2>/dev/null \
    | awk '$1 == "Depends:" && $2 ~ /^linux-image-6\.1\..*-amd64$/ { print $2; exit }')
  if [ -z "$kernel_pkg" ] || ! apt-cache show qemu-system-x86 >/dev/null 2>&1; then
    echo "qemu-v2.sh: apt does not know the packages yet: apt-get update" >&2
    apt-get update -q >&2 || die "apt-get update failed"
    kernel_pkg=$(apt-cache depends linux-image-amd64 2>/dev/null \
      | awk '$1 == "Depends:" && $2 ~ /^linux-image-6\.1\..*-amd64$/ { print $2; exit }')
  fi
  [ -n "$kernel_pkg" ] || die "apt has no linux-image-6.1.*-amd64 (is this Debian 12?)"
  # What installing qemu would bring in (Inst lines only: nothing that is
  # removed or configured matters to a private copy).
  pkgs=$( { echo qemu-system-x86; echo busybox-static; echo cpio
            apt-get install -s --no-install-recommends qemu-system-x86 busybox-static cpio 2>/dev/null \
              | awk '$1 == "Inst" { print $2 }'; } | sort -u)
  # Under the lock: what an interrupted fetch left behind can go.
  rm -rf "$cache"/fetch.*
  tmp=$cache/fetch.$$
  mkdir -p "$tmp/debs" "$tmp/root"
  echo "qemu-v2.sh: downloading $kernel_pkg and $(echo "$pkgs" | wc -l) packages into $cache" >&2
  # shellcheck disable=SC2086
  if ! (cd "$tmp/debs" && apt-get download -q -o APT::Sandbox::User=root $pkgs "$kernel_pkg" >&2); then
    # Stale package lists name versions the mirror no longer has.
    echo "qemu-v2.sh: apt-get download failed; apt-get update and once more" >&2
    apt-get update -q >&2 || { rm -rf "$tmp"; die "apt-get update failed"; }
    (cd "$tmp/debs" && apt-get download -q -o APT::Sandbox::User=root $pkgs "$kernel_pkg" >&2) \
      || { rm -rf "$tmp"; die "apt-get download failed"; }
  fi
  for deb in "$tmp"/debs/*.deb; do
    case $(basename "$deb") in
      linux-image-*)
        dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp/root" ./boot ;;
      *)
        dpkg-deb -x "$deb" "$tmp/root" ;;
    esac
  done
  local kernels=("$tmp"/root/boot/vmlinuz-6.1.*-amd64)
  [ -f "${kernels[0]}" ] || { rm -rf "$tmp"; die "no vmlinuz in $kernel_pkg"; }
  local f
  for f in usr/bin/qemu-system-x86_64 bin/busybox bin/cpio; do
    [ -x "$tmp/root/$f" ] || { rm -rf "$tmp"; die "the packages lack /$f"; }
  done
  ls "$tmp/debs" > "$tmp/root/PACKAGES"
  echo "${kernels[0]#"$tmp/root/"}" > "$tmp/root/KERNEL"
  rm -rf "$tmp/debs" "$root"
  mv "$tmp/root" "$root"
  rmdir "$tmp"
  touch "$root/.complete"
  echo "qemu-v2.sh: fetched and unpacked in $((SECONDS - start)) s ($(du -sh "$root" | cut -f1))" >&2
}

(
  flock 9
  [ -f "$root/.complete" ] || fetch
) 9> "$cache/.lock"
[ -f "$root/.complete" ] || die "the qemu cache at $root is incomplete"
vmlinuz=$root/$(cat "$root/KERNEL")

# The hog, cached by the hash of its source.
hog_sum=$(sha256sum "$assets/hog.c" | cut -c1-16)
hog=$cache/hog-$hog_sum
if [ ! -x "$hog" ]; then
  gcc -static -O2 -Wall -o "$hog.$$" "$assets/hog.c" \
    || die "gcc -static failed on $assets/hog.c (needs libc6-dev's libc.a)"
  mv "$hog.$$" "$hog"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/plimsoll-qemu-v2.XXXXXX")
trap 'rm -rf "$work"' EXIT
rd=$work/initramfs
mkdir -p "$rd/bin"
cp "$root/bin/busybox" "$rd/bin/busybox"
strip -o "$rd/bin/plimsoll" "$bin"
cp "$hog" "$rd/bin/hog"
for lib in "${libs[@]}"; do
  mkdir -p "$rd$(dirname "$lib")"
  cp -L "$lib" "$rd$lib"
done
cp "$assets/init" "$rd/init"
cp "$assets/scenario.sh" "$rd/scenario.sh"
chmod 0755 "$rd/init" "$rd/scenario.sh" "$rd/bin/"*
(cd "$rd" && find . | LD_LIBRARY_PATH=$root/usr/lib/x86_64-linux-gnu \
   "$root/bin/cpio" -o -H newc -R 0:0 --quiet) | gzip -1 > "$work/initramfs.gz"

echo "qemu-v2.sh: booting $(basename "$vmlinuz") (TCG, timeout ${timeout_s} s)" >&2
start=$SECONDS
trap - ERR
set +e
LD_LIBRARY_PATH=$root/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} \
  timeout "$timeout_s" "$root/usr/bin/qemu-system-x86_64" \
  -L "$root/usr/share/qemu" -L "$root/usr/share/seabios" \
  -machine q35,accel=tcg -cpu qemu64 -m 512 -smp 2 \
  -nodefaults -nographic -serial stdio -net none -no-reboot \
  -kernel "$vmlinuz" -initrd "$work/initramfs.gz" \
  -append 'console=ttyS0 panic=-1 quiet' < /dev/null 2> "$work/qemu.err" \
  | sed -u 's/\r$//' | tee "$work/serial.log"
qemu_rc=${PIPESTATUS[0]}
set -e
trap 'on_err $LINENO "$BASH_COMMAND"' ERR
echo "qemu-v2.sh: the VM ran for $((SECONDS - start)) s (qemu exit $qemu_rc)" >&2

status=$(sed -n 's/^PLIMSOLL_SCENARIO_EXIT=\([0-9]*\)$/\1/p' "$work/serial.log" | tail -n 1)
if [ -z "$status" ]; then
  echo "qemu-v2.sh: the VM did not finish the scenario (qemu exit $qemu_rc; 124 is the timeout)" >&2
  cat "$work/qemu.err" >&2
  exit 3
fi
if [ "$status" != 0 ]; then
  echo "qemu-v2.sh: the scenario failed (PLIMSOLL_SCENARIO_EXIT=$status):" >&2
  grep '^PLIMSOLL_CHECK_FAILED' "$work/serial.log" >&2 || true
  exit 1
fi
