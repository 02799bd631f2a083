#!/bin/sh
# migrate-localhost.sh runs inside xenlab's dom0: a localhost migration of
# /etc/xen/tiny.cfg's guest with `xl migrate` over TLS 1.3 with mutual
# certificate checks (docs/migration.md §7, the socat recipe), using
# certificates made by `xendshim migrate-cert`; then the same with a client
# certificate from another CA, which must fail and leave the guest running
# at home. It needs socat and the static xendshim next to it (or XENDSHIM).
# Call it from lane-dom0.sh as a part:
#   part "localhost migration over TLS (xl -s)" ./migrate-localhost.sh
# Exit status: 0 ok, 1 failure, 77 skipped (socat missing).
#
# Part 3 runs the same migration through xendshim's own transport:
# `xl migrate -s "xendshim migrate-connect ..."` to `xendshim migrate-receive
# --xl --backend xl`, which checks the sender's certificate and confines the
# config in xl's header against a policy before xl migrate-receive reads it.
# xendshim's native XMP/1 path (journalled commit) on real Xen is
# migrate-native.sh's part; it needs no log-dirty.
set -u
XENDSHIM=${XENDSHIM:-$(dirname "$0")/xendshim}
dir=${MIGRATE_DIR:-/var/tmp/migrate-lane}
port=${MIGRATE_PORT:-8006}
command -v socat >/dev/null 2>&1 || { echo "SKIP: socat is not installed in dom0"; exit 77; }
[ -x "$XENDSHIM" ] || { echo "FAIL: $XENDSHIM not found"; exit 1; }
name=$(sed -n 's/^name *= *["'\'']\([^"'\'']*\)["'\''].*/\1/p' /etc/xen/tiny.cfg | head -1)
[ -n "$name" ] || { echo "FAIL: no name in /etc/xen/tiny.cfg"; exit 1; }

# xenlab's dom0 boots with no network at all (-nic none), not even lo up.
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up 2>/dev/null

rm -rf "$dir"; mkdir -p "$dir/rogue"
"$XENDSHIM" migrate-cert ca --dir "$dir" >/dev/null &&
"$XENDSHIM" migrate-cert host localhost --dir "$dir" >/dev/null &&
"$XENDSHIM" migrate-cert ca --dir "$dir/rogue" >/dev/null &&
"$XENDSHIM" migrate-cert host localhost --dir "$dir/rogue" >/dev/null || { echo "FAIL: migrate-cert"; exit 1; }
cat "$dir/localhost.crt" "$dir/localhost.key" >"$dir/localhost.pem"
cat "$dir/rogue/localhost.crt" "$dir/rogue/localhost.key" >"$dir/rogue.pem"
chmod 600 "$dir"/*.pem

count() { xl list 2>/dev/null | awk -v n="$1" '$1 == n || $1 == n"--incoming" || $1 == n"--migratedaway" {c++} END {print c+0}'; }
running() { xl list "$1" 2>/dev/null | awk 'NR == 2 {print $5}'; }

xl destroy "$name" 2>/dev/null
xl create /etc/xen/tiny.cfg || { echo "FAIL: xl create"; exit 1; }
sleep 5
before=$(xl domid "$name")

# The receiver: TLS with a required, CA-checked client certificate; xl's
# stderr goes to a log, never into the socket.
socat "OPENSSL-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork,cert=$dir/localhost.pem,cafile=$dir/ca.crt,verify=1" \
	EXEC:"sh -c 'exec xl migrate-receive 2>>$dir/receive.log'" 2>>"$dir/socat.log" &
recv=$!
sleep 1
fail=0

# 1. A client certificate from another CA is refused; the guest stays home.
if xl migrate -s "" "$name" "socat - OPENSSL:127.0.0.1:$port,cert=$dir/rogue.pem,cafile=$dir/ca.crt,commonname=localhost" 2>"$dir/rogue.err"; then
	echo "FAIL: migration with a rogue client certificate succeeded"; fail=1
fi
if [ "$(count "$name")" != 1 ] || [ "$(xl domid "$name" 2>/dev/null)" != "$before" ]; then
	echo "FAIL: after the refused migration: $(xl list)"; fail=1
else
	echo "ok: rogue client certificate refused, $name still runs as domid $before"
fi

# 2. The real migration.
if xl migrate -s "" "$name" "socat - OPENSSL:127.0.0.1:$port,cert=$dir/localhost.pem,cafile=$dir/ca.crt,commonname=localhost"; then
	after=$(xl domid "$name" 2>/dev/null)
	if [ "$(count "$name")" = 1 ] && [ -n "$after" ] && [ "$after" != "$before" ]; then
		echo "ok: $name migrated over TLS: domid $before -> $after, one copy ($(running "$name"))"
	else
		echo "FAIL: after migration: $(xl list)"; fail=1
	fi
else
	echo "FAIL: xl migrate over TLS failed; receive.log:"; cat "$dir/receive.log"; fail=1
fi

kill "$recv" 2>/dev/null; wait "$recv" 2>/dev/null

# 3. Through xendshim's transport (xl migrate -s "xendshim migrate-connect").
kernel=$(sed -n 's/^kernel *= *["'\'']\([^"'\'']*\)["'\''].*/\1/p' /etc/xen/tiny.cfg | head -1)
ramdisk=$(sed -n 's/^ramdisk *= *["'\'']\([^"'\'']*\)["'\''].*/\1/p' /etc/xen/tiny.cfg | head -1)
cat >"$dir/policy.toml" <<POL
kernels = ["$kernel", "$ramdisk"]
[peer."xendshim://host/localhost"]
may_send = { names = ["$name"] }
networks = ["xenbr0"]
scripts = ["vif-bridge"]
POL
tls="--cert $dir/localhost.crt --key $dir/localhost.key --ca $dir/ca.crt"
"$XENDSHIM" migrate-receive --xl --backend xl --state-dir "$dir/state" --listen 127.0.0.1:8005 \
	--policy "$dir/policy.toml" $tls --log "file:$dir/xendshim-receive.log" 2>>"$dir/xendshim-receive.err" &
shim=$!
sleep 1
before=$(xl domid "$name" 2>/dev/null)
if xl migrate -s "$XENDSHIM migrate-connect --backend xl --state-dir $dir/state --addr 127.0.0.1:8005 $tls --log file:$dir/connect.log" "$name" localhost; then
	after=$(xl domid "$name" 2>/dev/null)
	if [ "$(count "$name")" = 1 ] && [ -n "$after" ] && [ "$after" != "$before" ]; then
		echo "ok: $name migrated through xendshim migrate-connect: domid $before -> $after, one copy ($(running "$name"))"
	else
		echo "FAIL: after the xendshim migration: $(xl list)"; fail=1
	fi
else
	echo "FAIL: xl migrate through xendshim migrate-connect failed"; cat "$dir/xendshim-receive.log" "$dir/xendshim-receive.err" "$dir/connect.log"; fail=1
fi
kill "$shim" 2>/dev/null; wait "$shim" 2>/dev/null
xl destroy "$name" 2>/dev/null
exit $fail
