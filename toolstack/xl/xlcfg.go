package xl

import (
	"fmt"
	"strings"

	"github.com/xendshim/xendshim/toolstack"
	"github.com/xendshim/xendshim/toolstack/xlcfg"
)

// XLConfig renders cfg as xl.cfg text for `xl create` with the shared
// emitter (toolstack/xlcfg), for the current xl. A domain without a name
// is refused here, as xl would pick none.
func XLConfig(cfg *toolstack.DomainConfig) ([]byte, error) {
	if cfg.CInfo.Name == "" {
		return nil, fmt.Errorf("xl.cfg: the domain has no name (c_info.name)")
	}
	text, _, err := xlcfg.Emit(cfg, xlcfg.Options{})
	if err != nil {
		return nil, fmt.Errorf("xl.cfg: %w", err)
	}
	return []byte(text), nil
}

// The device spec strings below are those of xl.cfg, given to xl's
// hot-plug commands (block-attach, network-attach, ...).

// DiskSpec renders a disk for `xl block-attach`: xlcfg.DiskParams joined
// by bare commas, one command-line word.
func DiskSpec(d toolstack.DeviceDisk) string { return strings.Join(xlcfg.DiskParams(d), ",") }

// NICSpec renders a vif for `xl network-attach` (xlcfg.VifSpec; the
// emulated twin is only made at creation, so type= is not written).
func NICSpec(n toolstack.DeviceNIC) string { return xlcfg.VifSpec(n, false) }

// PCISpec renders a PCI function for `xl pci-attach`. Unlike a config
// file, there is no pci_msitranslate to inherit, so MSI translation is
// spelt out when on.
func PCISpec(p toolstack.DevicePCI) string {
	s := xlcfg.PCISpec(p)
	if p.MSITranslate {
		s += ",msitranslate=1"
	}
	return s
}

// USBCtrlSpec renders a USB controller for `xl usbctrl-attach`.
func USBCtrlSpec(u toolstack.DeviceUSBCtrl) string { return xlcfg.USBCtrlSpec(u) }

// USBDevSpec renders a USB device for `xl usbdev-attach`.
func USBDevSpec(u toolstack.DeviceUSBDev) string { return xlcfg.USBDevSpec(u) }

// joinKV joins key=value pairs with commas, leaving out empty values.
func joinKV(kv ...string) string { return xlcfg.JoinKV(kv...) }
