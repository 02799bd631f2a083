#!/bin/sh
# migrate-native.sh runs inside xenlab's dom0: a localhost migration of
# /etc/xen/tiny.cfg's guest through xendshim's own transport on real Xen —
# `xendshim migrate --backend xl tiny localhost` to `xendshim
# migrate-receive --backend xl`: XMP/1 in TLS 1.3 with mutual certificate
# checks, the receiver's default-deny policy and confinement before the
# guest is suspended, the stream's SHA-256 checked end to end, the
# journalled commit. The xl backend carries the domain with `xl save` and
# `xl restore -p` (no log-dirty needed, unlike `xl migrate`).
# Checks, in order:
#   1. a sender whose certificate comes from another CA is refused and the
#      guest stays home, running, same domid;
#   2. a policy that does not name the guest refuses it before it is
#      suspended (same domid afterwards);
#   3. the receiver fails once the guest is parked: the sender restores it
#      from its parked image, once, same UUID, and the guest carries on;
#   4. the real migration: exactly one domain named tiny afterwards, same
#      UUID, new domid, running; the journals say DONE (sender) and
#      COMMITTED (receiver); the guest's console shows it carried on (its
#      uptime keeps counting, no new boot);
#   5. and 6. the same through `xendshim serve`: xend.domain.migrate from
#      Python 3's xmlrpc.client, then op=migrate from curl;
#   7. (informational) plain xl save + xl restore of the guest, timed.
# Needs the static xendshim next to it (or XENDSHIM). Exit 0 ok, 1 failure.
set -u
XENDSHIM=${XENDSHIM:-$(dirname "$0")/xendshim}
dir=${MIGRATE_DIR:-/var/tmp/migrate-native}
port=${MIGRATE_PORT:-8007}
[ -x "$XENDSHIM" ] || { echo "FAIL: $XENDSHIM not found"; exit 1; }
name=tiny
kernel=$(sed -n 's/^kernel *= *"\(.*\)"/\1/p' /etc/xen/tiny.cfg)
ramdisk=$(sed -n 's/^ramdisk *= *"\(.*\)"/\1/p' /etc/xen/tiny.cfg)
conlog=/var/log/xen/console/guest-$name.log

# xenlab's dom0 boots with no network at all, not even lo up.
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up 2>/dev/null

rm -rf "$dir"; mkdir -p "$dir/rogue"
"$XENDSHIM" migrate-cert ca --dir "$dir" >/dev/null &&
"$XENDSHIM" migrate-cert host localhost --dir "$dir" >/dev/null &&
"$XENDSHIM" migrate-cert ca --dir "$dir/rogue" >/dev/null &&
"$XENDSHIM" migrate-cert host localhost --dir "$dir/rogue" >/dev/null || { echo "FAIL: migrate-cert"; exit 1; }
# Under TCG xl saves and restores at a few MB/s, and the guest's kernel may
# need a minute to come up before it can be saved: the transfer deadline
# (default 1 min + 1 min/GiB, sized for real hardware) is raised here.
limits="--time-limit 10m"
tls="--cert $dir/localhost.crt --key $dir/localhost.key --ca $dir/ca.crt"
rogue="--cert $dir/rogue/localhost.crt --key $dir/rogue/localhost.key --ca $dir/ca.crt"

policy() { # policy NAME-PATTERN
	cat <<POL
kernels = ["$kernel", "$ramdisk"]
[peer."xendshim://host/localhost"]
may_send = { names = ["$1"] }
quota = { max_memkb = 1048576, max_vcpus = 4 }
POL
}
policy "$name" >"$dir/policy.toml"
policy "web*" >"$dir/policy-deny.toml"

receiver() { # receiver POLICY: start migrate-receive in the background
	: >"$dir/receive.now"
	"$XENDSHIM" migrate-receive --backend xl --state-dir "$dir/recv" --listen "127.0.0.1:$port" \
		--policy "$1" $tls $limits --log "file:$dir/receive.now" 2>>"$dir/receive.err" &
	recv=$!
	# Up to 2 minutes: in a long lane run this emulated dom0 has been seen
	# to take over 30 s (no log line, no error) to start a receiver.
	i=0
	until grep -q "serving migrations" "$dir/receive.now" 2>/dev/null || [ $i -ge 240 ]; do sleep 0.5; i=$((i + 1)); done
	if ! grep -q "serving migrations" "$dir/receive.now"; then
		echo "FAIL: the receiver did not start in 120 s:"; cat "$dir/receive.now" "$dir/receive.err"
		ps -o pid,stat,time,args -p "$recv" 2>/dev/null || ps | grep "[m]igrate-receive"
		fail=1
	elif [ $i -gt 20 ]; then
		echo "note: the receiver took $((i / 2)) s to start"
	fi
}
stop_receiver() { kill "$recv" 2>/dev/null; wait "$recv" 2>/dev/null; cat "$dir/receive.now" >>"$dir/receive.log"; }
send() { # send TLS-FLAGS...: xendshim migrate tiny localhost
	"$XENDSHIM" migrate --backend xl --state-dir "$dir/send" --addr "127.0.0.1:$port" "$@" \
		--log "file:$dir/send.log" "$name" localhost
}
count() { xl list 2>/dev/null | awk -v n="$name" '$1 == n {c++} END {print c+0}'; }
state() { xl list "$name" 2>/dev/null | awk 'NR == 2 {print $5}'; }
uuid() { xl list -v "$name" 2>/dev/null | awk 'NR == 2 {print $7}'; }
alive() { grep -o 'alive t=[0-9.]*' "$conlog" 2>/dev/null | tail -1 | cut -d= -f2; }
boots() { grep -c 'tiny PV guest up' "$conlog" 2>/dev/null || echo 0; }
carried_on() { # carried_on STEP: after STEP the guest's uptime (t0 before)
	# keeps counting and it did not boot again (b0 boots before)
	i=0
	while [ $i -lt 90 ]; do
		t1=$(alive)
		[ -n "$t1" ] && [ "$t1" != "$t0" ] && break
		sleep 1; i=$((i + 1))
	done
	if [ "$(boots)" = "$b0" ] && [ -n "$t1" ] && awk -v a="$t0" -v b="$t1" 'BEGIN {exit !(b > a)}'; then
		echo "ok: the guest carried on after the $1: uptime $t0 s before, $t1 s after, no new boot"
		return 0
	fi
	echo "FAIL: the guest did not carry on after the $1 (uptime $t0 -> ${t1:-none}, boots $b0 -> $(boots))"; tail -5 "$conlog"
	return 1
}
home() { # home STEP DOMID: the guest is still here, once, as DOMID
	if [ "$(count)" = 1 ] && [ "$(xl domid "$name" 2>/dev/null)" = "$2" ]; then
		echo "ok: $1: $name stays home as domid $2 ($(state))"
	else
		echo "FAIL: $1: $(xl list)"; fail=1
	fi
}

xl destroy "$name" 2>/dev/null
rm -f "$conlog"
xl create /etc/xen/tiny.cfg >/dev/null || { echo "FAIL: xl create"; exit 1; }
i=0
until [ -n "$(alive)" ] || [ $i -ge 120 ]; do sleep 1; i=$((i + 1)); done
[ -n "$(alive)" ] || { echo "FAIL: the guest never said it was alive ($conlog)"; cat "$conlog"; exit 1; }
before=$(xl domid "$name")
uuid0=$(uuid)
fail=0

# 1. A certificate from another CA; 2. a policy that does not name the
# guest. Each is refused before the guest is suspended.
refused() { # refused STEP POLICY WHY SEND-FLAGS...: refused, saying WHY
	step=$1 why=$3; receiver "$2"; shift 3
	if send "$@" 2>"$dir/refused.err"; then
		echo "FAIL: $step: the guest was migrated"; fail=1
	elif grep -q "$why" "$dir/refused.err"; then
		echo "ok: $step refused: $(tail -1 "$dir/refused.err")"
	else
		echo "FAIL: $step: refused, but not for '$why': $(cat "$dir/refused.err")"
		echo "--- receiver:"; cat "$dir/receive.now" "$dir/receive.err"; fail=1
	fi
	home "$step" "$before"
	stop_receiver
}
refused "rogue certificate" "$dir/policy.toml" "unknown certificate authority" $rogue
refused "policy without $name" "$dir/policy-deny.toml" "REJECT policy" $tls

# 3. The receiver fails after the guest was parked (its spool directory is
# replaced by a file once it runs, so it refuses the stream): the sender
# must bring the guest back from its own parked image, once, and the guest
# carries on.
receiver "$dir/policy.toml"
rm -rf "$dir/recv/migrations/spool"; : >"$dir/recv/migrations/spool"
t0=$(alive); b0=$(boots)
if send $tls 2>"$dir/resume.err"; then
	echo "FAIL: the migration succeeded although the receiver could not spool it"; fail=1
else
	echo "ok: receiver failure after parking: $(tail -1 "$dir/resume.err")"
	after=$(xl domid "$name" 2>/dev/null)
	st=$(grep -ho '"state": *"[A-Z_]*"' "$dir"/send/migrations/out/*.json | sort | uniq -c | tr -s ' \n' ' ')
	if [ "$(count)" = 1 ] && [ "$(uuid)" = "$uuid0" ] && [ -n "$after" ] && [ "$after" != "$before" ]; then
		echo "ok: resumed at home from the parked image: domid $before -> $after, one copy ($(state)); sender journal:$st"
	else
		echo "FAIL: after the failed migration: $(xl list -v)"; fail=1
	fi
	case "$st" in *RESUMED*) ;; *) echo "FAIL: the sender journal has no RESUMED entry"; fail=1 ;; esac
	carried_on "resume" || fail=1
fi
stop_receiver
rm -f "$dir/recv/migrations/spool"
before=$(xl domid "$name")

# 4. The migration.
receiver "$dir/policy.toml"
t0=$(alive); b0=$(boots)
start=$(date +%s)
if send $tls >"$dir/send.out" 2>"$dir/send.err"; then
	took=$(( $(date +%s) - start ))
	cat "$dir/send.out"
	id=$(sed -n 's/^migration \([0-9a-f]*\): .*/\1/p' "$dir/send.out")
	after=$(xl domid "$name" 2>/dev/null)
	if [ "$(count)" = 1 ] && [ -n "$after" ] && [ "$after" != "$before" ] && [ "$(uuid)" = "$uuid0" ]; then
		echo "ok: $name migrated through XMP/1 on real Xen in ${took}s: domid $before -> $after, uuid $uuid0 kept, one copy ($(state))"
	else
		echo "FAIL: after the migration: $(xl list -v)"; fail=1
	fi
	case "$(state)" in *p*) echo "FAIL: the migrated guest is paused"; fail=1 ;; esac
	grep -h '"outcome"' "$dir/send.log" "$dir/receive.now" | tail -2
	for j in send/migrations/out:DONE recv/migrations/in:COMMITTED; do
		st=$(grep -o '"state": *"[A-Z_]*"' "$dir/${j%:*}/$id.json" 2>/dev/null)
		echo "journal ${j%:*}: $st"
		case "$st" in *"\"${j#*:}\""*) ;; *) echo "FAIL: journal ${j%:*} is not ${j#*:}"; fail=1 ;; esac
	done
	carried_on "migration" || fail=1
else
	echo "FAIL: xendshim migrate failed:"; cat "$dir/send.err" "$dir/send.log" "$dir/receive.now" "$dir/receive.err"; xl list; fail=1
fi
stop_receiver
[ $fail = 0 ] || { echo "--- receive.log"; cat "$dir/receive.log"; echo "--- send.log"; cat "$dir/send.log"; }

# 5 and 6. What xm and libvirt send: one `xendshim serve --backend xl` is
# both the sender (its xend APIs, peer localhost) and the receiver
# (--migrate-listen): xend.domain.migrate through Python 3's xmlrpc.client
# over the UNIX socket, then op=migrate through curl over the HTTP/SXP
# socket. Each time the guest must land once, same UUID, new domid.
"$XENDSHIM" serve --backend xl --state-dir "$dir/serve" --xend-config "" \
	--xmlrpc-socket "$dir/xmlrpc/xmlrpc.sock" --http-socket "$dir/http/xend-socket" \
	--migrate-listen "127.0.0.1:$((port + 1))" --migrate-policy "$dir/policy.toml" --migrate-time-limit 10m \
	--migrate-peers "localhost=127.0.0.1:$((port + 1))" --migrate-cert "$dir/localhost.crt" \
	--migrate-key "$dir/localhost.key" --migrate-ca "$dir/ca.crt" --log-file "$dir/serve.log" 2>>"$dir/serve.err" &
srv=$!
i=0
until grep -q "xendshim ready" "$dir/serve.log" 2>/dev/null || [ $i -ge 60 ]; do sleep 0.5; i=$((i + 1)); done
serve_state() { # what serve was doing when a client failed
	if kill -0 "$srv" 2>/dev/null; then echo "serve (pid $srv) is running"; else echo "serve (pid $srv) has exited"; fi
	echo "--- serve.log (tail)"; tail -8 "$dir/serve.log"; echo "--- serve.err"; cat "$dir/serve.err"
	ls -l "$dir/xmlrpc" "$dir/http" 2>&1
}
landed() { # landed STEP DOMID-BEFORE: the guest is here once under a new domid
	after=$(xl domid "$name" 2>/dev/null)
	if [ "$(count)" = 1 ] && [ -n "$after" ] && [ "$after" != "$2" ] && [ "$(uuid)" = "$uuid0" ]; then
		echo "ok: $1: domid $2 -> $after, one copy ($(state))"
	else
		echo "FAIL: $1: $(xl list -v)"; fail=1
	fi
}
before=$(xl domid "$name")
if python3 - "$dir/xmlrpc/xmlrpc.sock" "$name" <<'PY'
import http.client, socket, sys, xmlrpc.client
class Conn(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=600)
        self.path = path
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(600)
        self.sock.connect(self.path)
class Unix(xmlrpc.client.Transport):
    def make_connection(self, host):
        return Conn(sys.argv[1])
srv = xmlrpc.client.ServerProxy("http://localhost/", transport=Unix(), allow_none=True)
# xm migrate --live tiny localhost: (dom, dst, live, port, node, ssl, change_home_server)
srv.xend.domain.migrate(sys.argv[2], "localhost", 1, 0, -1, 0, 0)
PY
then landed "xend.domain.migrate (Python 3 xmlrpc.client)" "$before"
else
	echo "FAIL: xend.domain.migrate"; serve_state; fail=1
fi
before=$(xl domid "$name")
body=$(curl -sS --max-time 600 --unix-socket "$dir/http/xend-socket" -w ' HTTP %{http_code}' \
	-d 'op=migrate&destination=localhost&live=1&port=0&node=-1&ssl=0&change_home_server=0&resource=0' \
	"http://localhost/xend/domain/$name")
case "$body" in
*xend.err*|*"HTTP 5"*|*"HTTP 4"*|*"HTTP 000"*) echo "FAIL: op=migrate: $body"; serve_state; fail=1 ;;
*) landed "op=migrate over HTTP/SXP (curl): $(echo "$body" | tr -d '\n')" "$before" ;;
esac
kill "$srv" 2>/dev/null; wait "$srv" 2>/dev/null

# 7. For scale (informational): the same guest through plain `xl save` and
# `xl restore` on this host, against step 4's xendshim migration.
now() { date +%s.%N; }
t1=$(now)
if xl save "$name" "$dir/plain.img" >/dev/null 2>&1; then
	t2=$(now)
	xl restore "$dir/plain.img" >/dev/null 2>&1
	t3=$(now)
	secs() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", b - a}'; }
	echo "timing: xl save $(secs "$t1" "$t2")s + xl restore $(secs "$t2" "$t3")s of $(stat -c %s "$dir/plain.img") bytes; xendshim migrate took ${took:-?}s (step 4, save + TLS + restore + commit)"
	rm -f "$dir/plain.img"
fi
xl destroy "$name" 2>/dev/null
exit $fail
