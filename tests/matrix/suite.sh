#!/usr/bin/env bash
# Run the test suite with a tree's own Python and openssl:
#
#   tests/matrix/suite.sh SUITE [PYTEST_ARGS...]       e.g. suite.sh bullseye -x
#
# bullseye = Python 3.9 (pip resolves Typer 0.23 + Click 8.1 there) + OpenSSL 1.1.1w;
# trixie = Python 3.13 + OpenSSL 3.5. vncssl, pytest and hypothesis are installed into the
# tree's venv by venv.sh (wheels fetched on the host: the tree has no DNS); the checkout is
# bound at its own path and only read (no .pytest_cache; __pycache__ is ignored by git).
# Tests marked tigervnc run on the host against each tree's viewer instead
# (tests/conftest.py `viewer`), and those marked matrix drive the trees from the host: both
# are left out here, as is tests/matrix itself. Also left out: the Ansible test (the control
# node's Python and ansible-core are the host's, not the tree's) and the README tour, which is
# a real run recorded on the host's stack (its openssl's own words).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
[ $# -ge 1 ] || { echo "usage: suite.sh SUITE [PYTEST_ARGS...]" >&2; exit 2; }
suite="$1"; shift
start=$(date +%s)
# A venv of this run's own: another run (or test_matrix_e2e) rebuilding the shared one
# would pull it from under this one.
VENV="/opt/vncssl-suite-$$"
T="${VNCSSL_MATRIX_CACHE:-/var/cache/vncssl-matrix}/$suite"
home=$(mktemp -d /tmp/vncssl-suite-home.XXXXXX)
trap 'rm -rf -- "$home"; rm -rf --one-file-system -- "$T$VENV"' EXIT
VNCSSL_MATRIX_VENV="$VENV" bash "$HERE/venv.sh" "$suite" "$SRC" pytest hypothesis >/dev/null
set +e
env -i PATH="$VENV/bin:/usr/sbin:/usr/bin:/sbin:/bin" HOME="$home" LC_ALL=C.UTF-8 \
    TERM=dumb CI="${CI:-}" "$HERE/inchroot" "$T" --bind "$SRC" --bind "$home" --cwd "$SRC" -- \
    "$VENV/bin/python" -m pytest -p no:cacheprovider -q -m 'not tigervnc and not matrix' \
    --ignore=tests/matrix --ignore=tests/test_ansible.py --deselect \
    tests/test_docs.py::test_readme_tour_is_a_fresh_real_run "$@"
rc=$?
echo "suite.sh: $suite: pytest exit $rc in $(( $(date +%s) - start )) s" >&2
exit $rc
