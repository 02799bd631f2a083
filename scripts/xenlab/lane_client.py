#!/usr/bin/env python3
"""Drive xendshim (xl backend) in xenlab's dom0 the way xm and libvirt did.

Part 1 speaks legacy XML-RPC over the UNIX socket with Python 3's
xmlrpc.client (the descendant of xm's xmlrpclib); part 2 speaks HTTP/SXP
with curl over the xend socket, as libvirt's old xen driver did. Every step
asserts its result and prints "ok <step>" or "FAIL <step>: <why>"; the exit
status is the number of failures. Usage:
    lane_client.py XMLRPC_SOCKET HTTP_SOCKET SCRATCH_DIR
"""
import http.client
import os
import socket
import subprocess
import sys
import time
import xmlrpc.client

XMLRPC_SOCK, HTTP_SOCK, SCRATCH = sys.argv[1], sys.argv[2], sys.argv[3]
KERNEL = "/boot/vmlinuz"
RAMDISK = "/var/lib/xenlab/guest-initrd.gz"
failures = 0


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
        return UnixConn(XMLRPC_SOCK)


server = xmlrpc.client.ServerProxy("http://localhost/RPC2", transport=UnixTransport(), allow_none=True)


def step(name, fn):
    """Run fn; it returns None on success or raises AssertionError/Exception."""
    global failures
    t0 = time.time()
    try:
        fn()
        print("ok   %-52s %6.2fs" % (name, time.time() - t0), flush=True)
        return True
    except Exception as e:  # report and go on: one run shows every failure
        failures += 1
        print("FAIL %-52s %6.2fs: %s: %s" % (name, time.time() - t0, type(e).__name__, e), flush=True)
        return False


def sx_get(sx, key, default=None):
    """Value of (key value) inside an SXP list as xmlrpc returns it."""
    for item in sx[1:] if sx and isinstance(sx[0], str) else sx:
        if isinstance(item, list) and item and item[0] == key:
            return item[1] if len(item) == 2 else item[1:]
    return default


def sx_all(sx, key):
    return [item for item in sx if isinstance(item, list) and item and item[0] == key]


def by_name(doms, name):
    for d in doms:
        if sx_get(d, "name") == name:
            return d
    return None


def wait_for(cond, what, timeout=60, every=0.5):
    end = time.time() + timeout
    while time.time() < end:
        v = cond()
        if v:
            return v
        time.sleep(every)
    raise AssertionError("timed out after %ds waiting for %s" % (timeout, what))


def guest_console_says(name, text, timeout=60):
    log = "/var/log/xen/console/guest-%s.log" % name

    def seen():
        try:
            with open(log, errors="replace") as f:
                return text in f.read()
        except OSError:
            return False
    wait_for(seen, "%r in %s" % (text, log), timeout)


def xm_config(name):
    # What xm builds from an xm config file like xenlab's tiny.cfg in xm
    # syntax (kernel/ramdisk/extra/memory/maxmem/vcpus); see specs/xmlrpc.md 8.3.
    # xend's vcpus is the maximum: the guest boots with 2 online.
    return ["vm", ["name", name], ["memory", 128], ["maxmem", 256], ["vcpus", 2],
            ["on_poweroff", "destroy"], ["on_reboot", "restart"], ["on_crash", "preserve"],
            ["image", ["linux", ["kernel", KERNEL], ["ramdisk", RAMDISK],
                       ["args", "console=hvc0 loglevel=4"]]]]


# ---------------------------------------------------------------- XML-RPC
state = {}


def xr_list_dom0():
    doms = server.xend.domains_with_state(True, "all", 1)
    d0 = by_name(doms, "Domain-0")
    assert d0 is not None, "Domain-0 missing from domains_with_state: %r" % doms
    assert int(sx_get(d0, "domid")) == 0, "dom0 domid %r" % sx_get(d0, "domid")
    for key in ("uuid", "memory", "maxmem", "vcpus", "online_vcpus", "state", "cpu_time"):
        assert sx_get(d0, key) is not None, "dom0 record lacks %s: %r" % (key, d0)
    assert int(sx_get(d0, "memory")) > 0 and int(sx_get(d0, "vcpus")) >= 1, d0
    assert "r" in str(sx_get(d0, "state")), "dom0 state %r" % sx_get(d0, "state")


def xr_create():
    dominfo = server.xend.domain.create(xm_config("lane-xm"))
    domid = int(sx_get(dominfo, "domid"))
    assert domid > 0, "create returned domid %r" % domid
    state["xm"] = domid
    # xend's create reply is built before any refresh: status 1 (paused),
    # state "------" (specs/xmlrpc.md 6.3); a lookup shows the flags.
    assert int(sx_get(dominfo, "status")) == 1, "create reply status %r; want 1" % sx_get(dominfo, "status")
    st = str(sx_get(server.xend.domain("lane-xm", 0), "state"))
    assert "p" in st, "created domain not paused: state %r" % st
    server.xend.domain.waitForDevices("lane-xm")
    server.xend.domain.unpause("lane-xm")
    guest_console_says("lane-xm", "GUEST: tiny PV guest up", 90)


def xr_list_guest():
    doms = server.xend.domains_with_state(True, "all", 0)
    d = by_name(doms, "lane-xm")
    assert d is not None, "lane-xm not listed: %r" % [sx_get(x, "name") for x in doms]
    assert int(sx_get(d, "memory")) == 128, "memory %r" % sx_get(d, "memory")
    assert int(sx_get(d, "maxmem")) == 256, "maxmem %r" % sx_get(d, "maxmem")


def xr_list_long():
    doms = server.xend.domains_with_state(True, "all", 1)
    d0 = by_name(doms, "Domain-0")
    assert d0 is not None and sx_get(d0, "uuid"), "dom0 incomplete in list -l: %r" % d0
    d = by_name(doms, "lane-xm")
    assert d is not None, "lane-xm missing in list -l"
    consoles = [dev[1] for dev in sx_all(d, "device") if isinstance(dev[1], list) and dev[1][0] == "console"]
    assert consoles, "no console device in list -l: %r" % d
    tty = sx_get(consoles[0], "tty")
    assert tty and str(tty).startswith("/dev/pts/"), "console tty %r in %r" % (tty, consoles[0])
    real = subprocess.run(["xenstore-read", "/local/domain/%d/console/tty" % state["xm"]],
                          capture_output=True, text=True).stdout.strip()
    assert tty == real, "tty %r; xenstore says %r" % (tty, real)
    image = sx_get(d, "image")
    assert image and "linux" in str(image[0] if isinstance(image, list) else image), "image %r" % image


def xr_state_is(name, flag, want):
    d = server.xend.domain(name, 0)
    st = str(sx_get(d, "state"))
    assert (flag in st) == want, "%s state %r; want %s %s" % (name, st, "with" if want else "without", flag)


def xr_pause():
    server.xend.domain.pause("lane-xm")
    xr_state_is("lane-xm", "p", True)
    xl = subprocess.run(["xl", "list", "lane-xm"], capture_output=True, text=True).stdout
    assert "--p---" in xl, "xl list after pause:\n" + xl
    server.xend.domain.unpause("lane-xm")
    xr_state_is("lane-xm", "p", False)


def xr_memset():
    server.xend.domain.setMemoryTarget("lane-xm", 96)
    t = subprocess.run(["xenstore-read", "/local/domain/%d/memory/target" % state["xm"]],
                       capture_output=True, text=True).stdout.strip()
    assert t == str(96 * 1024), "memory/target %r; want %d" % (t, 96 * 1024)
    d = wait_for(lambda: (lambda d: d if int(sx_get(d, "memory")) == 96 else None)(server.xend.domain("lane-xm", 0)),
                 "memory 96 in the record", 30)
    assert int(sx_get(d, "maxmem")) == 256, d


def xenstore_read(path):
    return subprocess.run(["xenstore-read", path], capture_output=True, text=True).stdout.strip()


def xr_vcpuset():
    avail = "/local/domain/%d/cpu/1/availability" % state["xm"]
    server.xend.domain.setVCpuCount("lane-xm", 1)
    assert xenstore_read(avail) == "offline", "%s = %r after vcpu-set 1" % (avail, xenstore_read(avail))
    server.xend.domain.setVCpuCount("lane-xm", 2)
    assert xenstore_read(avail) == "online", "%s = %r after vcpu-set 2" % (avail, xenstore_read(avail))
    d = wait_for(lambda: (lambda d: d if int(sx_get(d, "online_vcpus")) == 2 else None)(server.xend.domain("lane-xm", 0)),
                 "online_vcpus 2", 30)
    assert int(sx_get(d, "vcpus")) == 2, "vcpus %r" % sx_get(d, "vcpus")
    out = subprocess.run(["xl", "vcpu-list", "lane-xm"], capture_output=True, text=True).stdout
    assert len([l for l in out.splitlines()[1:] if l.strip()]) == 2, "xl vcpu-list:\n" + out
    try:
        server.xend.domain.setVCpuCount("lane-xm", 3)
    except xmlrpc.client.Fault:
        pass
    else:
        raise AssertionError("vcpu-set 3 above the maximum 2 succeeded")


def xr_save_restore():
    path = os.path.join(SCRATCH, "lane-xm.save")
    guest_console_says("lane-xm", "GUEST: alive", 60)  # the guest must answer the suspend request
    server.xend.domain.save("lane-xm", path, False)
    assert os.path.getsize(path) > 1 << 20, "save image %s is %d bytes" % (path, os.path.getsize(path))
    doms = server.xend.domains_with_state(True, "all", 0)
    assert by_name(doms, "lane-xm") is None, "lane-xm still listed after save"
    server.xend.domain.restore(path, False)
    d = server.xend.domain("lane-xm", 0)
    state["xm"] = int(sx_get(d, "domid"))
    t = xenstore_read("/local/domain/%d/memory/target" % state["xm"])
    assert t == str(96 * 1024), "restored memory/target %r; want %d" % (t, 96 * 1024)
    os.remove(path)


def xr_shutdown():
    guest_console_says("lane-xm", "GUEST: alive", 60)
    server.xend.domain.shutdown("lane-xm", "poweroff")
    wait_for(lambda: by_name(server.xend.domains_with_state(True, "all", 0), "lane-xm") is None,
             "lane-xm to power off and disappear", 90)


def xr_destroy():
    server.xend.domain.create(xm_config("lane-xm2"))
    server.xend.domain.unpause("lane-xm2")
    server.xend.domain.destroy("lane-xm2")
    doms = server.xend.domains_with_state(True, "all", 0)
    assert by_name(doms, "lane-xm2") is None, "lane-xm2 listed after destroy"
    try:
        server.xend.domain("lane-xm2", 0)
    except xmlrpc.client.Fault as f:
        assert f.faultCode == 3, "fault %r; want code 3 (unknown domain)" % f
    else:
        raise AssertionError("xend.domain(lane-xm2) answered after destroy")


def xr_unknown():
    try:
        server.xend.domain.pause("no-such-domain")
    except xmlrpc.client.Fault as f:
        assert f.faultCode == 3, "fault %r; want code 3" % f
    else:
        raise AssertionError("pause of an unknown domain succeeded")


# ---------------------------------------------------------------- HTTP/SXP
def curl(method, path, data=None):
    cmd = ["curl", "-sS", "--unix-socket", HTTP_SOCK, "-o", "-", "-w", "\n%{http_code}", "-X", method]
    if data is not None:
        cmd += ["--data-binary", data, "-H", "Content-Type: application/x-www-form-urlencoded"]
    cmd.append("http://localhost" + path)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        raise AssertionError("curl %s %s: %s" % (method, path, out.stderr.strip()))
    body, _, code = out.stdout.rpartition("\n")
    return int(code), body


def http_list():
    code, body = curl("GET", "/xend/domain/")
    assert code == 200 and "Domain-0" in body, "GET /xend/domain/ = %d %r" % (code, body[:200])
    code, body = curl("GET", "/xend/domain/Domain-0?detail=1")
    assert code == 200 and "(domid 0)" in body and "(uuid" in body, "dom0 detail = %d %r" % (code, body[:300])


def http_create():
    cfg = ("(vm (name lane-http) (memory 128) (maxmem 256) (vcpus 1) (on_crash preserve)"
           " (image (linux (kernel %s) (ramdisk %s) (args 'console=hvc0 loglevel=4'))))" % (KERNEL, RAMDISK))
    from urllib.parse import quote
    code, body = curl("POST", "/xend/domain/", "op=create&config=" + quote(cfg))
    assert code in (200, 201), "op=create = %d %r" % (code, body[:300])
    code, body = curl("GET", "/xend/domain/lane-http?detail=1")
    assert code == 200 and "(domid " in body, "detail after create = %d %r" % (code, body[:300])
    code, body = curl("POST", "/xend/domain/lane-http", "op=wait_for_devices")
    assert code in (200, 202), "op=wait_for_devices = %d %r" % (code, body[:300])
    code, body = curl("POST", "/xend/domain/lane-http", "op=unpause")
    assert code in (200, 202), "op=unpause = %d %r" % (code, body[:300])
    guest_console_says("lane-http", "GUEST: tiny PV guest up", 90)


def http_pause():
    for op, flag in (("pause", True), ("unpause", False)):
        code, body = curl("POST", "/xend/domain/lane-http", "op=" + op)
        assert code in (200, 202), "op=%s = %d %r" % (op, code, body[:200])
        code, body = curl("GET", "/xend/domain/lane-http")
        st = body.split("(state ", 1)[1].split(")", 1)[0] if "(state " in body else ""
        assert ("p" in st) == flag, "state %r after %s" % (st, op)


def http_memset():
    code, body = curl("POST", "/xend/domain/lane-http", "op=mem_target_set&target=100")
    assert code in (200, 202), "op=mem_target_set = %d %r" % (code, body[:200])
    wait_for(lambda: "(memory 100)" in curl("GET", "/xend/domain/lane-http")[1], "(memory 100)", 30)


def http_shutdown_destroy():
    guest_console_says("lane-http", "GUEST: alive", 60)
    code, body = curl("POST", "/xend/domain/lane-http", "op=shutdown&reason=poweroff")
    assert code in (200, 202), "op=shutdown = %d %r" % (code, body[:200])
    wait_for(lambda: curl("GET", "/xend/domain/lane-http")[0] == 404, "lane-http gone (404)", 90)
    code, body = curl("POST", "/xend/domain/lane-http", "op=destroy")
    assert code == 404, "op=destroy on a gone domain = %d %r; want 404" % (code, body[:200])


# ---------------------------------------------------------------- timing
def timing():
    n = 5
    server.xend.domains_with_state(True, "all", 1)  # warm the connection
    t0 = time.time()
    for _ in range(n):
        server.xend.domains_with_state(True, "all", 1)
    shim = (time.time() - t0) / n
    t0 = time.time()
    for _ in range(n):
        subprocess.run(["xl", "list", "-l"], capture_output=True, check=True)
    xl = (time.time() - t0) / n
    print("TIMING domains_with_state(1,'all',1) %.3fs  xl list -l %.3fs  ratio %.2f  (mean of %d, %d domains)"
          % (shim, xl, shim / xl, n, len(server.xend.domains_with_state(True, "all", 0))), flush=True)


steps = [
    ("xmlrpc: list -l, dom0 complete", xr_list_dom0),
    ("xmlrpc: create from xm config, wait, unpause", xr_create),
    ("xmlrpc: list", xr_list_guest),
    ("xmlrpc: list -l, dom0 + console tty", xr_list_long),
    ("xmlrpc: pause/unpause", xr_pause),
    ("xmlrpc: mem-set 96", xr_memset),
    ("xmlrpc: vcpu-set 2", xr_vcpuset),
    ("xmlrpc: save/restore", xr_save_restore),
    ("xmlrpc: shutdown", xr_shutdown),
    ("xmlrpc: destroy", xr_destroy),
    ("xmlrpc: unknown domain fault 3", xr_unknown),
    ("http: list", http_list),
    ("http: create, wait_for_devices, unpause", http_create),
    ("http: pause/unpause", http_pause),
    ("http: mem_target_set", http_memset),
    ("http: shutdown, destroy 404", http_shutdown_destroy),
]
only = os.environ.get("LANE_ONLY")
for name, fn in steps:
    if only and only not in name:
        continue
    step(name, fn)
step("timing", timing)
for leftover in ("lane-xm", "lane-xm2", "lane-http"):
    subprocess.run(["xl", "destroy", leftover], capture_output=True)
print("lane client: %d failure(s)" % failures, flush=True)
sys.exit(min(failures, 100))
