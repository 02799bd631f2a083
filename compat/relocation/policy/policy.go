// Package policy decides whether a migration may come in and confines the
// received domain configuration to what the receiving host allows
// (specs/migration.md §3.5–3.6). Everything is denied unless a [peer] table
// grants it.
//
// A policy file is TOML (or JSON, by extension). Unknown keys are errors.
//
//	# Where host paths are resolved; "/" on a real host.
//	host_root = "/"
//	script_dir = "/etc/xen/scripts"
//	kernels = ["/var/lib/xen/boot/vmlinuz-guest"]   # receiver-owned boot files
//
//	[storage.guests]
//	root = "/var/lib/xen/images"         # file images must lie under it
//	devices = ["/dev/vg0/web1"]           # phy: devices allowed, exactly
//
//	[peer."xendshim://host/hv-a"]          # URI SAN, "spki:sha256/..", "psk:<id>"
//	may_send = { names = ["web-*"], uuids = [] }
//	may_persist = false
//	quota = { max_memkb = 67108864, max_vcpus = 32, max_concurrent = 2 }
//	storage = ["guests"]
//	networks = ["xenbr0"]
//	scripts = ["vif-bridge", "block"]
//	bootloader = "pygrub"
//	vnc_listen = ["127.0.0.1"]
//
//	[peer."cidr:198.18.0.0/15"]            # legacy xend senders (port 8002)
//	...
package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	toml "github.com/pelletier/go-toml/v2"
)

// Policy is a receiver's policy.
type Policy struct {
	// HostRoot is the directory host paths in configs are resolved under
	// ("/" on a real host; the simulator's host root in simulation).
	HostRoot string `toml:"host_root" json:"host_root"`
	// ScriptDir is where hotplug scripts named by policy live.
	ScriptDir string `toml:"script_dir" json:"script_dir"`
	// Kernels lists receiver-owned boot files (kernels, ramdisks,
	// firmware) a config may name, by absolute path.
	Kernels []string `toml:"kernels" json:"kernels"`
	// Storage holds the storage pools, by name.
	Storage map[string]*Pool `toml:"storage" json:"storage"`
	// Peers holds the grants, keyed by identity (see Identity).
	Peers map[string]*Peer `toml:"peer" json:"peer"`
	// MaxConcurrent caps migrations in progress on this host (default 4).
	MaxConcurrent int `toml:"max_concurrent" json:"max_concurrent"`
	// AllowFrom, if not empty, lists the CIDR prefixes native senders may
	// connect from; others are closed before the TLS handshake. It is a
	// cheap pre-filter: identity still comes from the certificate.
	AllowFrom []string `toml:"allow_from" json:"allow_from"`

	allowFrom []netip.Prefix
}

// AllowedAddr reports whether a connection from addr passes AllowFrom.
func (p *Policy) AllowedAddr(addr netip.Addr) bool {
	if len(p.allowFrom) == 0 {
		return true
	}
	addr = addr.Unmap()
	for _, pfx := range p.allowFrom {
		if pfx.Contains(addr) {
			return true
		}
	}
	return false
}

// Pool is a storage pool.
type Pool struct {
	// Root is a directory; file-backed disks must be regular files under
	// it (no "..", no symlink leading out).
	Root string `toml:"root" json:"root"`
	// Devices lists block devices (phy:) allowed, by exact path.
	Devices []string `toml:"devices" json:"devices"`
}

// Peer is what one sender identity may do.
type Peer struct {
	MaySend    Selector `toml:"may_send" json:"may_send"`
	MayPersist bool     `toml:"may_persist" json:"may_persist"`
	Quota      Quota    `toml:"quota" json:"quota"`
	Storage    []string `toml:"storage" json:"storage"`
	Networks   []string `toml:"networks" json:"networks"`
	Scripts    []string `toml:"scripts" json:"scripts"`
	// Bootloader is the one PV bootloader allowed ("" = none), as the
	// config names it (e.g. "pygrub" or "/usr/lib/xen/bin/pygrub").
	Bootloader string `toml:"bootloader" json:"bootloader"`
	// VNCListen lists addresses a display may listen on (default
	// 127.0.0.1 only).
	VNCListen []string `toml:"vnc_listen" json:"vnc_listen"`
	// Prepared admits only domains an operator registered on this host
	// for this peer beforehand (xendshim migrate-prepare; spec §3.5
	// prepared mode), on top of may_send.
	Prepared bool `toml:"prepared" json:"prepared"`
}

// Selector picks domains by UUID or name glob (path.Match syntax).
type Selector struct {
	UUIDs []string `toml:"uuids" json:"uuids"`
	Names []string `toml:"names" json:"names"`
}

// Quota caps what a peer may send.
type Quota struct {
	MaxMemKB      uint64 `toml:"max_memkb" json:"max_memkb"`
	MaxVCPUs      int    `toml:"max_vcpus" json:"max_vcpus"`
	MaxConcurrent int    `toml:"max_concurrent" json:"max_concurrent"`
}

// Load reads a policy file (TOML, or JSON if the name ends in .json).
func Load(file string) (*Policy, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	p, err := Parse(b, strings.HasSuffix(file, ".json"))
	if err != nil {
		return nil, fmt.Errorf("policy: %s: %w", file, err)
	}
	return p, nil
}

// Parse decodes a policy from TOML (or JSON) and checks it.
func Parse(b []byte, isJSON bool) (*Policy, error) {
	var p Policy
	if isJSON {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			return nil, err
		}
	} else {
		dec := toml.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			var de *toml.DecodeError
			if ok := asDecodeError(err, &de); ok {
				row, col := de.Position()
				return nil, fmt.Errorf("line %d column %d: %v", row, col, de.Error())
			}
			var sm *toml.StrictMissingError
			if asStrict(err, &sm) {
				return nil, fmt.Errorf("unknown key: %s", strings.TrimSpace(sm.String()))
			}
			return nil, err
		}
	}
	if err := p.check(); err != nil {
		return nil, err
	}
	return &p, nil
}

func (p *Policy) check() error {
	if p.HostRoot == "" {
		p.HostRoot = "/"
	}
	if p.ScriptDir == "" {
		p.ScriptDir = "/etc/xen/scripts"
	}
	if p.MaxConcurrent == 0 {
		p.MaxConcurrent = 4
	}
	for _, a := range p.AllowFrom {
		pfx, err := netip.ParsePrefix(a)
		if err != nil {
			return fmt.Errorf("allow_from: %v", err)
		}
		p.allowFrom = append(p.allowFrom, pfx.Masked())
	}
	for _, k := range p.Kernels {
		if !path.IsAbs(k) || path.Clean(k) != k {
			return fmt.Errorf("kernels: %q is not a clean absolute path", k)
		}
	}
	for name, pool := range p.Storage {
		if pool == nil {
			return fmt.Errorf("storage.%s is empty", name)
		}
		if pool.Root != "" && (!path.IsAbs(pool.Root) || path.Clean(pool.Root) != pool.Root || pool.Root == "/") {
			return fmt.Errorf("storage.%s.root %q must be a clean absolute directory other than /", name, pool.Root)
		}
	}
	for id, peer := range p.Peers {
		if peer == nil {
			return fmt.Errorf("peer %q is empty", id)
		}
		if strings.HasPrefix(id, "cidr:") {
			if _, err := netip.ParsePrefix(strings.TrimPrefix(id, "cidr:")); err != nil {
				return fmt.Errorf("peer %q: %v", id, err)
			}
		} else if !strings.HasPrefix(id, "xendshim://host/") && !strings.HasPrefix(id, "spki:") && !strings.HasPrefix(id, "psk:") {
			return fmt.Errorf("peer %q: want xendshim://host/<name>, spki:sha256/<b64>, psk:<id> or cidr:<prefix>", id)
		}
		for _, s := range peer.Storage {
			if p.Storage[s] == nil {
				return fmt.Errorf("peer %q names storage %q, which is not defined", id, s)
			}
		}
		for _, s := range peer.Scripts {
			if s == "" || strings.ContainsAny(s, "/\\") || s == "." || s == ".." {
				return fmt.Errorf("peer %q: script %q must be a bare name", id, s)
			}
		}
		for _, g := range peer.MaySend.Names {
			if _, err := path.Match(g, ""); err != nil {
				return fmt.Errorf("peer %q: name pattern %q: %v", id, g, err)
			}
		}
	}
	return nil
}

// Peer returns the grant for an authenticated identity, or nil. Legacy
// senders, identified as "addr:<ip>", match the most specific
// "cidr:<prefix>" peer containing the address.
func (p *Policy) Peer(id string) (*Peer, string) {
	if strings.HasPrefix(id, "addr:") {
		a, err := netip.ParseAddr(strings.TrimPrefix(id, "addr:"))
		if err != nil {
			return nil, ""
		}
		a = a.Unmap()
		best, bestBits, bestKey := (*Peer)(nil), -1, ""
		keys := make([]string, 0, len(p.Peers))
		for k := range p.Peers {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if !strings.HasPrefix(k, "cidr:") {
				continue
			}
			pfx, _ := netip.ParsePrefix(strings.TrimPrefix(k, "cidr:"))
			if pfx.Contains(a) && pfx.Bits() > bestBits {
				best, bestBits, bestKey = p.Peers[k], pfx.Bits(), k
			}
		}
		return best, bestKey
	}
	if strings.HasPrefix(id, "cidr:") {
		return nil, ""
	}
	return p.Peers[id], id
}

// hostPath maps a path from a config to the receiver's filesystem.
func (p *Policy) hostPath(s string) string {
	return filepath.Join(p.HostRoot, filepath.FromSlash(s))
}
