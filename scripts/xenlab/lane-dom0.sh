#!/bin/sh
# lane-dom0.sh runs inside xenlab's dom0 (xenlab.sh run): it is the body of
# `make xenlab-test`. /mnt/xenlab holds what scripts/xenlab/lane.sh put there:
# xenstore.test and xl.test (Go test binaries), xendshim (static), and
# lane_client.py. Each part prints "LANE ok|FAIL <part>"; the exit status is
# the number of failed parts.
cd /mnt/xenlab || exit 125
fails=0
part() { # part NAME CMD...: run, time, report
	name=$1; shift
	echo; echo "=== $name"
	s=$(date +%s)
	"$@"; rc=$?
	t=$(( $(date +%s) - s ))
	if [ $rc = 0 ]; then echo "LANE ok   $name (${t}s)"; else echo "LANE FAIL $name (rc=$rc, ${t}s)"; fails=$((fails + 1)); fi
}
echo "xl: $(xl info | grep -E '^xen_version' | tr -s ' ')"
parts=$(cat parts 2>/dev/null || echo "xenstore conformance shim native migrate")
want() { case " $parts " in *" $1 "*) return 0;; esac; return 1; }

# 1. The xenstore client against the real xenstored.
want xenstore && part "xenstore client vs real xenstored" ./xenstore.test -test.v -test.run 'TestRealXenstored' -test.count 1

# 2. The conformance suite against the xl backend on this host. The host has
# no working vbd/vif hotplug (no udev, see the xenlab README), so those two
# subtests are run but reported apart.
run=$(cat run 2>/dev/null || echo 'TestConformanceRealHost')
want conformance && part "toolstack conformance (xl backend)" ./xl.test -test.v -test.count 1 -test.timeout 30m \
	-test.run "$run" -test.skip 'TestConformanceRealHost/(DiskDevices|NetworkDevices|Concurrent)'
keep=$fails
# Concurrent creates 8 guests 4 at a time; alone, with its own time limit so
# that a hang shows every goroutine. Informational on this emulated host:
# under that load its dom0 misbehaves (libxc "unable to XZ decompress
# kernel: Invalid kernel" for the same kernel that boots serially, garbled
# `xl list` lines, ld.so inconsistency asserts; see README.md), although
# the backend runs one `xl create` at a time. The same subtest passes
# against the fake xl under -race in `make test`.
want conformance && part "toolstack conformance: concurrent create/destroy (informational on TCG)" ./xl.test -test.v -test.count 1 \
	-test.timeout 15m -test.run 'TestConformanceRealHost/Concurrent'
want conformance && part "toolstack conformance: disk+network hotplug (informational: needs hotplug scripts)" ./xl.test -test.v -test.count 1 \
	-test.timeout 10m -test.run 'TestConformanceRealHost/(DiskDevices|NetworkDevices)'
fails=$keep

# 3. xendshim serve --backend xl, driven by python3 xmlrpc.client and curl.
if ! want shim; then
	:
elif [ -x ./xendshim ]; then
	mkdir -p /var/tmp/lane
	./xendshim serve --backend xl --state-dir /var/tmp/lane/state \
		--xmlrpc-socket /var/run/xend/xmlrpc.sock --http-socket /var/lib/xend/xend-socket \
		>/var/tmp/lane/serve.log 2>&1 &
	shim=$!
	i=0
	while [ ! -S /var/lib/xend/xend-socket ] && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
	part "xendshim serve --backend xl: xmlrpc + http/sxp flows" python3 ./lane_client.py \
		/var/run/xend/xmlrpc.sock /var/lib/xend/xend-socket /var/tmp/lane
	kill $shim 2>/dev/null; wait $shim 2>/dev/null
	echo "--- xendshim log (last 40 lines)"; tail -40 /var/tmp/lane/serve.log
else
	echo "LANE FAIL xendshim binary missing"; fails=$((fails + 1))
fi
# 4. A localhost migration of the tiny guest on real Xen over TLS 1.3 with
# mutual certificate checks: xl migrate over socat, then through xendshim's
# own transport (xl migrate -s "xendshim migrate-connect" to
# "xendshim migrate-receive --xl"), plus a rogue-certificate refusal.
# Informational for now: on this emulated host `xl migrate` itself cannot
# work — the sender's libxc fails "Failed to enable logdirty: 95" (log-dirty
# mode is unavailable), with or without xendshim. Through xendshim's tunnel
# the TLS check, the policy decision and the confinement of xl's config do
# happen before that (see the audit line it prints).
# 5. The same guest through xendshim's native transport on the xl backend
# (xendshim migrate / migrate-receive --backend xl: XMP/1, policy,
# journalled commit; xl save / xl restore underneath, so no log-dirty).
want native && part "native migration: xendshim migrate --backend xl tiny localhost (XMP/1 over TLS 1.3)" \
	env XENDSHIM=/mnt/xenlab/xendshim sh ./migrate-native.sh
keep=$fails
want migrate && part "localhost migration over the secure transport (xl migrate -s; informational: no log-dirty here)" \
	env XENDSHIM=/mnt/xenlab/xendshim sh ./migrate-localhost.sh
fails=$keep
echo; echo "--- xl list at the end"; xl list
echo "--- xen-hotplug.log"; tail -20 /var/log/xen/xen-hotplug.log 2>/dev/null; ls /var/log/xen/
echo "LANE RESULT: $fails part(s) failed"
exit $fails
