#!/usr/bin/env bash
# lane.sh is `make xenlab-test`: the real-Xen lane. It builds static test
# binaries and xendshim, boots xenlab (Xen 4.17 + Debian dom0 under QEMU)
# once, runs lane-dom0.sh there and reports. Needs root and QEMU; the dom0
# image is built on first use and cached in $XENLAB_DIR (~/.cache/xenlab).
#   XENLAB_SH   path of xenlab.sh (default ../shared/xenlab/xenlab.sh)
#   LANE_OUT    run directory (default a new one under /tmp)
#   LANE_PARTS  which parts run in dom0 (default "xenstore conformance shim native migrate")
#   LANE_RUN    -test.run pattern of the conformance part (default TestConformanceRealHost)
set -euo pipefail
# The dom0 image carries socat for the migration part (migrate-localhost.sh).
# xenlab.sh rebuilds its cached image once when this package list changes.
export XENLAB_EXTRA_PKGS=${XENLAB_EXTRA_PKGS-python3 curl socat}
cd "$(dirname "$0")/../.."
root=$PWD
xenlab=${XENLAB_SH:-$root/../shared/xenlab/xenlab.sh}
[[ -f $xenlab ]] || xenlab=/work/shared/xenlab/xenlab.sh
if [[ $(id -u) != 0 ]]; then echo "xenlab-test: needs root (debootstrap, QEMU)"; exit 2; fi
out=${LANE_OUT:-$(mktemp -d /tmp/xenlab-lane.XXXXXX)}
mkdir -p "$out/share"
export CGO_ENABLED=0
GO=${GO:-go}
echo "xenlab-test: building static binaries into $out/share"
$GO build -o "$out/share/xendshim" ./cmd/xendshim
$GO test -c -o "$out/share/xenstore.test" ./xenstore
$GO test -c -o "$out/share/xl.test" ./toolstack/xl
cp scripts/xenlab/lane_client.py scripts/xenlab/migrate-localhost.sh scripts/xenlab/migrate-native.sh "$out/share/"
echo "${LANE_PARTS:-xenstore conformance shim native migrate}" >"$out/share/parts"
echo "${LANE_RUN:-TestConformanceRealHost}" >"$out/share/run"
rc=0
nice bash "$xenlab" run scripts/xenlab/lane-dom0.sh "$out" >"$out/xenlab.log" 2>&1 || rc=$?
cat "$out/out.log" 2>/dev/null || { echo "xenlab-test: no output; xenlab said:"; tail -30 "$out/xenlab.log"; }
echo "xenlab-test: run directory $out (serial.log, timings); timings:"; cat "$out/timings" 2>/dev/null || true
exit $rc
