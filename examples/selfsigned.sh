#!/bin/sh
# Self-signed certificate for one TigerVNC server: the wiki's procedure, done by vncssl.
#
#   sh examples/selfsigned.sh [IP [DIR]]
#
# IP:  the address viewers type (default: this machine's best LAN address, `vncssl ips`).
# DIR: where the pair goes (default: the current folder). Nothing is overwritten.
# VNCSSL: how to run vncssl (default: vncssl; e.g. VNCSSL="python3 -m vncssl").
set -eu

VNCSSL=${VNCSSL:-vncssl}
DIR=${2:-.}
CERT="$DIR/vnc-server.pem"
KEY="$DIR/vnc-server-private.pem"

if [ -n "${1:-}" ]; then
    set -- --ip "$1"
else
    set --
fi

echo "1. The openssl command the guide types (and vncssl runs):"
$VNCSSL create "$@" --cert "$CERT" --key "$KEY" --dry-run --yes

echo
echo "2. Create the key (0600) and the certificate:"
$VNCSSL create "$@" --cert "$CERT" --key "$KEY" --yes

echo
echo "3. What openssl says about it:"
openssl x509 -in "$CERT" -noout -subject -ext subjectAltName -enddate

HOST=$(openssl x509 -in "$CERT" -noout -ext subjectAltName \
       | sed -n 's/.*IP Address:\([^,]*\).*/\1/p' | head -n 1)
echo
echo "4. Will the TigerVNC viewer accept it for $HOST, with no prompt?"
$VNCSSL check "$CERT" --host "$HOST"

echo
echo "5. Next: the server loads $CERT and $KEY (SecurityTypes X509Vnc);"
echo "   each viewer gets a copy of $CERT (never the key):"
echo "   vncviewer -X509CA $(basename "$CERT") $HOST"
