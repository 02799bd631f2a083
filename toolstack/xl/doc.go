// Package xl implements toolstack.Toolstack on a real Xen host by running
// the xl command and talking to xenstored (package xenstore).
//
// What comes from where:
//
//   - xl list -v: domains, states, memory, vCPUs, CPU time, UUIDs, shutdown
//     reasons (ParseList), run at the same time as xl vcpu-list; xl list -l:
//     configurations (toolstack.ParseXLList), one run for all domains,
//     cached for a second and shared by concurrent callers.
//   - xl vcpu-list, xl info, xl dmesg, xl sched-credit / sched-credit2:
//     ParseVCPUList, ParseInfo + HostInfoFromXLInfo, ParseDmesg, ParseSched.
//     The parsers accept the output of xl 4.1 to 4.17+ (column spacing,
//     tabs, the hard/soft affinity pair, missing cap column) and are tested
//     on captures from a real 4.17 host in testdata/xen-4.17.
//   - xenstore: memory target and maximum, maximum vCPUs, domain type,
//     start time, console tty and port, VNC port, store/console ring frames,
//     and every device's backend and frontend nodes and states.
//   - Lifecycle and devices: xl create -p (of the xl.cfg rendered by
//     XLConfig), pause, unpause, shutdown -F, reboot -F, destroy, rename,
//     sysrq, trigger, mem-set, mem-max, vcpu-set, vcpu-pin, sched-credit*,
//     block-/network-/pci-/usbctrl-/usbdev-/vtpm-/vkb-attach and -detach,
//     save, restore, dump-core.
//
// Every xl call runs with a time limit (Options.Timeout, LongTimeout for
// create/save/restore/dump-core); on expiry xl's process group is killed.
// A failure carries xl's stderr in a *CommandError inside a
// *toolstack.Error whose class is read from that stderr (classify).
// Commands that change a domain run one at a time per domain; create,
// restore and rename one at a time per host.
//
// xl create exits with status 3 now and then although the domain was
// built, because xl's background monitor crashed (xenlab README). Create
// and Restore accept exit status 3 when xl printed no libxl error and the
// new domain is listed.
//
// The real-host tests live in scripts/xenlab (make xenlab-test); the unit
// tests here use captured xl output and a fake xl.
package xl
