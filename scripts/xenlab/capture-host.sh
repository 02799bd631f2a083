#!/usr/bin/env bash
# capture-host.sh boots xenlab once, runs capture.sh in dom0 and copies the
# recorded xl/xenstore outputs into toolstack/xl/testdata/xen-4.17/ (the
# fixtures of the xl parser tests). Run as root from the repository root:
#   bash scripts/xenlab/capture-host.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
xenlab=${XENLAB_SH:-/work/shared/xenlab/xenlab.sh}
out=$(mktemp -d /tmp/xenlab-capture.XXXXXX)
rc=0
nice bash "$xenlab" run scripts/xenlab/capture.sh "$out" || rc=$?
cat "$out/out.log" || true
dest=toolstack/xl/testdata/xen-4.17
mkdir -p "$dest"
cp "$out"/share/capture/* "$dest"/
echo "captured $(ls "$dest" | wc -l) files into $dest (xenlab rc=$rc, run dir $out)"
