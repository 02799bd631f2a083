#!/bin/sh
# pvscsi-dom0.sh runs inside xenlab's dom0 (see pvscsi.sh): the PVSCSI
# scenario. /mnt/xenlab holds xendshim (static), pvscsi_client.py and
# pvscsi-guest-init. Exit status: the number of failed checks.
cd /mnt/xenlab || exit 125
echo "xl: $(xl info | grep -E '^xen_version' | tr -s ' ')  kernel $(uname -r)"

echo "=== dom0: SCSI disk and kernel target"
for m in virtio_scsi sd_mod target_core_iblock target_core_file xen-scsiback; do modprobe $m || echo "modprobe $m failed"; done
sleep 1
ls /sys/kernel/config/target
hctl=; blk=
for d in /sys/bus/scsi/devices/*:*:*:*; do
	[ -d "$d/block" ] || continue
	hctl=${d##*/}; blk=$(ls "$d/block" | head -n 1)
done
echo "dom0 SCSI disk: $hctl = /dev/$blk ($(cat /sys/bus/scsi/devices/$hctl/model 2>/dev/null))"
if [ -z "$blk" ]; then echo "PVSCSI FAIL no SCSI disk in dom0 (XENLAB_QEMU_EXTRA)"; exit 1; fi

# Known patterns: one on the SCSI disk (iblock LUN), one in a file (fileio LUN).
pat1="XENDSHIM-PVSCSI-DISK-$(date +%s)"
pat2="XENDSHIM-PVSCSI-FILE-$(date +%s)"
printf '%s' "$pat1" > /tmp/pat1
dd if=/tmp/pat1 of=/dev/$blk bs=512 count=1 conv=sync oflag=direct 2>/dev/null
dd if=/dev/zero of=/var/tmp/pvscsi-lun1.img bs=1M count=8 2>/dev/null
printf '%s' "$pat2" | dd of=/var/tmp/pvscsi-lun1.img conv=notrunc 2>/dev/null
sync
echo "dom0 wrote $pat1 to /dev/$blk and $pat2 to /var/tmp/pvscsi-lun1.img"
echo "dom0 reads back: $(dd if=/dev/$blk bs=512 count=1 iflag=direct 2>/dev/null | tr -d '\000')"

echo "=== guest initramfs: tiny's + xen-scsifront, sd_mod and their dependencies from $(uname -r)"
g=/var/tmp/pvscsi-initrd
rm -rf $g; mkdir -p $g/lib/modules/pvscsi
(cd $g && gunzip -c /var/lib/xenlab/guest-initrd.gz | cpio -id --quiet)
kmod=/lib/modules/$(uname -r)
: > $g/lib/modules/pvscsi/order
for m in scsi_common scsi_mod crct10dif_common crct10dif_generic crc-t10dif crc64 crc64_rocksoft_generic crc64-rocksoft t10-pi sd_mod xen-scsifront; do
	f=$(modinfo -n $m 2>/dev/null)
	if [ -z "$f" ] || [ ! -f "$f" ]; then echo "(no module file for $m: built in?)"; continue; fi
	case $f in
	*.ko.xz) xz -dc "$f" > $g/lib/modules/pvscsi/$m.ko ;;
	*.ko.zst) zstd -dqc "$f" > $g/lib/modules/pvscsi/$m.ko ;;
	*) cp "$f" $g/lib/modules/pvscsi/$m.ko ;;
	esac
	echo $m >> $g/lib/modules/pvscsi/order
done
echo "modules: $(cat $g/lib/modules/pvscsi/order | tr '\n' ' ')"
cp /mnt/xenlab/pvscsi-guest-init $g/init; chmod +x $g/init
(cd $g && find . | cpio -o -H newc --quiet | gzip -1) > /var/lib/xenlab/guest-initrd-pvscsi.gz
ls -la /var/lib/xenlab/guest-initrd-pvscsi.gz

echo "=== xendshim serve --backend xl"
mkdir -p /var/tmp/pvscsi
./xendshim serve --backend xl --state-dir /var/tmp/pvscsi/state \
	--xmlrpc-socket /var/run/xend/xmlrpc.sock --http-socket /var/lib/xend/xend-socket \
	>/var/tmp/pvscsi/serve.log 2>&1 &
shim=$!
i=0
while [ ! -S /var/run/xend/xmlrpc.sock ] && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
python3 ./pvscsi_client.py /var/run/xend/xmlrpc.sock "$hctl" /var/tmp/pvscsi-lun1.img "$pat1" "$pat2"
fails=$?
kill $shim 2>/dev/null; wait $shim 2>/dev/null
echo "--- xendshim log (last 30 lines)"; tail -30 /var/tmp/pvscsi/serve.log
echo "--- dom0 kernel log (xen-pvscsi, scsi, segfaults)"; dmesg | grep -iE 'pvscsi|scsiback|target|iblock|fileio|segfault|xenstore' | tail -30
echo "--- xenstored: $(pidof xenstored || echo NOT RUNNING)"; tail -20 /var/log/xen/xenstored*.log 2>/dev/null
echo "--- guest console"; cat /var/log/xen/console/guest-pvscsi*.log 2>/dev/null | tail -60
cp /var/log/xen/console/guest-pvscsi*.log /mnt/xenlab/ 2>/dev/null
echo "--- xl list at the end"; timeout 30 xl list
echo "PVSCSI RESULT: $fails check(s) failed"
exit $fails
