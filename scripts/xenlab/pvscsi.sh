#!/usr/bin/env bash
# pvscsi.sh is `make xenlab-pvscsi`: the PVSCSI scenario on a real Xen host.
# It boots xenlab (Xen 4.17 + Debian dom0 under QEMU) with a SCSI disk given
# to dom0 (XENLAB_QEMU_EXTRA: virtio-scsi + scsi-hd on a sparse image), and
# runs pvscsi-dom0.sh there: dom0 writes known patterns to that disk and to
# a file, builds a guest initramfs with xen-scsifront from the same kernel,
# then xendshim (xl backend) creates a guest with a vscsi device through
# XML-RPC (pvscsi_client.py), which must see the LUNs and read the patterns
# from inside; hot-plug and detach must follow; configfs, xenstore and the
# xenbus states are asserted from dom0 at every step. Needs root and QEMU.
#   XENLAB_SH   path of xenlab.sh (default ../shared/xenlab/xenlab.sh)
#   LANE_OUT    run directory (default a new one under /tmp)
#   PVSCSI_REMAKE=1  also remove a controller and make it again at once
#               (C xenstored died doing that in one run; see pvscsi_client.py)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
xenlab=${XENLAB_SH:-$root/../shared/xenlab/xenlab.sh}
[[ -f $xenlab ]] || xenlab=/work/shared/xenlab/xenlab.sh
if [[ $(id -u) != 0 ]]; then echo "xenlab-pvscsi: needs root (debootstrap, QEMU)"; exit 2; fi
out=${LANE_OUT:-$(mktemp -d /tmp/xenlab-pvscsi.XXXXXX)}
mkdir -p "$out/share"
echo "xenlab-pvscsi: building static binaries into $out/share"
CGO_ENABLED=0 ${GO:-go} build -o "$out/share/xendshim" ./cmd/xendshim
cp scripts/xenlab/pvscsi_client.py scripts/xenlab/pvscsi-guest-init "$out/share/"
# PVSCSI_REMAKE=1 adds an experiment: a controller removed and made again at once
if [[ -n ${PVSCSI_REMAKE:-} ]]; then touch "$out/share/remake"; fi
# dom0's SCSI disk: 64 MiB, sparse, thrown away with the run directory
truncate -s 64M "$out/scsi-disk.img"
# Same dom0 package list as the lane (lane.sh), so both share one cached image.
export XENLAB_EXTRA_PKGS=${XENLAB_EXTRA_PKGS-python3 curl socat}
export XENLAB_QEMU_EXTRA="-device virtio-scsi-pci,id=scsi0 -drive file=$out/scsi-disk.img,if=none,format=raw,id=sd0 -device scsi-hd,drive=sd0,bus=scsi0.0,serial=xendshim-pvscsi"
rc=0
nice bash "$xenlab" run scripts/xenlab/pvscsi-dom0.sh "$out" >"$out/xenlab.log" 2>&1 || rc=$?
cat "$out/out.log" 2>/dev/null || { echo "xenlab-pvscsi: no output; xenlab said:"; tail -30 "$out/xenlab.log"; }
echo "xenlab-pvscsi: run directory $out (serial.log, timings, share/guest.log); timings:"; cat "$out/timings" 2>/dev/null || true
exit $rc
