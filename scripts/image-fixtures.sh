#!/usr/bin/env bash
# Builds the real container images the image gate's tests read, from real
# binaries, and records what happens when podman runs each of them.
#
#   scripts/image-fixtures.sh [--bench]
#
# Output directory: ${PLIMSOLL_FIXTURES:-$HOME/.cache/plimsoll/fixtures}/v1,
# printed as the last line of stdout (everything else goes to stderr):
#   NAME.docker.tar  docker-archive (RepoTags docker.io/plimsoll-fixture/NAME:latest)
#   NAME.oci.tar     oci-archive (tag latest)
#   NAME.oci/        OCI image layout (tag latest)
#   fixtures.json    every fixture: expected outcome, description, paths
#   ground-truth.json  what `podman run` (runc, --network=none) really did
#   bench.json, bench-*.docker.tar   only with --bench (large images)
#
# Idempotent: the outputs are keyed on a hash of this script and of
# scripts/fixtures/; when nothing changed a run takes well under a second.
# Debootstrap rootfs tarballs (bookworm, bullseye; minbase) are cached in
# the same directory. Needs root and, on Debian 12:
#   apt-get install -y podman buildah skopeo umoci runc docker-registry \
#       golang-go musl-tools debootstrap
# Container storage is private to the cache directory (overlay driver); the
# system's podman storage is never used, and the build runs in a private
# mount namespace whose /var/lib/containers is a directory of the cache.
set -euo pipefail
umask 022

# Everything but the final line goes to stderr.
exec 3>&1 1>&2

RECIPE=v1
SCRIPT=$(readlink -f "${BASH_SOURCE[0]}")
SRC=$(dirname "$SCRIPT")/fixtures
BASE=${PLIMSOLL_FIXTURES:-${HOME:-/root}/.cache/plimsoll/fixtures}
mkdir -p "$BASE"
BASE=$(cd "$BASE" && pwd -P)
OUT=$BASE/$RECIPE

BENCH=0
for arg in "$@"; do
  case $arg in
    --bench) BENCH=1 ;;
    -h | --help) sed -n '2,24p' "$SCRIPT" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "image-fixtures: unknown argument: $arg (usage: $0 [--bench])"; exit 2 ;;
  esac
done

T0=$SECONDS
log() { printf 'image-fixtures: [%3ds] %s\n' $((SECONDS - T0)) "$*"; }
die() { printf 'image-fixtures: error: %s\n' "$*"; exit 1; }

# name|expected|description
FIXTURES=(
  "static-go-scratch|runs|Static Go binary (CGO_ENABLED=0) on scratch, USER 65532, entrypoint /app/server"
  "cgo-go-scratch|fails|cgo Go binary, dynamic against glibc, on scratch: no ELF interpreter /lib64/ld-linux-x86-64.so.2"
  "cgo-go-bookworm|runs|cgo Go binary (glibc dynamic, needs GLIBC_2.32 and GLIBC_2.34) on a Debian 12 debootstrap rootfs (glibc 2.36); layers: rootfs, /app"
  "cgo-go-bullseye|fails|cgo Go binary built on Debian 12 (needs GLIBC_2.32 and GLIBC_2.34) on a Debian 11 rootfs (glibc 2.31): the loader reports version GLIBC_2.32/GLIBC_2.34 not found"
  "musl-dyn-bookworm|fails|musl-gcc dynamic C binary on Debian 12: no /lib/ld-musl-x86_64.so.1"
  "musl-dyn-loader|runs|musl-gcc dynamic C binary on scratch plus the musl loader (/lib/ld-musl-x86_64.so.1 symlink to x86_64-linux-musl/libc.so, as the musl package installs it)"
  "crlf-script|fails|Debian 12 + /app/start.sh (0755) with CRLF line endings: interpreter /bin/sh\\r does not exist"
  "noexec-entrypoint|fails|Debian 12 + static binary /app/server with mode 0644: permission denied"
  "bloated-go|runs|Single-stage Go image: Debian 12 + Go SDK in /usr/local/go, module cache /root/go/pkg/mod, build cache /root/.cache/go-build, apt lists, an overwritten file, a whiteout, an opaque whiteout, static /app/server"
  "umoci-layout|runs|OCI layout made by umoci (init/new/unpack/repack/config): static binary at /app/server; unreferenced blobs and manifests without mediaType kept"
)
LAYOUT_ONLY=" umoci-layout "

fixture_names() { local f; for f in "${FIXTURES[@]}"; do echo "${f%%|*}"; done; }

# The outputs one fixture must have.
fixture_outputs() {
  local n=$1
  if [[ $LAYOUT_ONLY == *" $n "* ]]; then
    echo "$OUT/$n.oci/index.json"
  else
    echo "$OUT/$n.docker.tar"
    echo "$OUT/$n.oci.tar"
    echo "$OUT/$n.oci/index.json"
  fi
}

BENCH_OUTPUTS=("$OUT/bench-bookworm.docker.tar" "$OUT/bench-bloated-go.docker.tar" "$OUT/bench-bloated-go-nocleanup.docker.tar" "$OUT/bench.json")

recipe_key() {
  {
    echo "recipe $RECIPE"
    sha256sum <"$SCRIPT"
    (cd "$SRC" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
  } | sha256sum | cut -d' ' -f1
}

main_cached() {
  [ "$(cat "$OUT/.stamp" 2>/dev/null)" = "$KEY" ] || return 1
  [ -f "$OUT/fixtures.json" ] && [ -f "$OUT/ground-truth.json" ] || return 1
  local n p
  for n in $(fixture_names); do
    for p in $(fixture_outputs "$n"); do [ -e "$p" ] || return 1; done
  done
}

bench_cached() {
  [ "$(cat "$OUT/.bench-stamp" 2>/dev/null)" = "$KEY" ] || return 1
  local p
  for p in "${BENCH_OUTPUTS[@]}"; do [ -e "$p" ] || return 1; done
}

mkdir -p "$OUT"
KEY=$(recipe_key)
if main_cached && { [ $BENCH = 0 ] || bench_cached; }; then
  log "cached ($KEY)"
  echo "$OUT" >&3
  exit 0
fi

# ---------------------------------------------------------------- checks
[ "$(id -u)" = 0 ] || die "must run as root (podman/buildah with overlay storage and runc)"
for t in podman buildah skopeo umoci runc go gcc musl-gcc debootstrap tar flock readelf unshare; do
  command -v "$t" >/dev/null || die "missing tool '$t': apt-get install -y podman buildah skopeo umoci runc golang-go musl-tools debootstrap"
done
[ -d "$SRC/go" ] || die "fixture sources not found at $SRC"

# The build runs in a private mount namespace in which /var/lib/containers
# is a directory of the cache: skopeo (as root) keeps its blob info cache in
# /var/lib/containers/cache whatever the storage configuration says, and
# the system's container state must stay untouched.
if [ -z "${PLIMSOLL_FIXTURES_NS:-}" ]; then
  exec unshare --mount --propagation private env PLIMSOLL_FIXTURES_NS=1 bash "$SCRIPT" "$@" >&3 3>&-
fi
if [ -d /var/lib/containers ]; then
  case $BASE/ in
    /var/lib/containers/*) die "the cache directory must not be under /var/lib/containers ($BASE)" ;;
  esac
  mkdir -p "$OUT/containers/varlib"
  mount --bind "$OUT/containers/varlib" /var/lib/containers
else
  # Nothing to bind onto: let writes under /var/lib land in the cache.
  case $BASE/ in
    /var/lib/*) die "the cache directory must not be under /var/lib ($BASE): set PLIMSOLL_FIXTURES" ;;
  esac
  mkdir -p "$OUT/containers/varlib-upper" "$OUT/containers/varlib-work"
  mount -t overlay overlay -o "lowerdir=/var/lib,upperdir=$OUT/containers/varlib-upper,workdir=$OUT/containers/varlib-work" /var/lib
fi

exec 9>"$OUT/.lock"
if ! flock -n 9; then
  log "waiting for another image-fixtures.sh run to finish (lock $OUT/.lock)"
  flock 9
fi
if main_cached && { [ $BENCH = 0 ] || bench_cached; }; then
  log "built meanwhile by another run ($KEY)"
  echo "$OUT" >&3
  exit 0
fi

START=$(date +%s)
WORK=$OUT/work
LOGS=$OUT/logs
ROOTFS=$BASE/rootfs
mkdir -p "$LOGS" "$ROOTFS"

# ---------------------------------------------------- private containers env
CT=$OUT/containers
mkdir -p "$CT/storage" "$CT/run" "$CT/tmp"
driver=overlay
if [ "$(stat -f -c %T "$CT/storage")" = overlayfs ]; then
  driver=vfs # overlay cannot stack on overlay
fi
cat >"$CT/storage.conf" <<EOF
[storage]
driver = "$driver"
graphroot = "$CT/storage"
runroot = "$CT/run"
EOF
cat >"$CT/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$CT/run/events.log"
tmp_dir = "$CT/run/libpod"
static_dir = "$CT/storage/libpod"
volume_path = "$CT/storage/volumes"
EOF
cat >"$CT/registries.conf" <<'EOF'
unqualified-search-registries = []
EOF
cat >"$CT/policy.json" <<'EOF'
{"default": [{"type": "insecureAcceptAnything"}]}
EOF
export CONTAINERS_STORAGE_CONF=$CT/storage.conf
export CONTAINERS_CONF=$CT/containers.conf
export CONTAINERS_REGISTRIES_CONF=$CT/registries.conf
export BUILDAH_ISOLATION=chroot
export TMPDIR=$CT/tmp
POLICY=$CT/policy.json

# Refuse to go on unless podman really uses the private storage.
roots=$(podman info --format '{{.Store.GraphRoot}}|{{.Store.RunRoot}}' 2>"$LOGS/podman-info.err") ||
  die "podman info failed: $(tail -n 5 "$LOGS/podman-info.err")"
[ "$roots" = "$CT/storage|$CT/run" ] || die "podman does not use the private storage (got $roots)"

clean_storage() {
  buildah rm --all >/dev/null 2>&1 || true
  podman rm --all --force >/dev/null 2>&1 || true
  podman rmi --all --force >/dev/null 2>&1 || true
}

# ---------------------------------------------------------------- rootfs
# Mirrors for debootstrap: its default first, then the Debian mirrors this
# machine's apt uses.
debian_mirrors() {
  {
    echo http://deb.debian.org/debian
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while (i < NF && $i !~ /\]$/) i++; i++ }
                         if ($(i + 1) ~ /^(bookworm|bullseye|stable|oldstable)$/) print $i }'
    cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
      awk 'BEGIN { RS = "" } {
             uris = ""; ok = 0; n = split($0, lines, "\n")
             for (j = 1; j <= n; j++) {
               if (lines[j] ~ /^URIs:/) uris = substr(lines[j], 6)
               if (lines[j] ~ /^Suites:/ && lines[j] ~ /[ \t](bookworm|bullseye|stable|oldstable)([ \t]|$)/) ok = 1
             }
             if (ok) { m = split(uris, u, /[ \t]+/); for (k = 1; k <= m; k++) if (u[k] != "") print u[k] }
           }'
  } | sed 's:/*$::' | grep -v -i security | awk '!seen[$0]++'
}

unmount_under() {
  local dir=$1 m
  awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r |
    while read -r m; do umount -l "$m" || true; done
}

# Leaves in $ROOTFS: debootstrap-SUITE-minbase.tar (as debootstrap made it),
# SUITE-clean.tar (apt lists and .deb cache removed, as official images do)
# and SUITE-apt-lists/ (the lists debootstrap downloaded).
ensure_rootfs() {
  local suite=$1 raw=$ROOTFS/debootstrap-$1-minbase.tar clean=$ROOTFS/$1-clean.tar
  local lists=$ROOTFS/$1-apt-lists dir=$ROOTFS/$1.dir logf=$LOGS/debootstrap-$1.log
  if [ -f "$raw" ] && [ -f "$clean" ] && [ -f "$lists/.done" ]; then return 0; fi
  unmount_under "$dir"
  rm -rf "$dir"
  if [ ! -f "$raw" ]; then
    local mirror ok=0
    : >"$logf"
    for mirror in $(debian_mirrors); do
      log "debootstrap --variant=minbase $suite from $mirror"
      if debootstrap --variant=minbase "$suite" "$dir" "$mirror" >>"$logf" 2>&1; then
        ok=1
        break
      fi
      unmount_under "$dir"
      rm -rf "$dir"
    done
    [ $ok = 1 ] || { tail -n 20 "$logf"; die "debootstrap $suite failed with every mirror (log: $logf)"; }
    unmount_under "$dir"
    tar --numeric-owner -C "$dir" -cf "$raw.tmp" . && mv "$raw.tmp" "$raw"
  else
    mkdir -p "$dir"
    tar --numeric-owner -C "$dir" -xpf "$raw"
  fi
  rm -rf "$lists"
  mkdir -p "$lists"
  find "$dir/var/lib/apt/lists" -maxdepth 1 -type f ! -name lock -exec cp -p {} "$lists/" \;
  tar --numeric-owner -C "$dir" \
    --exclude='./var/lib/apt/lists/*_*' --exclude='./var/cache/apt/archives/*.deb' \
    --exclude='./var/cache/apt/*.bin' \
    -cf "$clean.tmp" . && mv "$clean.tmp" "$clean"
  touch "$lists/.done"
  rm -rf "$dir"
  log "rootfs $suite: $(du -h "$raw" | cut -f1) raw, $(du -h "$clean" | cut -f1) clean"
}

# ---------------------------------------------------------------- helpers
# build_image NAME CONTAINERFILE CONTEXT: buildah build, one layer per step.
build_image() {
  local name=$1 file=$2 ctx=$3
  log "building $name"
  if ! buildah build --layers --isolation chroot --pull=never \
    --signature-policy "$POLICY" -f "$file" -t "localhost/plimsoll-build/$name:latest" \
    "$ctx" >"$LOGS/build-$name.log" 2>&1; then
    tail -n 20 "$LOGS/build-$name.log"
    die "building $name failed (log: $LOGS/build-$name.log)"
  fi
}

skopeo_copy() {
  skopeo --policy "$POLICY" copy --quiet "$@" >>"$LOGS/skopeo.log" 2>&1 ||
    { tail -n 10 "$LOGS/skopeo.log"; die "skopeo copy $* failed"; }
}

export_image() {
  local name=$1 src=containers-storage:localhost/plimsoll-build/$1:latest
  rm -rf "$OUT/$name.docker.tar" "$OUT/$name.oci.tar" "$OUT/$name.oci"
  skopeo_copy "$src" "docker-archive:$OUT/$name.docker.tar:plimsoll-fixture/$name:latest"
  skopeo_copy "$src" "oci:$OUT/$name.oci:latest"
  # From the layout, so the gzip layers are reused rather than made again.
  skopeo_copy "oci:$OUT/$name.oci:latest" "oci-archive:$OUT/$name.oci.tar:latest"
}

# run_image NAME REF: copy REF (a transport reference) into the private
# storage and run it once with podman. (skopeo rather than `podman pull`:
# podman 4.3 derives an image name from an oci: path and rejects paths
# such as ~/.cache.)
run_image() {
  local name=$1 ref=$2 d=$WORK/results/$1 rc t0 img=localhost/plimsoll-run/$1:latest
  rm -rf "$d"
  mkdir -p "$d"
  echo "$ref" >"$d/image"
  echo "skopeo copy $ref containers-storage:$img && podman run --rm --network=none --timeout 30 $img" >"$d/command"
  if ! skopeo --policy "$POLICY" copy --quiet "$ref" "containers-storage:$img" >/dev/null 2>"$d/pull.err"; then
    cp "$d/pull.err" "$d/stderr"
    : >"$d/stdout"
    echo 125 >"$d/rc"
    log "run $name: copying $ref into storage failed: $(head -c 300 "$d/pull.err")"
    return 0
  fi
  rc=0
  t0=$(date +%s)
  timeout 60 podman run --rm --network=none --timeout 30 "$img" \
    >"$d/stdout" 2>"$d/stderr" </dev/null || rc=$?
  if [ $(($(date +%s) - t0)) -ge 30 ]; then touch "$d/timedout"; fi
  echo "$rc" >"$d/rc"
  log "run $name: exit $rc $(head -c 160 "$d/stderr" | tr '\n\r' '  ')"
}

go_env() {
  env GOENV=off GOTOOLCHAIN=local GO111MODULE=on GOFLAGS=-mod=mod GOPROXY=off GOSUMDB=off \
    GOPATH="$WORK/host-gopath" GOCACHE="$BASE/host-gocache" "$@"
}

# Hard-link a tree (following symlinks) when possible, copy otherwise.
copy_tree() {
  local from=$1 to=$2
  mkdir -p "$to"
  cp -a -L -l "$from/." "$to/" 2>/dev/null || { rm -rf "$to"; mkdir -p "$to"; cp -a -L "$from/." "$to/"; }
}

# Remove a tree that may hold read-only directories (the Go module cache).
# Only directories are made writable: files may be hard links to the host's.
rm_tree() {
  [ -e "$1" ] || return 0
  find "$1" -type d ! -perm -u+w -exec chmod u+w {} + 2>/dev/null || true
  rm -rf "$1"
}

# ------------------------------------------------------------------ build
build_binaries() {
  local bin=$WORK/bin
  mkdir -p "$bin"
  log "building fixture programs (go $(go env GOVERSION), $(gcc -dumpversion), musl-gcc)"
  (cd "$SRC/tools/fixturetool" && go_env CGO_ENABLED=0 go build -trimpath -o "$bin/fixturetool" .)
  (cd "$SRC/go/static" && go_env CGO_ENABLED=0 go build -trimpath -o "$bin/static-server" .)
  (cd "$SRC/go/cgo" && go_env CGO_ENABLED=1 go build -trimpath -o "$bin/cgo-server" .)
  musl-gcc -O2 -o "$bin/musl-server" "$SRC/c/hello.c"
  # The binaries must be what the fixtures claim.
  readelf -lW "$bin/static-server" | grep -q 'Requesting program interpreter' &&
    die "static-server has an ELF interpreter"
  readelf -lW "$bin/cgo-server" | grep -q 'program interpreter: /lib64/ld-linux-x86-64.so.2' ||
    die "cgo-server is not dynamic against glibc"
  readelf -VW "$bin/cgo-server" | grep -q 'GLIBC_2.34' ||
    die "cgo-server does not need GLIBC_2.34 (built against an older glibc?)"
  readelf -lW "$bin/musl-server" | grep -q 'program interpreter: /lib/ld-musl-x86_64.so.1' ||
    die "musl-server is not dynamic against musl"
  "$bin/static-server" | grep -qx ok || die "static-server does not print ok"
  "$bin/cgo-server" | grep -qx ok || die "cgo-server does not print ok"
}

# The bloated app: built on the host with GOPATH/GOCACHE inside the build
# context, so its module cache and build cache are real ones. Offline: the
# one downloaded module comes from a file:// proxy made here, the other is
# a local replace.
stage_bloated() {
  local b=$WORK/bloated ctx=$WORK/bloated/ctx goroot
  rm_tree "$b"
  mkdir -p "$ctx/src" "$ctx/apt-lists"
  goroot=$(go env GOROOT)
  log "staging bloated-go (SDK from $goroot)"
  copy_tree "$goroot" "$ctx/go"
  cp -r "$SRC/go/bloated" "$SRC/go/greet" "$ctx/src/"
  "$WORK/bin/fixturetool" modproxy "$SRC/go/colors" plimsoll.test/colors v1.0.0 "$b/proxy"
  (
    cd "$ctx/src/bloated"
    export GOPATH=$ctx/gopath GOMODCACHE=$ctx/gopath/pkg/mod GOCACHE=$ctx/go-build
    env GOENV=off GOTOOLCHAIN=local GOFLAGS=-mod=mod GOSUMDB=off GOPROXY="file://$b/proxy" go mod download
    env GOENV=off GOTOOLCHAIN=local GOFLAGS=-mod=mod GOSUMDB=off GOPROXY=off CGO_ENABLED=0 \
      go build -o "$ctx/server" .
  )
  "$ctx/server" | grep -qx ok || die "the bloated app does not print ok"
  cp -p "$ROOTFS/bookworm-apt-lists/"* "$ctx/apt-lists/"
  cp "$SRC/containerfiles/bloated-go.Containerfile" "$ctx/Containerfile"
}

build_fixtures() {
  local bin=$WORK/bin ctx n
  clean_storage
  for n in $(fixture_names) bench-bookworm bench-bloated-go bench-bloated-go-nocleanup; do
    rm -rf "$OUT/$n.docker.tar" "$OUT/$n.oci.tar" "$OUT/$n.oci"
  done
  rm -f "$OUT/fixtures.json" "$OUT/ground-truth.json" "$OUT/bench.json" "$OUT/.bench-stamp"

  # Bases: one layer each, from the cleaned debootstrap rootfs.
  for n in bookworm bullseye; do
    ctx=$WORK/ctx/base-$n
    mkdir -p "$ctx"
    ln -f "$ROOTFS/$n-clean.tar" "$ctx/rootfs.tar" 2>/dev/null || cp "$ROOTFS/$n-clean.tar" "$ctx/rootfs.tar"
    build_image "base-$n" "$SRC/containerfiles/debian-base.Containerfile" "$ctx"
    buildah tag "localhost/plimsoll-build/base-$n:latest" "localhost/plimsoll-base/$n:latest" >/dev/null
  done

  # app-in-image fixtures: NAME BINARY MODE
  while read -r n b mode; do
    ctx=$WORK/ctx/$n
    mkdir -p "$ctx"
    cp "$bin/$b" "$ctx/server"
    chmod "$mode" "$ctx/server"
    build_image "$n" "$SRC/containerfiles/$n.Containerfile" "$ctx"
  done <<EOF
static-go-scratch static-server 0755
cgo-go-scratch cgo-server 0755
cgo-go-bookworm cgo-server 0755
cgo-go-bullseye cgo-server 0755
musl-dyn-bookworm musl-server 0755
noexec-entrypoint static-server 0644
EOF

  # musl-dyn-loader: the loader exactly as the musl package installs it.
  ctx=$WORK/ctx/musl-dyn-loader
  mkdir -p "$ctx/musl/lib"
  cp "$bin/musl-server" "$ctx/server"
  local loader=/lib/ld-musl-x86_64.so.1 target real
  [ -e "$loader" ] || die "$loader not found (apt-get install musl)"
  real=$(readlink -f "$loader")
  if [ -L "$loader" ]; then
    target=$(readlink "$loader")
    case $target in
      /*) mkdir -p "$ctx/musl$(dirname "$target")"; cp "$real" "$ctx/musl$target" ;;
      *) mkdir -p "$ctx/musl/lib/$(dirname "$target")"; cp "$real" "$ctx/musl/lib/$target" ;;
    esac
    ln -s "$target" "$ctx/musl/lib/ld-musl-x86_64.so.1"
  else
    cp "$real" "$ctx/musl/lib/ld-musl-x86_64.so.1"
  fi
  build_image musl-dyn-loader "$SRC/containerfiles/musl-dyn-loader.Containerfile" "$ctx"

  # crlf-script: CRLF line endings, shebang "#!/bin/sh\r".
  ctx=$WORK/ctx/crlf-script
  mkdir -p "$ctx"
  printf '#!/bin/sh\r\necho ok\r\nexit 0\r\n' >"$ctx/start.sh"
  chmod 0755 "$ctx/start.sh"
  build_image crlf-script "$SRC/containerfiles/crlf-script.Containerfile" "$ctx"

  stage_bloated
  build_image bloated-go "$WORK/bloated/ctx/Containerfile" "$WORK/bloated/ctx"

  for n in $(fixture_names); do
    [[ $LAYOUT_ONLY == *" $n "* ]] && continue
    log "exporting $n"
    export_image "$n"
  done

  # umoci-layout: made by umoci alone and kept exactly as umoci left it.
  log "building umoci-layout with umoci"
  local lay=$OUT/umoci-layout.oci bundle=$WORK/umoci-bundle
  rm -rf "$lay" "$bundle"
  {
    umoci init --layout "$lay" &&
      umoci new --image "$lay:latest" &&
      umoci unpack --image "$lay:latest" "$bundle" &&
      mkdir -p "$bundle/rootfs/app" &&
      cp "$bin/static-server" "$bundle/rootfs/app/server" &&
      chmod 0755 "$bundle/rootfs/app/server" &&
      umoci repack --image "$lay:latest" "$bundle" &&
      umoci config --image "$lay:latest" --config.entrypoint /app/server
  } >"$LOGS/umoci.log" 2>&1 || { tail -n 20 "$LOGS/umoci.log"; die "umoci failed (log: $LOGS/umoci.log)"; }
  rm -rf "$bundle"
}

write_catalog() {
  local f n exp desc tsv=$WORK/fixtures.tsv
  : >"$tsv"
  for f in "${FIXTURES[@]}"; do
    IFS='|' read -r n exp desc <<<"$f"
    if [[ $LAYOUT_ONLY == *" $n "* ]]; then
      printf '%s\t%s\t%s\t\t\t%s\n' "$n" "$exp" "$desc" "$OUT/$n.oci" >>"$tsv"
    else
      printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$exp" "$desc" \
        "$OUT/$n.docker.tar" "$OUT/$n.oci.tar" "$OUT/$n.oci" >>"$tsv"
    fi
  done
  "$WORK/bin/fixturetool" catalog "$OUT/fixtures.json" "$tsv"
}

ground_truth() {
  local n f exp desc got
  rm -rf "$WORK/results"
  for n in $(fixture_names); do
    if [[ $LAYOUT_ONLY == *" $n "* ]]; then
      run_image "$n" "oci:$OUT/$n.oci:latest"
    else
      run_image "$n" "docker-archive:$OUT/$n.docker.tar"
    fi
  done
  "$WORK/bin/fixturetool" groundtruth "$OUT/ground-truth.json" "$WORK/results"
  for f in "${FIXTURES[@]}"; do
    IFS='|' read -r n exp desc <<<"$f"
    got=$([ "$(cat "$WORK/results/$n/rc")" = 0 ] && echo runs || echo fails)
    if [ "$got" = "$exp" ]; then
      log "ground truth $n: $got (as expected)"
    else
      log "ground truth $n: $got, NOT as expected ($exp); ground-truth.json records what happened"
    fi
  done
}

build_bench() {
  local ctx=$WORK/bench/ctx
  log "building benchmark images"
  # bench-bookworm: the raw debootstrap rootfs, one layer.
  mkdir -p "$WORK/ctx/base-bookworm-raw"
  ln -f "$ROOTFS/debootstrap-bookworm-minbase.tar" "$WORK/ctx/base-bookworm-raw/rootfs.tar" 2>/dev/null ||
    cp "$ROOTFS/debootstrap-bookworm-minbase.tar" "$WORK/ctx/base-bookworm-raw/rootfs.tar"
  build_image bench-bookworm "$SRC/containerfiles/debian-base.Containerfile" "$WORK/ctx/base-bookworm-raw"
  buildah tag localhost/plimsoll-build/bench-bookworm:latest localhost/plimsoll-base/bookworm-raw:latest >/dev/null

  [ -x "$WORK/bloated/ctx/server" ] || stage_bloated
  rm_tree "$WORK/bench"
  mkdir -p "$ctx/workspace/third_party"
  local b=$WORK/bloated/ctx goroot
  goroot=$(go env GOROOT)
  ln "$b/server" "$ctx/server" 2>/dev/null || cp "$b/server" "$ctx/server"
  copy_tree "$b/go" "$ctx/go"
  cp -a "$b/gopath" "$ctx/gopath"
  cp -a "$b/go-build" "$ctx/go-build"
  cp -r "$b/src/." "$ctx/workspace/"
  copy_tree "$goroot/test" "$ctx/workspace/testdata/go-test"
  copy_tree "$goroot/src" "$ctx/workspace/third_party/go"
  cp "$SRC/containerfiles/bench-bloated-go.Containerfile" "$ctx/Containerfile"
  build_image bench-bloated-go "$ctx/Containerfile" "$ctx"
  # The same image without the cleanup layer's whiteouts (the line is replaced
  # by a no-op so the layer count stays), for a side-by-side figure: dive's
  # cost grows with whiteouts (it stacks all earlier layers for each one).
  sed 's|^RUN rm -rf /var/lib/apt/lists/\* .*|RUN true|' "$ctx/Containerfile" >"$ctx/Containerfile.nocleanup"
  grep -qx 'RUN true' "$ctx/Containerfile.nocleanup" || die "bench: the cleanup line was not found"
  build_image bench-bloated-go-nocleanup "$ctx/Containerfile.nocleanup" "$ctx"

  local n
  for n in bench-bookworm bench-bloated-go bench-bloated-go-nocleanup; do
    log "exporting $n"
    rm -f "$OUT/$n.docker.tar"
    skopeo_copy "containers-storage:localhost/plimsoll-build/$n:latest" \
      "docker-archive:$OUT/$n.docker.tar:plimsoll-fixture/$n:latest"
  done
  printf 'bench-bookworm\t%s\t%s\n' \
    "The debootstrap bookworm minbase rootfs as debootstrap left it (apt lists and .deb cache included), one layer" \
    "$OUT/bench-bookworm.docker.tar" >"$WORK/bench.tsv"
  printf 'bench-bloated-go\t%s\t%s\n' \
    "Large wasteful single-stage Go image: Go SDK twice, chown -R copies, module and build caches, vendored sources, large files rewritten and deleted, whiteouts and opaque dirs" \
    "$OUT/bench-bloated-go.docker.tar" >>"$WORK/bench.tsv"
  printf 'bench-bloated-go-nocleanup\t%s\t%s\n' \
    "bench-bloated-go with its cleanup layer replaced by an empty one (no whiteouts from globs)" \
    "$OUT/bench-bloated-go-nocleanup.docker.tar" >>"$WORK/bench.tsv"
  "$WORK/bin/fixturetool" benchcatalog "$OUT/bench.json" "$WORK/bench.tsv"
  rm_tree "$WORK/bench"
  log "bench: $OUT/bench-bookworm.docker.tar ($(du -h "$OUT/bench-bookworm.docker.tar" | cut -f1))"
  log "bench: $OUT/bench-bloated-go.docker.tar ($(du -h "$OUT/bench-bloated-go.docker.tar" | cut -f1))"
}

# ------------------------------------------------------------------- main
rm -f "$OUT/.stamp.tmp"
if ! bench_cached; then
  rm -f "$OUT/.bench-stamp" "${BENCH_OUTPUTS[@]}"
fi

# The rootfs downloads run while the programs compile; if the script stops
# early they are stopped too (a half-made rootfs is removed next time).
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
mkdir -p "$WORK"
ensure_rootfs bookworm &
p1=$!
ensure_rootfs bullseye &
p2=$!
build_binaries
wait $p1 || die "could not make the bookworm rootfs"
wait $p2 || die "could not make the bullseye rootfs"

if ! main_cached; then
  rm -f "$OUT/.stamp"
  build_fixtures
  write_catalog
  ground_truth
  echo "$KEY" >"$OUT/.stamp"
fi
if [ $BENCH = 1 ] && ! bench_cached; then
  clean_storage
  build_bench
  echo "$KEY" >"$OUT/.bench-stamp"
fi

log "removing the build's images and staging trees"
clean_storage
rm_tree "$WORK/bloated"
rm_tree "$WORK/ctx"
rm_tree "$WORK/host-gopath"
log "done in $(($(date +%s) - START)) s; $(du -sh "$OUT" | cut -f1) in $OUT"
echo "$OUT" >&3
