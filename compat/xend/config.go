package xend

import (
	"strconv"
	"strings"

	"github.com/xendshim/xendshim/sxp"
)

// parseVMConfig reads the SXP domain config xm sends to create and new
// (['vm', ['name', ...], ...], xmlrpc.md §8.3) into a record, applying
// xend's defaults. uuid is used when the config gives none. It checks what
// xend checked before touching the hypervisor.
func parseVMConfig(cfg sxp.Value, genUUID func() string) (*vmRecord, error) {
	if cfg.Name() != "vm" && cfg.Name() != "domain" {
		return nil, xendError("Invalid Configuration: config must start with 'vm'")
	}
	r := &vmRecord{
		HasDescription: true,
		CPUWeight:      256,
		PoolName:       "Pool-0",
		VCPUs:          1,
		OnPoweroff:     "destroy",
		OnReboot:       "restart",
		OnCrash:        "restart",
		OnXendStart:    "ignore",
		OnXendStop:     "ignore",
		Cpu:            -1,
	}
	text := func(key string) (string, bool) {
		v, ok := cfg.ChildValue(key)
		if !ok || v.IsList() {
			return "", false
		}
		return v.Text(), true
	}
	intOf := func(key string, dst *int) error {
		v, ok := cfg.ChildValue(key)
		if !ok {
			return nil
		}
		n, err := v.AsInt()
		if err != nil {
			return xendError("Invalid Configuration: %s: invalid literal for int() with base 10: %s", key, sxp.Quote(v.Text()))
		}
		*dst = int(n)
		return nil
	}
	r.Name, _ = text("name")
	if r.Name == "" {
		return nil, xendError("Missing VM Name")
	}
	if !validName(r.Name) {
		return nil, xendError("Invalid VM Name")
	}
	if s, ok := text("uuid"); ok && s != "" {
		r.UUID = s
	} else {
		r.UUID = genUUID()
	}
	if s, ok := text("description"); ok {
		r.Description = s
	}
	for key, dst := range map[string]*string{
		"on_poweroff": &r.OnPoweroff, "on_reboot": &r.OnReboot, "on_crash": &r.OnCrash,
		"on_xend_start": &r.OnXendStart, "on_xend_stop": &r.OnXendStop,
		"bootloader": &r.Bootloader, "bootloader_args": &r.BootloaderArgs,
		"features": &r.Features, "pool_name": &r.PoolName,
	} {
		if s, ok := text(key); ok {
			*dst = s
		}
	}
	for key, dst := range map[string]*int{
		"memory": &r.Memory, "maxmem": &r.MaxMem, "vcpus": &r.VCPUs,
		"cpu_weight": &r.CPUWeight, "cpu_cap": &r.CPUCap, "shadow_memory": &r.ShadowMemory,
		"cpu": &r.Cpu,
	} {
		if err := intOf(key, dst); err != nil {
			return nil, err
		}
	}
	if r.Memory <= 0 {
		r.Memory = 128
	}
	if r.MaxMem < r.Memory {
		r.MaxMem = r.Memory
	}
	if r.VCPUs < 1 {
		return nil, xendError("Zero or less VCPUs is invalid")
	}
	if v, ok := cfg.ChildValue("vcpu_avail"); ok {
		n, err := v.AsInt()
		if err != nil {
			return nil, xendError("Invalid Configuration: vcpu_avail: invalid literal for long() with base 10: %s", sxp.Quote(v.Text()))
		}
		r.VCPUAvail = uint64(n)
	}
	if v, ok := cfg.ChildValue("cpus"); ok {
		aff, err := parseCpus(v, r.VCPUs)
		if err != nil {
			return nil, err
		}
		r.Cpus = aff
	} else {
		r.Cpus = make([][]int, r.VCPUs)
	}
	if img, ok := cfg.Child("image"); ok {
		if err := parseImage(img, r); err != nil {
			return nil, err
		}
	} else {
		r.Image = imageRecord{Type: "linux", Platform: map[string]sxp.Value{}}
	}
	for _, d := range cfg.Children("device") {
		args := d.Args()
		if len(args) == 0 || !args[0].IsList() {
			continue
		}
		dev, err := parseDevice(args[0], genUUID)
		if err != nil {
			return nil, err
		}
		r.Devices = append(r.Devices, dev)
	}
	// An HVM guest's display is a vfb device built from its image keys.
	if r.Image.Type == "hvm" && hasVNCorSDL(r.Image.Platform) && !r.hasClass("vfb") {
		dev := &devRecord{Class: "vfb", UUID: genUUID(), Devid: -1}
		for _, k := range []string{"vncunused", "vnclisten", "vnc", "vncdisplay", "vncpasswd", "keymap", "sdl", "opengl", "display"} {
			if v, ok := r.Image.Platform[k]; ok && !(v.IsScalar() && v.Text() == "") {
				dev.Cfg = append(dev.Cfg, field{k, sxp.Atom(v.Text())})
			}
		}
		r.Devices = append(r.Devices, dev)
	}
	// localtime is a top-level legacy key that xend kept as a platform
	// key; nomigrate and tsc_mode are always there (§6.4).
	if v, ok := cfg.ChildValue("localtime"); ok {
		if _, set := r.Image.Platform["localtime"]; !set {
			r.Image.Platform["localtime"] = v
		}
	}
	for _, k := range []string{"nomigrate", "tsc_mode"} {
		if _, set := r.Image.Platform[k]; !set {
			r.Image.Platform[k] = sxp.Int(0)
		}
	}
	if r.hasClass("vfb") {
		if _, ok := r.Image.Platform["device_model"]; !ok {
			r.Image.Platform["device_model"] = sxp.Atom("/usr/lib/xen/bin/qemu-dm")
		}
	}
	if r.Image.Type == "hvm" {
		// 1 MiB per vCPU plus 8 KiB per MiB of RAM for the P2M map and the
		// shadow of resident processes, as xend's HVM image computed it.
		need := (r.VCPUs*1024 + r.MaxMem*8 + 1023) / 1024
		if r.ShadowMemory < need {
			r.ShadowMemory = need
		}
	}
	// The first disk is the bootable one.
	for _, d := range r.Devices {
		if isDiskClass(d.Class) {
			d.set("bootable", sxp.Int(1))
			break
		}
	}
	return r, nil
}

func (r *vmRecord) hasClass(class string) bool {
	for _, d := range r.Devices {
		if d.Class == class {
			return true
		}
	}
	return false
}

func isDiskClass(c string) bool { return c == "vbd" || c == "tap" || c == "tap2" }

func hasVNCorSDL(p map[string]sxp.Value) bool {
	for _, k := range []string{"vnc", "sdl"} {
		if v, ok := p[k]; ok {
			if b, err := v.AsBool(); err == nil && b {
				return true
			}
		}
	}
	return false
}

// validName is xend's check on domain names: printable, no quotes or
// whitespace beyond what xm allowed.
func validName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// parseImage reads (image (linux|hvm ...)).
func parseImage(img sxp.Value, r *vmRecord) error {
	args := img.Args()
	if len(args) == 0 || !args[0].IsList() {
		r.Image = imageRecord{Type: "linux", Platform: map[string]sxp.Value{}}
		return nil
	}
	body := args[0]
	im := imageRecord{Type: body.Name(), Platform: map[string]sxp.Value{}}
	if im.Type != "linux" && im.Type != "hvm" {
		return xendError("Invalid Configuration: unknown image type %s", im.Type)
	}
	root := ""
	args2 := ""
	for _, c := range body.Args() {
		if !c.IsList() || c.Len() < 2 {
			continue
		}
		k, v := c.Name(), c.Index(1)
		switch k {
		case "kernel":
			im.Kernel = v.Text()
		case "ramdisk":
			im.Ramdisk = v.Text()
		case "root":
			root = v.Text()
		case "args":
			args2 = v.Text()
		case "superpages":
			n, _ := v.AsInt()
			im.Superpages = int(n)
		default:
			if isPlatformKey[k] {
				im.Platform[k] = v
			}
		}
	}
	if im.Type == "hvm" {
		if im.Kernel != "" {
			if _, ok := im.Platform["loader"]; !ok {
				im.Platform["loader"] = sxp.Atom(im.Kernel)
			}
		}
		im.Kernel = ""
		if p, ok := im.Platform["pci"]; ok && p.IsList() && p.Len() == 0 {
			delete(im.Platform, "pci") // re-added for live domains
		}
	} else {
		delete(im.Platform, "pci")
	}
	switch {
	case root != "" && args2 != "":
		im.Args = "root=" + root + " " + args2
	case root != "":
		im.Args = "root=" + root
	default:
		im.Args = args2
	}
	r.Image = im
	return nil
}

// parseDevice reads one (class (k v) ...) device config.
func parseDevice(d sxp.Value, genUUID func() string) (*devRecord, error) {
	dev := &devRecord{Class: d.Name(), Devid: -1}
	if dev.Class == "" {
		return nil, xendError("Invalid Configuration: device without a class")
	}
	for _, c := range d.Args() {
		if !c.IsList() || c.Len() == 0 {
			continue
		}
		k := c.Name()
		var v sxp.Value
		if c.Len() == 2 {
			v = c.Index(1)
		} else {
			v = sxp.List(c.Items()[1:]...)
		}
		if k == "uuid" {
			dev.UUID = v.Text()
			continue
		}
		dev.Cfg = append(dev.Cfg, field{k, v})
	}
	if dev.UUID == "" {
		dev.UUID = genUUID()
	}
	if dev.Class == "vfb" {
		// (type vnc) and (type sdl) were xend's way to say vnc=1 or sdl=1.
		if t := dev.text("type"); t == "vnc" || t == "sdl" {
			var keep []field
			for _, f := range dev.Cfg {
				if f.key != "type" {
					keep = append(keep, f)
				}
			}
			dev.Cfg = keep
			if !dev.get(t).IsValid() {
				dev.Cfg = append(dev.Cfg, field{t, sxp.Int(1)})
			}
		}
	}
	if dev.Class == "vif" {
		if mac := dev.text("mac"); mac != "" && !validMAC(mac) {
			return nil, xendError("Cannot create a new virtual network interface - MAC address is not valid!")
		}
	}
	return dev, nil
}

func validMAC(s string) bool {
	parts := strings.Split(s, ":")
	if len(parts) != 6 {
		return false
	}
	for _, p := range parts {
		if len(p) != 2 {
			return false
		}
		if _, err := strconv.ParseUint(p, 16, 8); err != nil {
			return false
		}
	}
	return true
}
