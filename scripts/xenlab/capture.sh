#!/bin/sh
# capture.sh runs inside xenlab's dom0 (xenlab.sh run) and records the real
# output of every xl and xenstore command the xl backend parses, plus the
# error text of commands that fail, into /mnt/xenlab/capture/. Each command
# NAME leaves NAME.stdout, NAME.err (stderr) and NAME.rc (exit status).
# The files are committed under toolstack/xl/testdata/xen-4.17/ by
# scripts/xenlab/capture-host.sh and feed the parser unit tests.
out=/mnt/xenlab/capture
mkdir -p "$out"
cap() { # cap NAME CMD...
	n=$1; shift
	timeout 90 "$@" >"$out/$n.stdout" 2>"$out/$n.err"
	echo $? >"$out/$n.rc"
	echo "### $n rc=$(cat "$out/$n.rc"): $*"
}
wait_guest() { # wait_guest NAME: until the busybox init of the guest printed its banner
	i=0
	until grep -q 'GUEST: tiny PV guest up' "/var/log/xen/console/guest-$1.log" 2>/dev/null || [ $i -ge 240 ]; do
		sleep 0.5; i=$((i + 1))
	done
}

cap version xl -V
cap info xl info
cap info-n xl info -n
cap list xl list
cap list-l xl list -l
cap list-l-0 xl list -l 0
cap list-v xl list -v
cap list-n xl list -n
cap vcpu-list xl vcpu-list
cap dmesg xl dmesg
cap sched-credit xl sched-credit
cap sched-credit2 xl sched-credit2
cap block-list-0 xl block-list 0
cap network-list-0 xl network-list 0
cap usbctrl-list-0 xl usbctrl-list 0
cap pci-list-0 xl pci-list 0
cap pci-assignable-list xl pci-assignable-list
cap uptime xl uptime
cap domid-0 xl domid Domain-0
cap domname-0 xl domname 0
cap xs-ls-dom0 xenstore-ls -f /local/domain/0
cap xs-ls-root xenstore-ls -f /
cap xs-perms-dom0 xenstore-ls -p /local/domain/0

# Errors for things that do not exist.
cap err-list-nosuch xl list nosuch
cap err-list-l-nosuch xl list -l nosuch
cap err-pause-nosuch xl pause nosuch
cap err-destroy-nosuch xl destroy nosuch
cap err-shutdown-nosuch xl shutdown nosuch
cap err-memset-nosuch xl mem-set nosuch 64m
cap err-vcpuset-nosuch xl vcpu-set nosuch 1
cap err-create-nofile xl create /nonexistent.cfg
printf 'name = "bad"\nmemory = "lots\n' >/tmp/bad.cfg
cap err-create-syntax xl create /tmp/bad.cfg
printf 'name = "nokernel"\ntype = "pv"\nmemory = 64\n' >/tmp/nokernel.cfg
cap err-create-nokernel xl create /tmp/nokernel.cfg
printf 'name = "nofile"\ntype = "pv"\nkernel = "/nonexistent/vmlinuz"\nmemory = 64\n' >/tmp/nofile.cfg
cap err-create-kernel-missing xl create /tmp/nofile.cfg
cap err-restore-nofile xl restore /nonexistent.save
cap err-unknown-cmd xl frobnicate

# A guest: the tiny PV domain, with the monitor (plain create) as the backend does it.
cap create xl create /etc/xen/tiny.cfg
wait_guest tiny
cap create-log cat /var/log/xen/xl-tiny.log
cap monitor-ps sh -c 'ps -eo pid,args | grep "[x]l create"'
cap guest-list xl list
cap guest-list-l xl list -l
cap guest-list-l-tiny xl list -l tiny
cap guest-list-v xl list -v
cap guest-vcpu-list xl vcpu-list
cap guest-uptime xl uptime
cap guest-domid xl domid tiny
domid=$(xl domid tiny)
cap guest-xs-ls xenstore-ls -f /local/domain/$domid
cap guest-xs-vm sh -c "xenstore-ls -f \$(xenstore-read /local/domain/$domid/vm)"
cap guest-xs-libxl sh -c "xenstore-ls -f /libxl/$domid"
cap guest-console-tty xenstore-read /local/domain/$domid/console/tty
cap err-create-dup xl create /etc/xen/tiny.cfg
cap guest-sched-credit2-tiny xl sched-credit2 -d tiny
cap guest-sched-credit2-w xl sched-credit2 -d tiny -w 512
cap guest-sched-credit2-after xl sched-credit2 -d tiny
cap guest-sched-credit xl sched-credit -d tiny
cap guest-pause xl pause tiny
cap guest-list-paused xl list tiny
cap err-pause-twice xl pause tiny
cap guest-unpause xl unpause tiny
cap guest-memset xl mem-set tiny 96m
cap err-memset-toomuch xl mem-set tiny 100g
cap guest-memmax xl mem-max tiny 200m
cap err-memset-garbage xl mem-set tiny lots
cap guest-vcpuset xl vcpu-set tiny 2
cap err-vcpuset-toomany xl vcpu-set tiny 8
cap guest-vcpupin xl vcpu-pin tiny 0 1
cap guest-vcpupin-all xl vcpu-pin tiny all all
cap err-vcpupin-bad xl vcpu-pin tiny 7 0
sleep 3
cap guest-vcpu-list-after xl vcpu-list tiny
cap guest-list-after xl list tiny

# Devices. A raw file for block-attach (libxl runs the hotplug script itself).
dd if=/dev/zero of=/var/tmp/disk.img bs=1M count=16 2>/dev/null
cap guest-block-attach xl block-attach tiny /var/tmp/disk.img,raw,xvdb,w
cap guest-block-list xl block-list tiny
cap guest-xs-vbd-backend sh -c "xenstore-ls -f /local/domain/0/backend/vbd/$domid"
cap guest-block-detach xl block-detach tiny xvdb
cap err-block-detach-nosuch xl block-detach tiny xvdz
cap err-block-attach-badspec xl block-attach tiny 'frobnicate=yes'
ip link add xenbr0 type bridge 2>/dev/null && ip link set xenbr0 up
cap guest-network-attach xl network-attach tiny bridge=xenbr0,mac=00:16:3e:00:00:01
cap guest-network-list xl network-list tiny
cap guest-xs-vif-backend sh -c "xenstore-ls -f /local/domain/0/backend/vif/$domid"
cap guest-network-detach xl network-detach tiny 00:16:3e:00:00:01
cap err-network-detach-nosuch xl network-detach tiny 9
cap guest-usbctrl-attach xl usbctrl-attach tiny version=2,ports=4
cap guest-usbctrl-list xl usbctrl-list tiny
cap guest-usbctrl-detach xl usbctrl-detach tiny 0
cap err-usbdev-attach xl usbdev-attach tiny hostbus=1,hostaddr=1
cap err-pci-attach xl pci-attach tiny 0000:00:1f.0
cap guest-pci-list xl pci-list tiny
cap err-pci-detach xl pci-detach tiny 0000:00:1f.0

# Save, restore, dump-core.
cap guest-save xl save tiny /var/tmp/tiny.save
cap list-after-save xl list
cap err-save-nosuch xl save nosuch /var/tmp/x.save
cap guest-restore xl restore /var/tmp/tiny.save
cap list-after-restore xl list
cap err-restore-dup xl restore /var/tmp/tiny.save
cap guest-dump-core xl dump-core tiny /var/tmp/tiny.core
cap err-dump-core-badpath xl dump-core tiny /nonexistent/dir/tiny.core
cap guest-reboot xl reboot tiny
sleep 8
cap list-after-reboot xl list
cap guest-shutdown-w xl shutdown -w tiny
cap list-after-shutdown xl list

# Without the monitor (xl create -e): shutdown leaves a shut-down domain behind.
cap create-e xl create -e /etc/xen/tiny.cfg
wait_guest tiny
cap guest-shutdown-nomon xl shutdown -w tiny
cap list-after-shutdown-nomon xl list
cap list-l-after-shutdown-nomon xl list -l
cap destroy-after-shutdown-nomon xl destroy tiny
cap create-p xl create -p /etc/xen/tiny.cfg
cap list-created-paused xl list
cap destroy-paused xl destroy tiny
cap list-final xl list
cap dmesg-c xl dmesg -c
echo "### capture done"
