package convert

import (
	"fmt"
	"path"
	"strings"

	"github.com/xendshim/xendshim/compat/xmconfig"
	"github.com/xendshim/xendshim/toolstack"
)

// dropped lists xm options with no xl equivalent (class U/X of config.md
// §2), with the reason given when they are dropped. A value equal to the
// listed default is dropped quietly (a note, not a warning).
var dropped = map[string]struct{ def, why string }{
	"target":                        {"0", "internal to xend's stub domains"},
	"features":                      {"", "PV kernel feature strings have no xl key"},
	"access_control":                {"", "ACM was removed from Xen; XSM/FLASK uses seclabel with different labels"},
	"memory_sharing":                {"0", "no xl key"},
	"superpages":                    {"0", "no xl key"},
	"machine_address_size":          {"", "no xl key"},
	"cpuid_check":                   {"", "xl cannot require host CPUID values"},
	"vhpt":                          {"", "IA64 only"},
	"guest_os_type":                 {"default", "IA64 only"},
	"s3_integrity":                  {"1", "tboot S3 integrity has no xl key"},
	"suppress_spurious_page_faults": {"", "no xl key"},
	"xen_extended_power_mgmt":       {"0", "battery passthrough of qemu-dm traditional has no xl key"},
	"fda":                           {"", "xl has no floppy (possible via device_model_args_hvm)"},
	"fdb":                           {"", "xl has no floppy (possible via device_model_args_hvm)"},
	"parallel":                      {"none", "xl has no parallel port key (possible via device_model_args_hvm)"},
	"monitor":                       {"0", "libxl owns the qemu monitor"},
	"monitor_path":                  {"", "libxl owns the qemu monitor"},
	"isa":                           {"0", "no ISA-only machine in xl"},
	"vncconsole":                    {"0", "use `xl create -V`"},
	"vncviewer":                     {"0", "use `xl create -V`"},
	"bootentry":                     {"", "deprecated and ignored by xm 4.4"},
	"vif2":                          {"", "netchannel2 is not supported by xl"},
	"vtpm":                          {"", "the vTPM architecture changed (vTPM stub domains); configure vtpm by hand"},
	"tpmif":                         {"", "the vTPM architecture changed; configure vtpm by hand"},
	"ipaddr":                        {"", "Xen 3.0 option, unused"},
	"ssidref":                       {"", "Xen 3.0 ACM option"},
	"usbport":                       {"", "Xen 3.0 option, unused"},
	"interface":                     {"eth0", "only used with ip=/dhcp= (kernel command line)"},
	"memmap":                        {"", "Xen 3.0 option, unused"},
}

// ignoredNames are names xm put in the file's namespace, and xm create
// switches that a file could set; none of them configures the domain.
var ignoredNames = map[string]bool{
	"xm_file": true, "xm_help": true, "vmid": true, "paused": true, "console_autoconnect": true,
	"dryrun": true, "quiet": true, "path": true, "defconfig": true, "config": true, "help": true,
	"help_config": true, "skipdtd": true, "xmldryrun": true, "vncviewer_autopass": true,
	"arch": true, "arch_libdir": true, "on_shutdown": true, "device_model_override": true,
	"broadcast": true, "xen_shell": true,
}

// hvmOnly are xm keys xm used only for HVM guests (configure_hvm).
var hvmOnly = []string{"acpi", "apic", "pae", "hpet", "timer_mode", "viridian", "vpt_align", "hap",
	"nestedhvm", "xen_platform_pci", "rtc_timeoffset", "pci_msitranslate", "pci_power_mgmt",
	"gfx_passthru", "boot", "serial", "stdvga", "videoram", "nographic", "soundhw", "usb", "usbdevice",
	"vncdisplay", "vnclisten", "vncunused", "vncpasswd", "opengl", "display", "xauthority", "device_model",
	"loader", "keymap", "vnc", "sdl", "cdrom", "ne2000", "lapic", "audio"}

// build maps the settings into a DomainConfig.
func (c *conv) build() (*toolstack.DomainConfig, error) {
	cfg := &toolstack.DomainConfig{}
	steps := []func(*toolstack.DomainConfig) error{
		c.guestType, c.identity, c.memory, c.cpus, c.actions, c.boot,
		c.platform, c.display, c.devices, c.misc,
	}
	for _, f := range steps {
		if err := f(cfg); err != nil {
			return nil, err
		}
	}
	c.applyHost(cfg)
	c.leftovers()
	return cfg, nil
}

func (c *conv) guestType(cfg *toolstack.DomainConfig) error {
	b, ok, err := c.str("builder")
	if err != nil {
		return err
	}
	if t, tok, err := c.str("type"); err != nil {
		return err
	} else if tok {
		// an xl-era file: type wins over builder, as in xl
		switch t {
		case "pv":
			b, ok = "linux", true
		case "hvm":
			b, ok = "hvm", true
		case "pvh":
			cfg.CInfo.Type = toolstack.TypePVH
			cfg.BInfo.PVH = &toolstack.BuildInfoPVH{}
			b, ok = "pvh", true
		default:
			return c.refuse("type", "use pv, hvm or pvh", "unknown domain type %q", t)
		}
	}
	switch {
	case b == "pvh":
	case !ok || b == "linux":
		cfg.CInfo.Type = toolstack.TypePV
		cfg.BInfo.PV = &toolstack.BuildInfoPV{}
	case b == "hvm" || b == "vmx":
		cfg.CInfo.Type = toolstack.TypeHVM
		cfg.BInfo.HVM = &toolstack.BuildInfoHVM{}
		c.hvm = true
		if b == "vmx" {
			c.note("builder", xmconfig.Info, "Xen 3.0 builder 'vmx' is HVM")
		}
	default:
		return c.refuse("builder", "use 'linux' (PV) or 'hvm'", "unknown builder %q", b)
	}
	if !c.hvm {
		for _, k := range hvmOnly {
			if s, ok := c.set[k]; ok {
				c.used[k] = true
				if k == "vnc" || k == "sdl" || k == "vncunused" || k == "vnclisten" || k == "vncpasswd" || k == "vncdisplay" || k == "keymap" {
					// keymap is used below for vfbs; top-level vnc/sdl on PV
					// was ignored by upstream xm (RHEL5's xend honoured it).
					if k == "keymap" || (c.xlSource && !c.has("vfb")) {
						// xl itself builds a vfb from top-level keys (display)
						c.used[k] = false
						continue
					}
					c.note(k, xmconfig.Warning, "top-level %s on a PV guest was ignored by xm (only RHEL5's patched xend used it); dropped — add a vfb entry to keep a framebuffer", k)
					continue
				}
				sev := xmconfig.Info
				if k == "rtc_timeoffset" || k == "timer_mode" || k == "boot" || k == "serial" {
					sev = xmconfig.Warning
				}
				if k == "device_model" || k == "loader" {
					sev = xmconfig.Info
				}
				_ = s
				c.note(k, sev, "HVM-only key on a PV guest: xm ignored it, dropped")
			}
		}
	}
	return nil
}

func (c *conv) identity(cfg *toolstack.DomainConfig) error {
	name, ok, err := c.str("name")
	if err != nil {
		return err
	}
	if !ok || name == "" {
		name = path.Base(c.source)
		c.note("name", xmconfig.Info, "not set: xm used the file name, so name = %q is written (xl requires a name)", name)
	}
	cfg.CInfo.Name = name
	if u, ok, err := c.str("uuid"); err != nil {
		return err
	} else if ok {
		nu, err := normalizeUUID(u)
		if err != nil {
			return c.refuse("uuid", "write 8-4-4-4-12 hex digits", "%v", err)
		}
		if nu != u {
			c.note("uuid", xmconfig.Info, "normalised to %s", nu)
		}
		cfg.CInfo.UUID = nu
	}
	if p, ok, err := c.str("pool"); err != nil {
		return err
	} else if ok && p != "" && p != "Pool-0" {
		cfg.CInfo.PoolName = p
	}
	if d, ok, err := c.str("description"); err != nil {
		return err
	} else if ok && d != "" {
		c.xend(cfg).Description = d
		c.note("description", xmconfig.Info, "no xl key; kept as a comment: %s", d)
	}
	for _, k := range []string{"on_xend_start", "on_xend_stop"} {
		v, ok, err := c.str(k)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if k == "on_xend_start" {
			c.xend(cfg).OnXendStart = v
			if v == "start" {
				c.note(k, xmconfig.Warning, "xend-only: to start the domain at boot, put this file in /etc/xen/auto/ (xendomains)")
				continue
			}
		} else {
			c.xend(cfg).OnXendStop = v
			if v != "ignore" {
				c.note(k, xmconfig.Warning, "xend-only: set XENDOMAINS_SAVE / shutdown behaviour of xendomains instead")
				continue
			}
		}
		c.note(k, xmconfig.Info, "xend-only daemon behaviour, dropped")
	}
	return nil
}

func (c *conv) xend(cfg *toolstack.DomainConfig) *toolstack.XendExtras {
	if cfg.Xend == nil {
		cfg.Xend = &toolstack.XendExtras{}
	}
	return cfg.Xend
}

func normalizeUUID(u string) (string, error) {
	h := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(u)), "-", "")
	if len(h) != 32 {
		return "", fmt.Errorf("%q is not a UUID", u)
	}
	for _, r := range h {
		if !strings.ContainsRune("0123456789abcdef", r) {
			return "", fmt.Errorf("%q is not a UUID", u)
		}
	}
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

func (c *conv) memory(cfg *toolstack.DomainConfig) error {
	mem, ok, err := c.integer("memory")
	if err != nil {
		return err
	}
	if !ok && c.xlSource {
		mem = 32
	} else if !ok {
		mem = 128
		c.note("memory", xmconfig.Info, "not set: xm's default 128 MiB is written (xl's default is 32 MiB)")
	}
	if mem <= 0 {
		return c.refuse("memory", "give the size in MiB", "memory = %d is not a valid size", mem)
	}
	cfg.BInfo.TargetMemKB = uint64(mem) * 1024
	cfg.BInfo.MaxMemKB = cfg.BInfo.TargetMemKB
	if mx, ok, err := c.integer("maxmem"); err != nil {
		return err
	} else if ok && mx > 0 {
		if mx < mem {
			c.note("maxmem", xmconfig.Warning, "maxmem %d is below memory %d; xl raises it to memory", mx, mem)
			mx = mem
		}
		cfg.BInfo.MaxMemKB = uint64(mx) * 1024
	}
	if sm, ok, err := c.integer("shadow_memory"); err != nil {
		return err
	} else if ok && sm > 0 {
		kb := uint64(sm) * 1024
		cfg.BInfo.ShadowMemKB = &kb
	}
	return nil
}

var actionNames = map[string]toolstack.Action{
	"destroy": toolstack.ActionDestroy, "restart": toolstack.ActionRestart, "preserve": toolstack.ActionPreserve,
	"rename-restart": toolstack.ActionRestartRename, "rename_restart": toolstack.ActionRestartRename,
	"coredump-destroy": toolstack.ActionCoredumpDestroy, "coredump_and_destroy": toolstack.ActionCoredumpDestroy,
	"coredump-restart": toolstack.ActionCoredumpRestart, "coredump_and_restart": toolstack.ActionCoredumpRestart,
}

func (c *conv) actions(cfg *toolstack.DomainConfig) error {
	acts := map[string]toolstack.Action{"on_poweroff": toolstack.ActionDestroy, "on_reboot": toolstack.ActionRestart, "on_crash": toolstack.ActionRestart}
	if r, ok, err := c.str("restart"); err != nil {
		return err
	} else if ok {
		switch r {
		case "onreboot":
			acts["on_poweroff"], acts["on_reboot"], acts["on_crash"] = toolstack.ActionDestroy, toolstack.ActionRestart, toolstack.ActionDestroy
		case "always":
			acts["on_poweroff"], acts["on_reboot"], acts["on_crash"] = toolstack.ActionRestart, toolstack.ActionRestart, toolstack.ActionRestart
		case "never":
			acts["on_poweroff"], acts["on_reboot"], acts["on_crash"] = toolstack.ActionDestroy, toolstack.ActionDestroy, toolstack.ActionDestroy
			c.note("restart", xmconfig.Warning, "xend wrote the invalid action 'never' and failed; mapped to destroy")
		default:
			return c.refuse("restart", "use onreboot, always or never (or on_poweroff/on_reboot/on_crash)", "unknown restart mode %q", r)
		}
		c.note("restart", xmconfig.Info, "deprecated; expanded into on_poweroff/on_reboot/on_crash")
	}
	for _, k := range []string{"on_poweroff", "on_reboot", "on_crash"} {
		v, ok, err := c.str(k)
		if err != nil {
			return err
		}
		if ok {
			a, known := actionNames[v]
			if !known {
				return c.refuse(k, "use destroy, restart, preserve, rename-restart, coredump-destroy or coredump-restart", "unknown action %q (xend refused it too)", v)
			}
			acts[k] = a
		} else if k == "on_crash" && !c.has("restart") {
			if c.xlSource {
				acts[k] = toolstack.ActionDestroy
			} else {
				c.note(k, xmconfig.Info, "not set: xm's default 'restart' is written (xl's default is destroy)")
			}
		}
	}
	cfg.OnPoweroff, cfg.OnReboot, cfg.OnCrash = acts["on_poweroff"], acts["on_reboot"], acts["on_crash"]
	if c.has("on_shutdown") {
		c.used["on_shutdown"] = true
		c.note("on_shutdown", xmconfig.Warning, "not an xm option (xm ignored it); did you mean on_poweroff? dropped")
	}
	return nil
}
