#!/usr/bin/env bash
# Rebuilds the two bundled example images of the orders service, without a
# daemon: the Go binary with Debian's Go (CGO_ENABLED=0, static), the image
# with umoci, the archive with tar. Needs root (umoci unpack), go, umoci.
#
#   orders-1.0.oci.tar  the fixed image: /app/orders (static), /tmp 1777,
#                       USER 65532, EXPOSE 8080
#   orders-1.1.oci.tar  the same plus what a single-stage build leaves
#                       behind: a Go build cache under /root/.cache/go-build
#                       (20 MB) — the size budget's incident
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=1700000000

(cd "$here/.." && CGO_ENABLED=0 GOFLAGS=-trimpath go build -ldflags '-s -w -buildid=' -o "$work/orders" .)

make_image() { # TAG EXTRA-SETUP-FUNCTION
  local tag=$1 extra=$2 layout=$work/layout-$1
  umoci init --layout "$layout"
  umoci new --image "$layout:$tag"
  umoci unpack --rootless --image "$layout:$tag" "$work/bundle-$tag" >/dev/null
  local root=$work/bundle-$tag/rootfs
  mkdir -p "$root/app" "$root/tmp"
  chmod 1777 "$root/tmp"
  install -m 0755 "$work/orders" "$root/app/orders"
  "$extra" "$root"
  umoci repack --image "$layout:$tag" --history.created_by "COPY orders /app/orders" "$work/bundle-$tag"
  umoci config --image "$layout:$tag" --config.user 65532:65532 \
    --config.entrypoint /app/orders --config.exposedports 8080/tcp \
    --config.env TMPDIR=/tmp --history.created_by 'USER 65532:65532'
  umoci gc --layout "$layout"
  tar -C "$layout" --sort=name --mtime=@1700000000 --owner=0 --group=0 -cf "$here/orders-$tag.oci.tar" .
}

nothing() { :; }
go_cache() {
  local root=$1
  mkdir -p "$root/root/.cache/go-build"
  for i in $(seq -w 0 19); do
    mkdir -p "$root/root/.cache/go-build/$i"
    head -c 1000000 /dev/zero > "$root/root/.cache/go-build/$i/$i-d"
  done
}

make_image 1.0 nothing
make_image 1.1 go_cache
ls -l "$here"/*.oci.tar
