#!/usr/bin/env python3
"""PVSCSI scenario of the xenlab lane, run in dom0 by pvscsi-dom0.sh.

xendshim (xl backend) is driven over XML-RPC as xm drove xend: create a
guest whose config has a vscsi device, hot-plug a second LUN and detach
both with device_configure (xm scsi-attach / scsi-detach), list with
getDeviceSxprs (xm scsi-list), then attach again and destroy the domain.
The guest's console (pvscsi-guest-init) says what the guest sees; dom0's
configfs and xenstore are checked at each step. Prints "ok"/"FAIL" per
step; the exit status is the number of failures. Usage:
    pvscsi_client.py XMLRPC_SOCKET HCTL FILE PATTERN1 PATTERN2
"""
import glob
import http.client
import os
import socket
import subprocess
import sys
import time
import xmlrpc.client

SOCK, HCTL, FILE, PAT1, PAT2 = sys.argv[1:6]
NAME = "pvscsi-guest"
LOG = "/var/log/xen/console/guest-%s.log" % NAME
CFS = "/sys/kernel/config/target"
failures = 0
state = {}


class UnixConn(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=300)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(300)
        self.sock.connect(self.path)


class UnixTransport(xmlrpc.client.Transport):
    def make_connection(self, host):
        return UnixConn(SOCK)


server = xmlrpc.client.ServerProxy("http://localhost/RPC2", transport=UnixTransport(), allow_none=True)


def xenstored_alive():
    return subprocess.run(["pidof", "xenstored"], capture_output=True).returncode == 0


def step(name, fn):
    global failures
    t0 = time.time()
    if not xenstored_alive():
        failures += 1
        print("FAIL %-60s: xenstored is not running" % name, flush=True)
        return
    try:
        fn()
        print("ok   %-60s %6.2fs" % (name, time.time() - t0), flush=True)
    except Exception as e:
        failures += 1
        print("FAIL %-60s %6.2fs: %s: %s" % (name, time.time() - t0, type(e).__name__, e), flush=True)


def wait_for(cond, what, timeout=60, every=0.5):
    end = time.time() + timeout
    while time.time() < end:
        v = cond()
        if v:
            return v
        time.sleep(every)
    raise AssertionError("timed out after %ds waiting for %s" % (timeout, what))


def console_says(text, timeout=120):
    def seen():
        try:
            with open(LOG, errors="replace") as f:
                return text in f.read()
        except OSError:
            return False
    wait_for(seen, "%r on the guest console" % text, timeout)


def xs(*args):
    r = subprocess.run(list(args), capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else None


def xs_read(path):
    return xs("xenstore-read", path)


def ports():
    return sorted(glob.glob(CFS + "/xen-pvscsi/naa.6001405ec5*"))


def backstores():
    return sorted(glob.glob(CFS + "/core/*/xendshim_*"))


def lun(vdev, pdev, st="Initialising"):
    return ["vscsi", ["dev", ["state", st], ["devid", 0], ["p-dev", pdev], ["v-dev", vdev]], ["feature-host", 0]]


def config():
    return ["vm", ["name", NAME], ["memory", 128], ["maxmem", 256], ["vcpus", 1],
            ["on_poweroff", "destroy"], ["on_reboot", "restart"], ["on_crash", "preserve"],
            ["image", ["linux", ["kernel", "/boot/vmlinuz"], ["ramdisk", "/var/lib/xenlab/guest-initrd-pvscsi.gz"],
                       ["args", "console=hvc0 loglevel=4"]]],
            ["device", lun("0:0:0:0", HCTL)]]


def be(sub=""):
    return "/local/domain/0/backend/vscsi/%d/0%s" % (state["domid"], sub)


def fe(sub=""):
    return "/local/domain/%d/device/vscsi/0%s" % (state["domid"], sub)


def create():
    info = server.xend.domain.create(config())
    domid = [x for x in info if isinstance(x, list) and x and x[0] == "domid"][0][1]
    state["domid"] = int(domid)
    assert state["domid"] > 0, info


def dom0_target():
    p = ports()
    assert len(p) == 1, "xen-pvscsi ports %r; want one" % p
    state["wwn"] = os.path.basename(p[0])
    link = p[0] + "/tpgt_1/lun/lun_0/xendshim_port"
    assert os.path.islink(link), "no LUN link %s" % link
    store = os.path.realpath(link)
    assert "/core/iblock_0/xendshim_" in store, "LUN 0 is linked to %s; want an iblock backstore" % store
    with open(store + "/udev_path") as f:
        udev = f.read().strip()
    with open(store + "/info") as f:
        info = " ".join(f.read().split())
    with open(store + "/enable") as f:
        enabled = f.read().strip()
    dev = "/dev/" + os.listdir("/sys/bus/scsi/devices/%s/block" % HCTL)[0]
    assert udev == dev, "backstore udev_path %r; want %r" % (udev, dev)
    assert enabled == "1" and "ACTIVATED" in info and dev[5:] in info, "backstore enable %r, info %r" % (enabled, info)
    with open(p[0] + "/tpgt_1/nexus") as f:
        nexus = f.read().strip()
    assert nexus.startswith("naa."), "nexus %r" % nexus
    print("     configfs: %s -> %s (udev_path %s, info %s), nexus %s" % (p[0], store, udev, info, nexus))


def dom0_xenstore_paused():
    want = {be("/frontend"): fe(), be("/frontend-id"): str(state["domid"]), be("/online"): "1",
            be("/vscsi-devs/dev-0/p-dev"): state["wwn"] + ":0", be("/vscsi-devs/dev-0/v-dev"): "0:0:0:0",
            fe("/backend"): be(), fe("/backend-id"): "0"}
    for k, v in want.items():
        got = xs_read(k)
        assert got == v, "%s = %r; want %r" % (k, got, v)
    st = xs_read(be("/state"))
    assert st == "2", "backend state %r; want 2 (InitWait: scsiback took it, the paused guest has not connected)" % st
    print("     backend state %s, frontend state %s, LUN state %s" % (st, xs_read(fe("/state")), xs_read(be("/vscsi-devs/dev-0/state"))))


def unpause():
    server.xend.domain.unpause(NAME)
    console_says("GUEST: insmod xen-scsifront ok", 240)


def guest_reads_lun0():
    console_says("GUEST: pvscsi read 0:0:0 " + PAT1, 120)


def states_connected(nodes=("dev-0",)):
    def ok():
        got = [xs_read(be("/state")), xs_read(fe("/state"))] + [xs_read(be("/vscsi-devs/%s/state" % n)) for n in nodes]
        return all(s == "4" for s in got) and got
    got = wait_for(ok, "backend, frontend and LUN states 4 (Connected)", 30)
    print("     xenbus states backend/frontend/LUNs: %s" % got)


def scsi_list():
    # xm scsi-list: getDeviceSxprs; xm list -l: the domain record
    sx = server.xend.domain.getDeviceSxprs(NAME, "vscsi")
    print("     getDeviceSxprs(vscsi) = %r" % (sx,))
    rec = server.xend.domain(NAME, 1)
    dev = [d for d in rec if isinstance(d, list) and d and d[0] == "device" and d[1][0] == "vscsi"]
    print("     domain record vscsi = %r" % (dev,))
    assert sx and str(sx[0][0]) == "0", "getDeviceSxprs(vscsi) has no controller 0: %r" % (sx,)
    text = repr(dev)
    assert "0:0:0:0" in text and HCTL in text, "record lacks v-dev 0:0:0:0 / p-dev %s: %r" % (HCTL, dev)


def hotplug_file_lun():
    server.xend.domain.device_configure(NAME, lun("0:0:1:0", FILE))
    assert len(ports()) == 2, "ports %r" % ports()
    assert any("/core/fileio_0/" in b for b in backstores()), "no fileio backstore: %r" % backstores()
    assert xs_read(be("/vscsi-devs/dev-1/v-dev")) == "0:0:1:0", "dev-1 v-dev %r" % xs_read(be("/vscsi-devs/dev-1/v-dev"))
    states_connected(("dev-0", "dev-1"))


def guest_reads_lun1():
    console_says("GUEST: pvscsi read 0:1:0 " + PAT2, 90)


def detach_file_lun():
    server.xend.domain.device_configure(NAME, lun("0:0:1:0", FILE, "Closing"))
    assert xs_read(be("/vscsi-devs/dev-1/v-dev")) is None, "dev-1 still in xenstore"
    assert len(ports()) == 1 and len(backstores()) == 1, "configfs after detach: %r %r" % (ports(), backstores())
    states_connected()


def guest_lost_lun1():
    console_says("GUEST: pvscsi gone 0:1:0", 60)


def detach_last_lun():
    server.xend.domain.device_configure(NAME, lun("0:0:0:0", HCTL, "Closing"))
    wait_for(lambda: xs_read(be("/state")) is None and xs_read(fe("/state")) is None, "controller gone from xenstore", 30)
    assert not ports() and not backstores(), "configfs left: %r %r" % (ports(), backstores())


def guest_lost_lun0():
    console_says("GUEST: pvscsi gone 0:0:0", 60)


def remake_controller():
    # run 2 of this lane: C xenstored died when controller 0 was made again
    # right after its removal (PVSCSI_REMAKE=1 pvscsi.sh runs this)
    server.xend.domain.device_configure(NAME, lun("0:0:0:0", HCTL))
    wait_for(lambda: xs_read(be("/vscsi-devs/dev-0/state")) == "4", "controller 0 Connected", 60)
    server.xend.domain.device_configure(NAME, lun("0:0:0:0", HCTL, "Closing"))
    wait_for(lambda: xs_read(be("/state")) is None, "controller 0 gone", 30)
    try:
        server.xend.domain.device_configure(NAME, lun("0:0:0:0", HCTL))
        wait_for(lambda: xs_read(be("/vscsi-devs/dev-0/state")) == "4", "controller 0 Connected again", 60)
    finally:
        print("     xenstored after re-make: %s" % ("alive" if xenstored_alive() else "DEAD"), flush=True)
        print("     " + subprocess.run("dmesg | tail -5", shell=True, capture_output=True, text=True).stdout.replace("\n", "\n     "))
    server.xend.domain.device_configure(NAME, lun("0:0:0:0", HCTL, "Closing"))
    wait_for(lambda: xs_read(be("/state")) is None, "controller 0 gone", 30)


def attach_then_destroy():
    # a new controller (devid 1): run 2 of this lane saw C xenstored die
    # when controller 0 was made again at once at the same path
    server.xend.domain.device_configure(NAME, ["vscsi", ["dev", ["state", "Initialising"], ["devid", 1], ["p-dev", HCTL],
                                                         ["v-dev", "1:0:0:0"]], ["feature-host", 0]])
    be1 = "/local/domain/0/backend/vscsi/%d/1" % state["domid"]
    wait_for(lambda: xs_read(be1 + "/state") == "4" and xs_read(be1 + "/vscsi-devs/dev-0/state") == "4", "controller 1 Connected", 60)
    assert len(ports()) == 1, "ports %r" % ports()
    def again():
        with open(LOG, errors="replace") as f:
            return f.read().count("GUEST: pvscsi read 0:0:0 " + PAT1) >= 2
    wait_for(again, "the guest reading the LUN again through controller 1", 60)
    server.xend.domain.destroy(NAME)
    wait_for(lambda: not ports() and not backstores(), "configfs cleaned after destroy", 30)
    wait_for(lambda: xs_read("/local/domain/0/backend/vscsi/%d" % state["domid"]) is None, "backend dir gone after destroy", 30)


step("create a guest with a vscsi LUN through the shim (paused)", create)
step("dom0: configfs iblock backstore, xen-pvscsi port, LUN, nexus", dom0_target)
step("dom0: xenstore backend/frontend nodes; backend InitWait", dom0_xenstore_paused)
step("unpause: guest boots and loads xen-scsifront", unpause)
step("guest: sees the LUN and reads dom0's pattern from it", guest_reads_lun0)
step("xenbus: backend, frontend and LUN Connected", states_connected)
step("scsi-list: getDeviceSxprs(vscsi) and the domain record", scsi_list)
step("scsi-attach: hot-plug a file-backed LUN (configfs, xenstore, states)", hotplug_file_lun)
step("guest: sees the hot-plugged LUN and reads its pattern", guest_reads_lun1)
step("scsi-detach: file LUN gone from xenstore and configfs", detach_file_lun)
step("guest: the file LUN is gone", guest_lost_lun1)
step("scsi-detach last LUN: controller and target removed", detach_last_lun)
step("guest: the last LUN is gone", guest_lost_lun0)
if os.path.exists("/mnt/xenlab/remake"):
    step("experiment: remove controller 0 and make it again at once", remake_controller)
step("attach again, destroy the domain: everything torn down", attach_then_destroy)
sys.exit(failures)
