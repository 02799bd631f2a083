package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/xendshim/xendshim/toolstack"
)

// HostInfo implements toolstack.Toolstack.
func (s *Sim) HostInfo(ctx context.Context) (*toolstack.HostInfo, error) {
	if err := s.begin(ctx, "HostInfo"); err != nil {
		return nil, err
	}
	free := s.freeMemKB()
	s.mu.Unlock()

	p := s.prof
	h := &toolstack.HostInfo{
		Uname: p.Uname,
		Phys: toolstack.PhysInfo{
			NrCPUs:         p.Physinfo.NrCPUs,
			NrNodes:        p.Physinfo.NrNodes,
			CoresPerSocket: p.Physinfo.CoresPerSocket,
			ThreadsPerCore: p.Physinfo.ThreadsPerCore,
			CPUkHz:         p.Physinfo.CPUkHz,
			HWCaps:         s.hwCaps,
			VirtCaps:       p.Physinfo.VirtCaps,
			TotalMemKB:     p.Physinfo.TotalMemory,
			FreeMemKB:      free,
			ScrubMemKB:     p.Physinfo.ScrubMemory,
			// Every CPU is in Pool-0.
			FreeCPUs: 0,
		},
		Xen: toolstack.XenVersion{
			Major: p.Xen.Major, Minor: p.Xen.Minor, Extra: p.Xen.Extra, Caps: p.Xen.Caps,
			PageSize: p.Xen.PageSize, PlatformParams: p.Xen.PlatformParams,
			Changeset: p.Xen.Changeset, Commandline: p.Xen.Commandline,
			Compiler: p.Xen.Compiler, CompileBy: p.Xen.CompileBy,
			CompileDomain: p.Xen.CompileDomain, CompileDate: p.Xen.CompileDate,
		},
		Sched: toolstack.SchedulerInfo{
			Name: p.Scheduler.Name, ID: p.Scheduler.ID,
			DefaultWeight: p.Scheduler.Weight, DefaultCap: p.Scheduler.Cap,
		},
		CPU: toolstack.CPUModel{
			VendorID: p.CPUInfo["vendor_id"], ModelName: p.CPUInfo["model name"],
			MHz: p.CPUInfo["cpu MHz"], Stepping: p.CPUInfo["stepping"], Flags: p.CPUInfo["flags"],
		},
		SCSIDevices:   append([]toolstack.HostSCSIDevice(nil), p.SCSIDevices...),
		PCIAssignable: append([]toolstack.DevicePCI(nil), p.PCIDevices...),
		Bridges:       append([]string(nil), p.Bridges...),
		SaveDirectory: p.SaveDirectory,
	}
	for i := 0; i < p.Physinfo.NrCPUs; i++ {
		var t toolstack.CPUTopology
		if i < len(p.Topology.CPUToCore) {
			t.Core = p.Topology.CPUToCore[i]
		}
		if i < len(p.Topology.CPUToSocket) {
			t.Socket = p.Topology.CPUToSocket[i]
		}
		if i < len(p.Topology.CPUToNode) {
			t.Node = p.Topology.CPUToNode[i]
		}
		h.Topology = append(h.Topology, t)
	}
	// numainfo is static (MiB in the profile).
	for i, size := range p.NUMA.NodeMemsize {
		n := toolstack.NUMANode{MemSizeKB: size * 1024}
		if i < len(p.NUMA.NodeMemfree) {
			n.MemFreeKB = p.NUMA.NodeMemfree[i] * 1024
		}
		if i < len(p.NUMA.NodeToDMA32) {
			n.DMA32KB = p.NUMA.NodeToDMA32[i] * 1024
		}
		if i < len(p.NUMA.NodeDistances) {
			n.Distances = append([]int(nil), p.NUMA.NodeDistances[i]...)
		}
		h.NUMA = append(h.NUMA, n)
	}
	return h, nil
}

// Dmesg implements toolstack.Toolstack: the console ring holds the
// profile's dmesg; reading it with clear empties it.
func (s *Sim) Dmesg(ctx context.Context, clear bool) (string, error) {
	if err := s.begin(ctx, "Dmesg"); err != nil {
		return "", err
	}
	defer s.mu.Unlock()
	text := s.host.Dmesg
	if clear && text != "" {
		s.host.Dmesg = ""
		if err := s.saveHost(); err != nil {
			s.host.Dmesg = text
			return "", ioErr("dmesg clear", nil, err)
		}
	}
	return text, nil
}

// SendDebugKeys implements toolstack.Toolstack; it succeeds without
// effect, as on the reference host.
func (s *Sim) SendDebugKeys(ctx context.Context, keys string) error {
	if err := s.begin(ctx, "SendDebugKeys"); err != nil {
		return err
	}
	s.mu.Unlock()
	return nil
}

// ListDomains implements toolstack.Toolstack.
func (s *Sim) ListDomains(ctx context.Context) ([]toolstack.DomainInfo, error) {
	if err := s.begin(ctx, "ListDomains"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	now := s.now()
	out := make([]toolstack.DomainInfo, 0, len(s.doms))
	for _, id := range s.sortedDomids() {
		out = append(out, s.info(s.doms[id], now))
	}
	return out, nil
}

// Domain implements toolstack.Toolstack.
func (s *Sim) Domain(ctx context.Context, id toolstack.Domid) (*toolstack.DomainInfo, error) {
	if err := s.begin(ctx, "Domain"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	d, err := s.lookup("domain info", id)
	if err != nil {
		return nil, err
	}
	inf := s.info(d, s.now())
	return &inf, nil
}

// DomainConfig implements toolstack.Toolstack.
func (s *Sim) DomainConfig(ctx context.Context, id toolstack.Domid) (*toolstack.DomainConfig, error) {
	if err := s.begin(ctx, "DomainConfig"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	d, err := s.lookup("domain config", id)
	if err != nil {
		return nil, err
	}
	return s.liveConfig(d), nil
}

// liveConfig is the config with the runtime values folded in, as xl shows
// it. Caller holds s.mu.
func (s *Sim) liveConfig(d *domain) *toolstack.DomainConfig {
	c := d.Config.Clone()
	c.BInfo.TargetMemKB = d.TargetMemKB
	c.BInfo.MaxMemKB = d.MaxMemKB
	w, cp := d.Weight, d.Cap
	c.BInfo.SchedParams.Sched = s.prof.Scheduler.Name
	c.BInfo.SchedParams.Weight = &w
	c.BInfo.SchedParams.Cap = &cp
	return c
}

// StatHostFile implements toolstack.HostFiles on the simulated host's
// filesystem (under the host root).
func (s *Sim) StatHostFile(ctx context.Context, path string) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if !filepath.IsAbs(path) {
		return 0, toolstack.Errorf(toolstack.ErrInvalid, "stat", nil, "%q is not an absolute path", path)
	}
	fi, err := os.Stat(s.hostPath(path))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return 0, toolstack.Errorf(toolstack.ErrNotFound, "stat", nil, "%s does not exist", path)
		}
		return 0, ioErr("stat "+path, nil, err)
	}
	return fi.Size(), nil
}

// ReadHostFile implements toolstack.HostFiles.
func (s *Sim) ReadHostFile(ctx context.Context, path string, max int) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !filepath.IsAbs(path) {
		return nil, toolstack.Errorf(toolstack.ErrInvalid, "read", nil, "%q is not an absolute path", path)
	}
	f, err := os.Open(s.hostPath(path))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, toolstack.Errorf(toolstack.ErrNotFound, "read", nil, "%s does not exist", path)
		}
		return nil, ioErr("read "+path, nil, err)
	}
	defer f.Close()
	buf := make([]byte, max)
	n, err := io.ReadFull(f, buf)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, ioErr("read "+path, nil, err)
	}
	return buf[:n], nil
}

// ioErr wraps a failure of the simulator's own storage. It is classed
// ErrInvalid only when the path itself is the problem; otherwise it
// carries no class (a broken disk is not the caller's fault).
func ioErr(op string, dom any, err error) error {
	e := &toolstack.Error{Op: op, Cause: err}
	if dom != nil {
		e.Domain = fmt.Sprint(dom)
	}
	return e
}
