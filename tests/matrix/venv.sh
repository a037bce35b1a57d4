#!/usr/bin/env bash
# Install vncssl with a tree's own python3 into a venv inside the tree:
#
#   tests/matrix/venv.sh SUITE SRC_DIR [EXTRA_REQUIREMENT...]     e.g. venv.sh bullseye . pytest
#
# Builds /opt/vncssl-venv inside the tree (anew each time) from a copy of the source checkout
# SRC_DIR (the checkout itself is never written to) and prints the venv's `vncssl --version`.
# The tree has no DNS, so the tree's pip installs with --no-index from a wheelhouse that the
# host's pip fills (pip download --python-version X.Y --only-binary=:all:), cached at
# $VNCSSL_MATRIX_CACHE/wheels/pyXY. The host's pip judges environment markers by the HOST's
# Python, so a dependency that only that tree's Python needs (tomli, exceptiongroup,
# typing_extensions on 3.9...) is missing at first: the tree's pip names it and it is fetched
# for the tree's version, until the install succeeds. The cached wheelhouse is used offline
# when it suffices; VNCSSL_MATRIX_REFRESH=1 fetches the newest versions again.
# Prints the resolved versions (pip freeze) to stderr. Needs root and a tree from trees.sh.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE="${VNCSSL_MATRIX_CACHE:-/var/cache/vncssl-matrix}"
VENV="${VNCSSL_MATRIX_VENV:-/opt/vncssl-venv}"  # a run of its own may name another (parallel runs)
say() { printf 'venv.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

[ $# -ge 2 ] || die "usage: venv.sh SUITE SRC_DIR [EXTRA_REQUIREMENT...]"
suite="$1"; src=$(realpath -e "$2") || die "no such folder: $2"; shift 2
extra=("$@")
[ -f "$src/pyproject.toml" ] || die "$src has no pyproject.toml"
T="$CACHE/$suite"
# A clean environment for the tree's programs: none of the host's Python, pip or pyenv settings.
in_tree() { env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 TERM=dumb \
              PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 \
              VNCSSL_MATRIX_CACHE="$CACHE" "$HERE/inchroot" "$suite" "$@"; }
start=$(date +%s)

pyver=$(in_tree -- python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])') ||
  die "cannot run python3 in the $suite tree (build it: tests/matrix/trees.sh $suite)"
wh="$CACHE/wheels/py${pyver/./}"
mkdir -p "$wh"

# What the project asks for (read by the host's python: tomllib, or a plain parse on < 3.11).
mapfile -t deps < <(python3 - "$src/pyproject.toml" <<'EOF'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
try:
    import tomllib
    project = tomllib.loads(text)["project"]
    deps, build = project.get("dependencies", []), tomllib.loads(text)["build-system"]["requires"]
except ImportError:
    def array(key):
        m = re.search(r"^%s\s*=\s*\[(.*?)\]" % key, text, re.S | re.M)
        return re.findall(r"\"([^\"]+)\"", m.group(1)) if m else []
    deps, build = array("dependencies"), array("requires")
print("\n".join(build + deps))
EOF
)
reqs=("${deps[@]}" "${extra[@]}" pip wheel)

# A tree whose Python the newest releases have left (3.9) gets the versions its suite passed
# with, from constraints-pyXY.txt: judged for another Python, pip's resolver otherwise walks
# back through hundreds of releases (over 10 minutes at full CPU, against an index whose
# files do not all say which Python they need), where with the pins it takes 2 s.
constraints=()
[ -f "$HERE/constraints-py${pyver/./}.txt" ] && constraints=(-c "$HERE/constraints-py${pyver/./}.txt")

fetch() {  # fetch REQ... : the newest wheels pip allows for the tree's Python version
  say "downloading for Python $pyver: $*"
  python3 -m pip download -q --disable-pip-version-check ${constraints[@]+"${constraints[@]}"} \
      --python-version "$pyver" --only-binary=:all: --dest "$wh" "$@" >"$wh/download.log" 2>&1 || {
    tail -n 5 "$wh/download.log" >&2; die "pip download failed (log: $wh/download.log)"; }
}
[ "${VNCSSL_MATRIX_REFRESH:-0}" = 1 ] && fetch "${reqs[@]}"
ls "$wh"/*.whl >/dev/null 2>&1 || fetch "${reqs[@]}"

# A throwaway copy of the source inside the tree: pip builds in place (build/, *.egg-info).
work=$(mktemp -d "$T/tmp/vncssl-src.XXXXXX"); trap 'rm -rf --one-file-system -- "$work"' EXIT
tar -C "$src" --exclude=.git --exclude='*.egg-info' --exclude=build --exclude=__pycache__ \
    --exclude=.venv -cf - . | tar -C "$work" -xf -
wsrc="${work#"$T"}"

in_tree -- sh -c "rm -rf $VENV && python3 -m venv $VENV" || die "python3 -m venv failed in $suite"
pip_in=("$VENV/bin/python" -m pip install -q --no-index --find-links "$wh")
for attempt in 1 2 3 4 5 6 7 8 9 10; do
  # pip first: the venv's bundled pip (20.3 on bullseye) predates some of today's metadata.
  if out=$(in_tree --bind "$wh" -- "${pip_in[@]}" --upgrade pip 2>&1) &&
     out=$(in_tree --bind "$wh" -- "${pip_in[@]}" "$wsrc" "${extra[@]}" 2>&1); then
    break
  fi
  # "No matching distribution found for tomli>=1 (from ...)" / "...for tomli>=1; python_version..."
  missing=$(sed -n 's/.*No matching distribution found for \([^ ]*\).*/\1/p' <<<"$out" | tail -1)
  missing="${missing%;}"
  if [ -z "$missing" ] || [ "$attempt" = 10 ]; then
    printf '%s\n' "$out" | tail -n 15 >&2; die "installing vncssl into $suite's $VENV failed"
  fi
  fetch "$missing" "${reqs[@]}"
done

say "$suite (Python $pyver): installed in $(( $(date +%s) - start )) s; resolved: $(in_tree -- "$VENV/bin/python" -m pip freeze --all 2>/dev/null | tr '\n' ' ')"
in_tree -- "$VENV/bin/vncssl" --version
