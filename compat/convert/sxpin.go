package convert

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
	"github.com/xendshim/xendshim/compat/xmconfig"
	"github.com/xendshim/xendshim/sxp"
)

// runtimeKeys are runtime state in a (domain ...) record; never config.
var runtimeKeys = map[string]bool{
	"domid": true, "start_time": true, "cpu_time": true, "online_vcpus": true, "VCPUs_live": true,
	"status": true, "state": true, "store_mfn": true, "console_mfn": true, "shutdown_reason": true,
	"up_time": true, "resident_on": true, "image_type": false,
}

// sxpRename maps Xen-API and SXP spellings onto xm option names.
var sxpRename = map[string]string{
	"name_label": "name", "pool_name": "pool", "PV_bootloader": "bootloader",
	"PV_bootloader_args": "bootargs", "bootloader_args": "bootargs", "PV_kernel": "kernel", "PV_ramdisk": "ramdisk",
	"PV_args": "extra", "actions_after_shutdown": "on_poweroff", "actions_after_reboot": "on_reboot",
	"actions_after_crash": "on_crash", "name_description": "description", "Description": "description",
	"VCPUs_max": "vcpus", "args": "extra",
}

// sxpToSettings rebuilds xm's view of a domain from a (vm ...) or
// (domain ...) SXP (config.md §4), so the same mapping applies. Legacy keys
// win over Xen-API keys, as in xend.
func sxpToSettings(file string, root sxp.Value) ([]xmconfig.Setting, []Note, error) {
	if n := root.Name(); n != "vm" && n != "domain" {
		return nil, nil, &refusal{pos: lexer.Position{Filename: file}, msg: fmt.Sprintf("SXP root is (%s ...), not (vm ...) or (domain ...)", n),
			hint: "give a domain config as xm create -F or xend's config.sxp holds it"}
	}
	pos := lexer.Position{Filename: file}
	vals := map[string]xmconfig.Value{}
	var order []string
	var notes []Note
	set := func(k string, v xmconfig.Value, legacy bool) {
		if _, ok := vals[k]; ok && !legacy {
			return
		}
		if _, ok := vals[k]; !ok {
			order = append(order, k)
		}
		vals[k] = v
	}
	str := func(x sxp.Value) xmconfig.Value {
		t := x.Text()
		switch t {
		case "True":
			t = "1"
		case "False":
			t = "0"
		}
		return xmconfig.StrValue(t)
	}
	appendList := func(k, item string) {
		v := vals[k]
		if _, ok := vals[k]; !ok {
			order = append(order, k)
			v = xmconfig.ListValue()
		}
		v.Items = append(v.Items, xmconfig.StrValue(item))
		vals[k] = v
	}
	var bootDisk []string
	for _, child := range root.Args() {
		if !child.IsList() || child.Len() == 0 {
			continue
		}
		key := child.Name()
		args := child.Args()
		switch {
		case runtimeKeys[key]:
			continue
		case key == "image":
			if len(args) == 0 || !args[0].IsList() {
				continue
			}
			img := args[0]
			switch img.Name() {
			case "hvm":
				set("builder", xmconfig.StrValue("hvm"), true)
			case "linux":
				set("builder", xmconfig.StrValue("linux"), true)
			default:
				return nil, nil, &refusal{pos: pos, key: "image", msg: fmt.Sprintf("unknown image type %q", img.Name())}
			}
			var ipstr string
			for _, ic := range img.Args() {
				if !ic.IsList() || ic.Len() < 1 {
					continue
				}
				k := ic.Name()
				if k == "notes" {
					continue
				}
				if k == "ip" {
					ipstr = ic.Index(1).Text()
					continue
				}
				if ic.Len() < 2 {
					continue
				}
				if r, ok := sxpRename[k]; ok {
					k = r
				}
				if (k == "serial" || k == "usbdevice") && (ic.Len() > 2 || ic.Index(1).IsList()) {
					items := ic.Args()
					if ic.Len() == 2 {
						items = ic.Index(1).Items()
					}
					for _, s := range items {
						appendList(k, s.Text())
					}
					continue
				}
				if ic.Index(1).IsList() {
					notes = append(notes, Note{Pos: pos, Key: k, Severity: xmconfig.Info, Msg: "structured image value not carried"})
					continue
				}
				set(k, str(ic.Index(1)), true)
			}
			if ipstr != "" {
				extra := ""
				if v, ok := vals["extra"]; ok {
					extra = v.S
				}
				if !strings.Contains(extra, "ip=") {
					vals["extra"] = xmconfig.StrValue(strings.TrimSpace("ip=" + ipstr + " " + extra))
					if _, ok := vals["extra"]; ok {
						order = appendOnce(order, "extra")
					}
				}
			}
		case key == "device":
			if len(args) == 0 || !args[0].IsList() {
				continue
			}
			if err := sxpDevice(args[0], appendList, &bootDisk, &notes, pos); err != nil {
				return nil, nil, err
			}
		case key == "platform" || key == "vcpus_params" || key == "HVM_boot_params":
			for _, kv := range flattenPairs(child) {
				k, v := kv[0], kv[1]
				switch k {
				case "weight":
					k = "cpu_weight"
				case "cap":
					k = "cpu_cap"
				case "order":
					k = "boot"
				}
				if strings.HasPrefix(k, "cpumap") {
					continue
				}
				set(k, xmconfig.StrValue(v), false)
			}
		case key == "memory_dynamic_max" || key == "memory_static_max":
			if len(args) == 1 {
				b, err := strconv.ParseInt(args[0].Text(), 10, 64)
				if err == nil {
					k := "memory"
					if key == "memory_static_max" {
						k = "maxmem"
					}
					set(k, xmconfig.IntValue(b/(1024*1024)), false)
				}
			}
		case key == "cpus":
			// (cpus (() ())) or ((0 1) (2)) per vCPU, or a string
			if len(args) == 1 && !args[0].IsList() {
				set("cpus", str(args[0]), true)
				continue
			}
			per := []string{}
			all := ""
			same, empty := true, true
			lists := args
			if len(args) == 1 && args[0].IsList() && args[0].Len() > 0 && args[0].Index(0).IsList() {
				lists = args[0].Items()
			}
			for i, l := range lists {
				var parts []string
				for _, x := range l.Items() {
					parts = append(parts, x.Text())
				}
				s := strings.Join(parts, ",")
				if s != "" {
					empty = false
				}
				if i == 0 {
					all = s
				} else if s != all {
					same = false
				}
				per = append(per, s)
			}
			switch {
			case empty:
			case same:
				set("cpus", xmconfig.StrValue(all), true)
			default:
				l := xmconfig.ListValue()
				for _, s := range per {
					l.Items = append(l.Items, xmconfig.StrValue(s))
				}
				set("cpus", l, true)
			}
		case key == "cpuid" || key == "cpuid_check" || key == "other_config" || key == "security" || key == "backend":
			notes = append(notes, Note{Pos: pos, Key: key, Severity: xmconfig.Info, Msg: "xend structure not carried"})
		default:
			if len(args) != 1 || args[0].IsList() {
				if len(args) == 0 {
					continue
				}
				notes = append(notes, Note{Pos: pos, Key: key, Severity: xmconfig.Info, Msg: "structured xend value not carried"})
				continue
			}
			k := key
			if r, ok := sxpRename[k]; ok {
				k = r
			}
			legacy := k == key
			if key == "vcpus" || key == "bootloader_args" {
				legacy = true
			}
			set(k, str(args[0]), legacy)
		}
	}
	if len(bootDisk) > 0 {
		d := vals["disk"]
		d.Items = append(append([]xmconfig.Value{}, xmconfig.StrValue(bootDisk[0])), removeStr(d.Items, bootDisk[0])...)
		vals["disk"] = d
	}
	out := make([]xmconfig.Setting, 0, len(order))
	for _, k := range order {
		out = append(out, xmconfig.Setting{Name: k, Value: vals[k], Pos: pos})
	}
	return out, notes, nil
}

func appendOnce(order []string, k string) []string {
	for _, o := range order {
		if o == k {
			return order
		}
	}
	return append(order, k)
}

func removeStr(items []xmconfig.Value, s string) []xmconfig.Value {
	var out []xmconfig.Value
	removed := false
	for _, it := range items {
		if !removed && it.S == s {
			removed = true
			continue
		}
		out = append(out, it)
	}
	return out
}

// flattenPairs reads ((k v) (k v)) dict-shaped values.
func flattenPairs(v sxp.Value) [][2]string {
	var out [][2]string
	var walk func(x sxp.Value)
	walk = func(x sxp.Value) {
		for _, it := range x.Items() {
			if !it.IsList() {
				continue
			}
			if it.Len() == 2 && !it.Index(0).IsList() && !it.Index(1).IsList() {
				out = append(out, [2]string{it.Index(0).Text(), it.Index(1).Text()})
				continue
			}
			walk(it)
		}
	}
	walk(v)
	if len(out) > 0 && out[0][0] == v.Name() {
		out = out[1:]
	}
	return out
}

func sxpDevice(dev sxp.Value, appendList func(k, item string), bootDisk *[]string, notes *[]Note, pos lexer.Position) error {
	get := func(k string) string { return dev.ChildText(k, "") }
	switch dev.Name() {
	case "vbd", "tap", "tap2":
		s := get("uname") + "," + get("dev") + "," + get("mode")
		if b := get("backend"); b != "" && b != "0" {
			s += "," + b
		}
		appendList("disk", s)
		if get("bootable") == "1" {
			*bootDisk = append(*bootDisk, s)
		}
	case "vif":
		var parts []string
		for _, k := range []string{"mac", "bridge", "ip", "script", "type", "vifname", "model", "rate", "backend"} {
			if v := get(k); v != "" && !(k == "backend" && v == "0") {
				parts = append(parts, k+"="+v)
			}
		}
		appendList("vif", strings.Join(parts, ","))
	case "vfb":
		var parts []string
		for _, k := range []string{"type", "vnc", "sdl", "vncunused", "vnclisten", "vncdisplay", "vncpasswd", "display", "xauthority", "opengl", "keymap"} {
			if v := get(k); v != "" {
				parts = append(parts, k+"="+v)
			}
		}
		appendList("vfb", strings.Join(parts, ","))
	case "pci":
		for _, d := range dev.Children("dev") {
			h := func(k string) string { return strings.TrimPrefix(d.ChildText(k, "0"), "0x") }
			s := h("domain") + ":" + h("bus") + ":" + h("slot") + "." + h("func")
			if vd := d.ChildText("vdevfn", ""); vd != "" {
				n, err := strconv.ParseUint(strings.TrimPrefix(vd, "0x"), 16, 32)
				if err == nil && n != 0x100 {
					s += "@" + strconv.FormatUint(n>>3, 16)
				}
			}
			if o, ok := d.Child("opts"); ok {
				for _, kv := range flattenPairs(o) {
					s += "," + kv[0] + "=" + kv[1]
				}
			}
			appendList("pci", s)
		}
	case "vscsi":
		for _, d := range dev.Children("dev") {
			appendList("vscsi", d.ChildText("p-dev", "")+", "+d.ChildText("v-dev", ""))
		}
	case "vusb":
		appendList("vusb", "usbver="+get("usb-ver")+",numports="+get("num-ports"))
	case "ioports":
		appendList("ioports", strings.TrimPrefix(get("from"), "0x")+"-"+strings.TrimPrefix(get("to"), "0x"))
	case "irq":
		appendList("irq", get("irq"))
	case "vtpm", "vif2":
		appendList(dev.Name(), sxp.Show(dev))
	case "vkbd", "console":
	default:
		*notes = append(*notes, Note{Pos: pos, Key: "device", Severity: xmconfig.Warning, Msg: fmt.Sprintf("unknown device class %q dropped", dev.Name())})
	}
	return nil
}
