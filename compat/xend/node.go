package xend

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/xendshim/xendshim/sxp"
)

// NodeInfo returns xend.node.info's flat list of [key, value] pairs
// (§7.1); showNuma adds cpu_topology and numa_info.
func (s *Service) NodeInfo(ctx context.Context, showNuma bool) (sxp.Value, error) {
	hi, err := s.ts.HostInfo(ctx)
	if err != nil {
		return sxp.Value{}, tsErr(err)
	}
	p := hi.Phys
	items := []sxp.Value{
		str("system", hi.Uname.Sysname), str("host", hi.Uname.Nodename), str("release", hi.Uname.Release),
		str("version", hi.Uname.Version), str("machine", hi.Uname.Machine),
		num("nr_cpus", p.NrCPUs), num("nr_nodes", p.NrNodes), num("cores_per_socket", p.CoresPerSocket),
		num("threads_per_core", p.ThreadsPerCore), num("cpu_mhz", p.CPUkHz/1000),
		str("hw_caps", p.HWCapsString()), str("virt_caps", p.VirtCaps),
		num("total_memory", int(p.TotalMemKB/1024)), num("free_memory", int(p.FreeMemKB/1024)),
		num("free_cpus", p.FreeCPUs),
	}
	if showNuma {
		var b strings.Builder
		b.WriteString("\ncpu:    core    socket     node")
		for i, t := range hi.Topology {
			fmt.Fprintf(&b, "\n%3d:%8d%9d%9d", i, t.Core, t.Socket, t.Node)
		}
		// numa_info is always "none" in xend 4.4.4: its formatter refers
		// to an undefined name and the error is swallowed (§7.1).
		items = append(items, str("cpu_topology", b.String()), str("numa_info", "none"))
	}
	x := hi.Xen
	items = append(items,
		num("xen_major", x.Major), num("xen_minor", x.Minor), str("xen_extra", x.Extra), str("xen_caps", x.Caps),
		str("xen_scheduler", hi.Sched.Name), num("xen_pagesize", x.PageSize), str("platform_params", x.PlatformParams),
		str("xen_changeset", x.Changeset), str("xen_commandline", x.Commandline), str("cc_compiler", x.Compiler),
		str("cc_compile_by", x.CompileBy), str("cc_compile_domain", x.CompileDomain), str("cc_compile_date", x.CompileDate),
		num("xend_config_format", 4))
	return sxp.List(items...), nil
}

// Dmesg returns the hypervisor console ring; with clear it empties it
// after reading (xend.node.dmesg.info / .clear).
func (s *Service) Dmesg(ctx context.Context, clear bool) (string, error) {
	text, err := s.ts.Dmesg(ctx, clear)
	return text, tsErr(err)
}

// Log returns xend's log file (xend.node.log); a missing file reads as "".
func (s *Service) Log(ctx context.Context) (string, error) {
	b, err := os.ReadFile(s.opts.LogPath)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", xendError("%v", err)
	}
	return string(b), nil
}

// SendDebugKeys sends debug keys to the hypervisor
// (xend.node.send_debug_keys).
func (s *Service) SendDebugKeys(ctx context.Context, keys string) error {
	return tsErr(s.ts.SendDebugKeys(ctx, keys))
}

// PCIAssignable lists host PCI functions free for passthrough
// (xend.node.pciinfo); ok is false when the host cannot tell, and xend then
// answered nil.
func (s *Service) PCIAssignable(ctx context.Context) (devs sxp.Value, ok bool, err error) {
	hi, err := s.ts.HostInfo(ctx)
	if err != nil {
		return sxp.Value{}, false, tsErr(err)
	}
	if len(hi.PCIAssignable) == 0 {
		return sxp.Value{}, false, nil
	}
	var out []sxp.Value
	for _, p := range hi.PCIAssignable {
		out = append(out, sxp.List(sxp.Atom("dev"),
			str("domain", fmt.Sprintf("0x%04x", p.Domain)), str("bus", fmt.Sprintf("0x%02x", p.Bus)),
			str("slot", fmt.Sprintf("0x%02x", p.Dev)), str("func", fmt.Sprintf("0x%x", p.Func))))
	}
	return sxp.List(out...), true, nil
}
