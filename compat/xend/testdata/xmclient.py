"""End-to-end flows of xm's calls, made with Python's own xmlrpc.client
against xendshim's xend.* table on a UNIX socket.

Usage: python3 xmclient.py SOCKET SAVEFILE
Prints one line per passed check and exits non-zero on the first failure.
"""
import http.client
import socket
import sys
import xmlrpc.client


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost")
        self.path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.path)
        self.sock = s


class UnixTransport(xmlrpc.client.Transport):
    """One new connection per call, as xm does."""

    def __init__(self, path):
        super().__init__()
        self.path = path

    def make_connection(self, host):
        return UnixConnection(self.path)


def proxy(path):
    return xmlrpc.client.ServerProxy("http://localhost/RPC2", transport=UnixTransport(path), allow_none=True)


def child(sxp, key):
    for item in sxp[1:]:
        if isinstance(item, list) and item and item[0] == key:
            return item[1] if len(item) > 1 else None
    return None


def check(cond, what):
    if not cond:
        print("FAIL: " + what)
        sys.exit(1)
    print("ok: " + what)


def fault(fn, *args):
    try:
        fn(*args)
    except xmlrpc.client.Fault as f:
        return f
    return None


def main():
    sock, savefile = sys.argv[1], sys.argv[2]
    s = proxy(sock)
    cfg = ["vm", ["name", "e2e"], ["memory", 256], ["vcpus", 2],
           ["image", ["linux", ["kernel", "/var/lib/xen/boot/vmlinuz-guest"], ["root", "/dev/xvda1 ro"], ["args", "console=hvc0"]]],
           ["device", ["vbd", ["uname", "file:/var/lib/xen/images/pv1.img"], ["dev", "xvda1"], ["mode", "w"]]],
           ["device", ["vif", ["bridge", "xenbr0"]]]]

    # xm create: create (paused), waitForDevices, unpause.
    rec = s.xend.domain.create(cfg)
    check(child(rec, "name") == "e2e" and child(rec, "status") == 1, "create returns a paused full record")
    domid = child(rec, "domid")
    check(s.xend.domain.waitForDevices("e2e") is None, "waitForDevices returns None")
    check(s.xend.domain.unpause("e2e") is None, "unpause returns None")

    # xm list -l
    recs = s.xend.domains_with_state(True, "all", 1)
    names = [child(r, "name") for r in recs]
    check(names == sorted(names) and "Domain-0" in names and "e2e" in names, "list -l: sorted records with dom0 and e2e")
    e2e = [r for r in recs if child(r, "name") == "e2e"][0]
    check(child(e2e, "state") == "-b----" and child(e2e, "status") == 2, "list -l: e2e runs (-b----, status 2)")
    check(any(isinstance(x, list) and x[0] == "device" and x[1][0] == "console" for x in e2e), "list -l: console device appears")
    dom0 = [r for r in recs if child(r, "name") == "Domain-0"][0]
    check(isinstance(child(dom0, "cpu_time"), float) and child(dom0, "online_vcpus") >= 1, "list -l: dom0 record has cpu_time and vCPUs")

    # mem-set, vcpu-set
    check(s.xend.domain.setMemoryTarget("e2e", 128) is None, "mem-set 128")
    check(child(s.xend.domain("e2e"), "memory") == 128, "memory shows the target")
    f = fault(s.xend.domain.setMemoryTarget, "e2e", 4096)
    check(f is not None and f.faultCode == 2 and "memory_static_max" in f.faultString, "mem-set above maxmem is fault 2")
    check(s.xend.domain.setVCpuCount("e2e", 1) is None, "vcpu-set 1")
    f = fault(s.xend.domain.setVCpuCount, "e2e", 8)
    check(f is not None and f.faultCode == 2, "vcpu-set above max is fault 2")

    # pause / unpause, vcpu-list, sched-credit, rename, network-attach/detach, info
    check(s.xend.domain.pause("e2e") is None and s.xend.domain.setpauseflag("e2e", True) is None, "pause")
    check(child(s.xend.domain("e2e"), "state") == "--p---" and s.xend.domain.getpauseflag("e2e") is True, "paused state and flag")
    check(s.xend.domain.unpause("e2e") is None, "unpause")
    v = s.xend.domain.getVCPUInfo("e2e")
    vcpus = [x for x in v if isinstance(x, list) and x[0] == "vcpu"]
    cpumap = child(vcpus[0], "cpumap")
    check(v[0] == "domain" and child(v, "vcpu_count") == 2 and len(vcpus) == 2
          and isinstance(cpumap, list) and cpumap and all(isinstance(c, int) for c in cpumap), "vcpu-list shape: %r" % (vcpus[0],))
    check(s.xend.domain.pincpu("e2e", "0", "1,2") == 0, "vcpu-pin")
    check(s.xend.domain.sched_credit_set("e2e", 512, None) == 0, "sched-credit -w 512")
    check(s.xend.domain.sched_credit_get("e2e") == {"cap": 0, "weight": 512}, "sched-credit shows weight 512")
    check(s.xend.domain.setName("e2e", "e2e-renamed") is None and s.xend.domain.setName("e2e-renamed", "e2e") is None, "rename and back")
    r = s.xend.domain.device_create("e2e", ["vif", ["bridge", "xenbr0"], ["mac", "00:16:3e:00:e2:e2"]])
    check(r[0] == "vif" and r[1][0] == "dom", "network-attach")
    macs = [dict(d[1]).get("mac") for d in s.xend.domain.getDeviceSxprs("e2e", "vif")]
    check("00:16:3e:00:e2:e2" in macs, "network-list shows the new MAC")
    check(s.xend.domain.destroyDevice("e2e", "vif", "00:16:3e:00:e2:e2", None, True) is None, "network-detach by MAC")
    info = dict((p[0], p[1]) for p in s.xend.node.info(0) if len(p) == 2)
    check(info["xend_config_format"] == 4 and info["nr_cpus"] >= 1 and "cpu_topology" not in info, "xm info")
    check("cpu_topology" in dict((p[0], p[1]) for p in s.xend.node.info(1)), "xm info -n")

    # block-attach / block-detach
    r = s.xend.domain.device_create("e2e", ["vbd", ["uname", "file:/var/lib/xen/images/extra.img"], ["dev", "xvdb"], ["mode", "w"]])
    check(r == ["vbd", ["dom", domid, "id", 51728]], "block-attach returns [vbd, [dom, id, id, 51728]]: %r" % (r,))
    devs = s.xend.domain.getDeviceSxprs("e2e", "vbd")
    check([d[0] for d in devs] == ["51713", "51728"], "block-list shows both disks")
    check(s.xend.domain.getBlockDeviceClass("e2e", "xvdb") == "vbd", "getBlockDeviceClass is vbd")
    check(s.xend.domain.destroyDevice("e2e", "vbd", "xvdb", None, True) is None, "block-detach xvdb")
    check([d[0] for d in s.xend.domain.getDeviceSxprs("e2e", "vbd")] == ["51713"], "block-list after detach")

    # save / restore
    check(s.xend.domain.save("e2e", savefile, False) is None, "save")
    check("e2e" not in s.xend.domains_with_state(False, "all", 0), "saved domain is gone")
    rec = s.xend.domain.restore(savefile, False)
    check(child(rec, "name") == "e2e" and child(rec, "uuid") == child(e2e, "uuid"), "restore brings back e2e with its uuid")
    check(s.xend.domain.destroy("e2e") is None, "destroy")

    # new / start / delete
    mcfg = ["vm", ["name", "managed"], ["memory", 128],
            ["image", ["linux", ["kernel", "/var/lib/xen/boot/vmlinuz-guest"]]]]
    check(s.xend.domain.new(mcfg) is None, "new")
    m = s.xend.domain("managed")
    check(child(m, "status") == 0 and child(m, "domid") is None, "new domain is halted, no domid")
    check("managed" in s.xend.domains_with_state(False, "halted", 0), "halted list has it")
    check(s.xend.domain.start("managed", False) is None, "start")
    check(child(s.xend.domain("managed"), "domid") is not None, "started domain has a domid")
    f = fault(s.xend.domain.delete, "managed")
    check(f is not None and f.faultCode == 2 and f.faultString == "Domain is not halted.", "delete of a running domain")
    check(s.xend.domain.destroy("managed") is None, "destroy managed")
    check(s.xend.domain.delete("managed") is None, "delete")
    f = fault(s.xend.domain.delete, "managed")
    check(f is not None and f.faultCode == 2 and f.faultString == "<Fault 3: 'managed'>", "delete twice: <Fault 3: 'managed'>")

    # each fault code
    f = fault(s.xend.domain.send_sysrq, "Domain-0", "ab")
    check(f is not None and f.faultCode == 1 and f.faultString == "ab is not convertible to a character", "fault 1")
    f = fault(s.xend.domain.pause)
    check(f is not None and f.faultCode == 1 and f.faultString == "domain_pause() takes at least 2 arguments (1 given)", "fault 1: arity")
    f = fault(s.xend.domain.configure, ["vm"])
    check(f is not None and f.faultCode == 2 and f.faultString == "Unsupported", "fault 2: configure")
    f = fault(s.xend.domain.pause, 0)
    check(f is not None and f.faultCode == 2 and f.faultString == "Cannot pause privileged domain 0", "fault 2: pause dom0")
    f = fault(s.xend.domain, "nosuch")
    check(f is not None and f.faultCode == 3 and f.faultString == "nosuch", "fault 3")

    # top-level strings are repr-escaped: no raw newline reaches xm
    d = s.xend.node.dmesg.info()
    check("\n" not in d and "\\n" in d, "dmesg is repr-escaped")
    r = s.xend.nosuch()
    check(r == {"Status": "Failure", "ErrorDescription": ["MESSAGE_METHOD_UNKNOWN", "xend.nosuch"]}, "unknown method is a success struct")


if __name__ == "__main__":
    main()
