#!/bin/sh
# A private CA for three VNC servers, then one X509CA file for every viewer.
#
#   $ sh examples/private-ca.sh [WORKDIR]      (default: ./vnc-fleet; nothing else is touched)
#
# Replace the loopback addresses below with your servers' LAN addresses and names.
set -eu
WORK=${1:-./vnc-fleet}
mkdir -p "$WORK"
cd "$WORK"
VNCSSL=${VNCSSL:-vncssl}

# 1. The CA, kept in ./ca (0700; ca-key.pem 0600). Do this once; guard the key.
[ -f ca/ca.pem ] || $VNCSSL ca init --dir ca --name "Example VNC CA"

# 2. The servers: one line each, `NAME IP-or-DNS ...` (# starts a comment).
cat > hosts.txt <<'HOSTS'
# name     addresses and names viewers type
vnc1       127.0.0.11  vnc1.lan
vnc2       127.0.0.12
vnc3       127.0.0.13  vnc3.lan
HOSTS

# 3. One certificate per server, issued in parallel: certs/NAME.pem + certs/NAME-private.pem.
mkdir -p certs
$VNCSSL ca issue --ca-dir ca --from hosts.txt --out-dir certs

# 4. What each server needs (copy NAME.pem and NAME-private.pem there first).
$VNCSSL tigervnc server --cert /etc/vnc/vnc1.pem --key /etc/vnc/vnc1-private.pem \
    --format config

# 5. Every viewer needs only ca/ca.pem, once:  vncviewer -X509CA ca.pem vnc1.lan
for n in vnc1 vnc2 vnc3; do
    $VNCSSL check "certs/$n.pem" --host "$(awk -v n="$n" '$1 == n {print $2}' hosts.txt)" \
        --ca ca/ca.pem
done
