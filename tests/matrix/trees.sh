#!/usr/bin/env bash
# Build or reuse the Debian test trees: tests/matrix/trees.sh [SUITE...]   (default: bullseye trixie)
#
# A tree lives at $VNCSSL_MATRIX_CACHE/<suite> (default /var/cache/vncssl-matrix/<suite>), outside
# the clone. It is built with debootstrap (--variant=minbase) from the mirror the host's own apt
# configuration names (override: VNCSSL_MATRIX_MIRROR), into <suite>.new, then renamed into place:
# an interrupted build never leaves a tree that looks complete. A finished tree carries a stamp,
# etc/vncssl-matrix.stamp (key=value lines: the requested package list and the installed versions
# of the key packages); a tree whose stamp names the same package list is reused as it is.
# debootstrap runs inside a private mount namespace, so its own proc/sys/dev mounts cannot outlive it.
# Needs root. Exit status: 0 when every tree asked for is ready, 1 otherwise.
set -euo pipefail

CACHE="${VNCSSL_MATRIX_CACHE:-/var/cache/vncssl-matrix}"
STAMP_REL="etc/vncssl-matrix.stamp"
# Packages every tree gets. python3-venv brings ensurepip (pip + setuptools wheels), so no python3-pip.
COMMON=(openssl ca-certificates tigervnc-viewer tigervnc-standalone-server xvfb xauth
        python3 python3-venv)

say() { printf 'trees.sh: %s\n' "$*" >&2; }

packages_for() {  # the requested package list of a suite, one line, sorted
  local extra=()
  case "$1" in
    bullseye) extra=(tigervnc-common) ;;           # vncpasswd lives here; no tigervnc-tools yet
    *)        extra=(tigervnc-common tigervnc-tools) ;;
  esac
  printf '%s\n' "${COMMON[@]}" "${extra[@]}" | sort -u | paste -sd, -
}

host_mirror() {  # the first non-security Debian archive URI of the host's apt configuration
  if [ -n "${VNCSSL_MATRIX_MIRROR:-}" ]; then echo "$VNCSSL_MATRIX_MIRROR"; return; fi
  local uri
  uri=$( { cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
             sed -n 's/^URIs:[[:space:]]*//p' | tr ' ' '\n'
           grep -hE '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
             2>/dev/null | sed -E 's/^[[:space:]]*deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//' |
             awk '{print $1}'
         } | grep -E '^(https?|file)://' | grep -v -- '-security' | grep -E '/debian/?$' | head -1 || true)
  [ -n "$uri" ] || { say "no Debian mirror found in the host's apt configuration (set VNCSSL_MATRIX_MIRROR)"; return 1; }
  echo "${uri%/}"
}

stamp_get() {  # stamp_get TREE KEY
  [ -f "$1/$STAMP_REL" ] || return 0
  sed -n "s/^$2=//p" "$1/$STAMP_REL" | head -1
}

ensure_debootstrap() {
  command -v debootstrap >/dev/null 2>&1 && return 0
  say "installing debootstrap with apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null 2>&1 || {
    DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
  command -v debootstrap >/dev/null 2>&1
}

mounts_under() { findmnt -rn -o TARGET | awk -v p="$1" 'index($0, p) == 1' ; }

remove_tree() {  # remove a (partial) tree, refusing when anything is mounted inside it
  local dir="$1"
  [ -e "$dir" ] || return 0
  if [ -n "$(mounts_under "$dir")" ]; then
    say "refusing to delete $dir: something is mounted inside it:"; mounts_under "$dir" >&2
    return 1
  fi
  rm -rf --one-file-system -- "$dir"
}

in_use() {  # in_use DIR: some process has its root (a chroot) or working directory in DIR
  local p r
  for p in /proc/[0-9]*; do
    for r in "$(readlink "$p/root" 2>/dev/null)" "$(readlink "$p/cwd" 2>/dev/null)"; do
      case "$r" in "$1"|"$1"/*) return 0 ;; esac
    done
  done
  return 1
}

clean_old() {  # remove replaced trees (<suite>.old.*) that nothing uses any more
  local old
  for old in "$CACHE/$1".old.*; do
    [ -d "$old" ] || continue
    if in_use "$old"; then say "$1: keeping $old: a process still runs in it"
    else remove_tree "$old" || true; fi
  done
}

write_stamp() {  # write_stamp TREE SUITE PACKAGES MIRROR SECONDS
  local t="$1" admin="$1/var/lib/dpkg"
  {
    echo "suite=$2"
    echo "requested=$3"
    echo "mirror=$4"
    echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "build_seconds=$5"
    echo "debian_version=$(cat "$t/etc/debian_version")"
    # Key packages (libssl/libgnutls names differ between suites: t64 in trixie).
    dpkg-query --admindir="$admin" -W -f '${db:Status-Abbrev} ${Package} ${Version}\n' \
        openssl 'libssl*' 'libgnutls30*' 'tigervnc-*' xvfb xauth python3 'python3.*-minimal' \
        python3-venv ca-certificates 2>/dev/null |
      awk '$1 == "ii" { sub(/:.*/, "", $2); print "pkg." $2 "=" $3 }' | sort -u
  } > "$t/$STAMP_REL.tmp"
  mv "$t/$STAMP_REL.tmp" "$t/$STAMP_REL"
  dpkg-query --admindir="$admin" -W -f '${Package} ${Version}\n' > "$t/etc/vncssl-matrix.packages"
}

build_one() {
  local suite="$1" tree="$CACHE/$1" new="$CACHE/$1.new" pkgs mirror start secs
  pkgs=$(packages_for "$suite")
  clean_old "$suite"
  if [ -f "$tree/$STAMP_REL" ] && [ "$(stamp_get "$tree" requested)" = "$pkgs" ]; then
    say "$suite: reused $tree (built $(stamp_get "$tree" built); tigervnc $(stamp_get "$tree" pkg.tigervnc-viewer), openssl $(stamp_get "$tree" pkg.openssl)) in 0 s"
    return 0
  fi
  [ "$(id -u)" -eq 0 ] || { say "$suite: building a tree needs root"; return 1; }
  ensure_debootstrap || { say "$suite: debootstrap is missing and could not be installed"; return 1; }
  mirror=$(host_mirror) || return 1
  [ -e "$tree" ] && say "$suite: $tree was not built for this package list (or is unfinished); rebuilding"
  remove_tree "$new" || return 1
  mkdir -p "$CACHE/debs/$suite"
  start=$(date +%s)
  say "$suite: building $new (debootstrap --variant=minbase, $(tr , ' ' <<<"$pkgs" | wc -w) packages asked for)"
  local log="$CACHE/$suite.build.log"
  # Own mount and PID namespaces: if this script is stopped, the debootstrap (and the dpkg it
  # runs) is killed with it (--kill-child), and its proc/sys mounts vanish with the namespace.
  unshare --fork --pid --kill-child --mount --propagation private \
    debootstrap --variant=minbase --include="$pkgs" --cache-dir="$CACHE/debs/$suite" \
    "$suite" "$new" "$mirror" >"$log" 2>&1 </dev/null &
  BUILDER=$!
  local rc=0
  wait "$BUILDER" || rc=$?
  BUILDER=""
  if [ "$rc" -ne 0 ]; then
    say "$suite: debootstrap failed (exit $rc); last lines of $log:"; tail -n 15 "$log" >&2
    return 1
  fi
  # Loopback names from the host, and no DNS: tests never send traffic beyond loopback.
  cp /etc/hosts "$new/etc/hosts"
  rm -f "$new/etc/resolv.conf"; : > "$new/etc/resolv.conf"
  # What no test reads: the .debs (kept in $CACHE/debs), apt's indexes (the tree has no network
  # anyway), manuals and documentation (the copyright files stay).
  rm -f "$new"/var/cache/apt/archives/*.deb "$new"/var/cache/apt/*.bin
  find "$new/var/lib/apt/lists" -maxdepth 1 -type f ! -name lock -delete 2>/dev/null || true
  rm -rf "$new"/usr/share/man/* "$new"/usr/share/info/*
  find "$new/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete 2>/dev/null || true
  secs=$(( $(date +%s) - start ))
  write_stamp "$new" "$suite" "$pkgs" "$mirror" "$secs"
  # Swap by renames: programs running in the old tree (chroot) keep working, since a rename
  # does not disturb them; the old tree is deleted once nothing uses it (now or a later run).
  [ -e "$tree" ] && mv -T "$tree" "$CACHE/$suite.old.$$"
  mv -T "$new" "$tree"
  clean_old "$suite"
  say "$suite: built $tree in ${secs} s, $(du -sh --one-file-system "$tree" | cut -f1); tigervnc $(stamp_get "$tree" pkg.tigervnc-viewer), openssl $(stamp_get "$tree" pkg.openssl)"
}

BUILDER=""
stop_builder() { [ -n "$BUILDER" ] && kill -KILL "$BUILDER" 2>/dev/null; BUILDER=""; }
trap 'stop_builder; say "interrupted: the partial tree (*.new) is removed by the next run"; exit 130' INT TERM HUP
trap stop_builder EXIT

main() {
  local suites=("$@") rc=0 s t0 lock
  [ ${#suites[@]} -gt 0 ] || suites=(bullseye trixie)
  mkdir -p "$CACHE"
  for s in "${suites[@]}"; do
    case "$s" in *[!a-z]*|"") say "not a suite name: $s"; rc=1; continue ;; esac
    t0=$(date +%s)
    # One builder per suite at a time (two test runs starting together wait for each other).
    exec {lock}>"$CACHE/$s.lock"
    flock "$lock"
    build_one "$s" || { say "$s: FAILED after $(( $(date +%s) - t0 )) s"; rc=1; }
    exec {lock}>&-
  done
  return $rc
}

main "$@"
