#!/usr/bin/env bash
# The test command (README): install what the tests need on a Debian/Ubuntu machine, then
# lint, type-check and run pytest, all in the checkout's own virtual environment (.venv).
# Needs root (or sudo) for apt-get on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

# x11vnc: the OpenSSL-based VNC server the probe agreement table also judges against.
need=()
for pair in openssl:openssl Xvnc:tigervnc-standalone-server vncviewer:tigervnc-viewer \
            Xvfb:xvfb xdotool:xdotool vncpasswd:tigervnc-tools x11vnc:x11vnc; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
done
# `python3 -m venv` needs ensurepip, which Debian ships apart (python3-venv).
if [ ! -x "${VNCSSL_TEST_VENV:-.venv}/bin/python" ] && ! python3 -c 'import ensurepip' 2>/dev/null
then
  need+=(python3-venv)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${need[*]}"
  for attempt in 1 2 3; do
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null &&
      break
    [ "$attempt" = 3 ] && { echo "apt-get failed" >&2; exit 1; }
    sleep 5
  done
fi

# Optional: the Debian 11/13 test trees (tests/matrix/; a built tree is reused in 0 s).
# VNCSSL_MATRIX=0 leaves them out. A failed build does not stop the run: tests that need a tree
# skip (under CI they fail, unless VNCSSL_MATRIX=0).
if [ "${VNCSSL_MATRIX:-1}" != 0 ]; then
  $SUDO bash tests/matrix/trees.sh bullseye trixie ||
    echo "WARNING: building the Debian test trees failed (tests/matrix/trees.sh); the tests" \
         "that need them are skipped (under CI they fail)." >&2
fi

# The test tools go into a virtual environment of the checkout's own (.venv, or
# VNCSSL_TEST_VENV), never into the system Python: Debian/Ubuntu's python3 refuses `pip
# install` (PEP 668, "externally managed environment"), and it is not ours to change.
VENV="${VNCSSL_TEST_VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  echo "Creating the test environment $VENV"
  python3 -m venv "$VENV" || {
    echo "python3 -m venv failed: on Debian/Ubuntu install python3-venv" \
         "(sudo apt-get install python3-venv), then run this again." >&2
    exit 1
  }
fi
PY="$VENV/bin/python"
"$PY" -m pip install -q --disable-pip-version-check -e '.[test]'

"$PY" -m ruff check vncssl tests benchmarks
"$PY" -m mypy
# The suite (tests marked tigervnc need Xvnc, vncviewer and Xvfb):
"$PY" -m pytest -q
# The same suite with each tree's own Python and openssl (bullseye: Python 3.9 + OpenSSL 1.1.1,
# trixie: Python 3.13 + OpenSSL 3.5); under CI a tree that is missing is a failure.
if [ "${VNCSSL_MATRIX:-1}" != 0 ]; then
  for suite in bullseye trixie; do
    if [ -f "${VNCSSL_MATRIX_CACHE:-/var/cache/vncssl-matrix}/$suite/etc/vncssl-matrix.stamp" ] ||
       [ -n "${CI:-}" ]; then
      $SUDO bash tests/matrix/suite.sh "$suite"
    else
      echo "SKIPPED: the $suite suite run (no tree; build it with tests/matrix/trees.sh)" >&2
    fi
  done
fi
