package convert

import (
	"fmt"
	"os"

	"github.com/xendshim/xendshim/compat/xmconfig"
	"github.com/xendshim/xendshim/sxp"
	"github.com/xendshim/xendshim/toolstack"
)

// HostDefaults are the host-wide settings of xend-config.sxp that xm
// applied to every domain and xl does not know (config.md §2.7): xl has
// its own defaults (xl.conf, 127.0.0.1, no password, en-us), so a
// conversion carries these explicitly.
type HostDefaults struct {
	VifScript string // (vif-script ...)
	VNCListen string // (vnc-listen ...)
	VNCPasswd string // (vncpasswd ...)
	Keymap    string // (keymap ...)
}

// ReadHostDefaults reads /etc/xen/xend-config.sxp (a list of (key value)
// forms).
func ReadHostDefaults(path string) (*HostDefaults, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	vals, err := sxp.ParseAll(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	h := &HostDefaults{}
	for _, v := range vals {
		if !v.IsList() || v.Len() != 2 || v.Index(1).IsList() {
			continue
		}
		switch v.Name() {
		case "vif-script":
			h.VifScript = v.Index(1).Text()
		case "vnc-listen":
			h.VNCListen = v.Index(1).Text()
		case "vncpasswd":
			h.VNCPasswd = v.Index(1).Text()
		case "keymap":
			h.Keymap = v.Index(1).Text()
		}
	}
	return h, nil
}

// applyHost fills what the domain left to xend's host defaults.
func (c *conv) applyHost(cfg *toolstack.DomainConfig) {
	h := c.opts.Host
	if h == nil {
		return
	}
	if h.VifScript != "" && h.VifScript != "vif-bridge" {
		for i := range cfg.NICs {
			if cfg.NICs[i].Script == "" {
				cfg.NICs[i].Script = h.VifScript
				c.note("vif", xmconfig.Info, "script %s carried from xend-config.sxp (xl's default is vif-bridge)", h.VifScript)
			}
		}
	}
	fill := func(v *toolstack.VNCInfo) {
		if v == nil || !v.Enable.IsTrue() {
			return
		}
		if v.Listen == "" && h.VNCListen != "" {
			v.Listen = h.VNCListen
			c.note("vnclisten", xmconfig.Info, "%s carried from xend-config.sxp", h.VNCListen)
		}
		if v.Passwd == "" && h.VNCPasswd != "" && !c.has("vncpasswd") {
			v.Passwd = h.VNCPasswd
			c.note("vncpasswd", xmconfig.Info, "host VNC password carried from xend-config.sxp")
		}
	}
	if hv := cfg.BInfo.HVM; hv != nil {
		fill(hv.VNC)
		if hv.Keymap == "" && h.Keymap != "" && hv.VNC != nil && hv.VNC.Enable.IsTrue() {
			hv.Keymap = h.Keymap
			c.note("keymap", xmconfig.Info, "%s carried from xend-config.sxp", h.Keymap)
		}
	}
	for i := range cfg.VFBs {
		fill(cfg.VFBs[i].VNC)
		if cfg.VFBs[i].Keymap == "" && h.Keymap != "" {
			cfg.VFBs[i].Keymap = h.Keymap
		}
	}
}
