package toolstack

import "strconv"

// DeviceClass names a kind of virtual device, as xend and xenstore spell it.
type DeviceClass string

// Device classes. VBD, VIF, VFB, VKBD, PCI, VUSB (a PV USB controller with
// its ports), VSCSI, Console and Channel; VTPM is carried through.
const (
	ClassVBD     DeviceClass = "vbd"
	ClassVIF     DeviceClass = "vif"
	ClassVFB     DeviceClass = "vfb"
	ClassVKBD    DeviceClass = "vkbd"
	ClassPCI     DeviceClass = "pci"
	ClassVUSB    DeviceClass = "vusb"
	ClassUSBDev  DeviceClass = "usbdev"
	ClassVSCSI   DeviceClass = "vscsi"
	ClassConsole DeviceClass = "console"
	ClassChannel DeviceClass = "channel"
	ClassVTPM    DeviceClass = "vtpm"
)

// DeviceDisk mirrors libxl_device_disk.
type DeviceDisk struct {
	BackendDomid   uint32 `json:"backend_domid,omitempty"`
	BackendDomname string `json:"backend_domname,omitempty"`
	// PdevPath is the backing path, e.g. "/var/lib/xen/images/pv1.img".
	PdevPath string `json:"pdev_path,omitempty"`
	// Vdev is the guest name, e.g. "xvda1" or "hdc".
	Vdev string `json:"vdev,omitempty"`
	// Backend is "phy", "tap", "qdisk" or "" (unknown/auto).
	Backend string `json:"backend,omitempty"`
	// Format is "raw", "qcow2", "vhd", "empty", ... ("" = unknown).
	Format        string  `json:"format,omitempty"`
	Script        string  `json:"script,omitempty"`
	Removable     int     `json:"removable,omitempty"`
	Readwrite     int     `json:"readwrite,omitempty"`
	IsCDROM       int     `json:"is_cdrom,omitempty"`
	DirectIOSafe  bool    `json:"direct_io_safe,omitempty"`
	DiscardEnable Defbool `json:"discard_enable,omitempty"`
	Trusted       Defbool `json:"trusted,omitempty"`
}

// DeviceNIC mirrors libxl_device_nic.
type DeviceNIC struct {
	BackendDomid   uint32 `json:"backend_domid,omitempty"`
	BackendDomname string `json:"backend_domname,omitempty"`
	Devid          int    `json:"devid,omitempty"`
	MTU            int    `json:"mtu,omitempty"`
	Model          string `json:"model,omitempty"`
	// MAC is "00:16:3e:xx:xx:xx"; empty means "pick one".
	MAC    string `json:"mac,omitempty"`
	IP     string `json:"ip,omitempty"`
	Bridge string `json:"bridge,omitempty"`
	Ifname string `json:"ifname,omitempty"`
	Script string `json:"script,omitempty"`
	// Nictype is "vif" or "vif_ioemu".
	Nictype              string  `json:"nictype,omitempty"`
	RateBytesPerInterval uint64  `json:"rate_bytes_per_interval,omitempty"`
	RateIntervalUsecs    uint32  `json:"rate_interval_usecs,omitempty"`
	Gatewaydev           string  `json:"gatewaydev,omitempty"`
	Trusted              Defbool `json:"trusted,omitempty"`
}

// DevicePCI mirrors libxl_device_pci (a host function passed through).
type DevicePCI struct {
	Func         uint8  `json:"func,omitempty"`
	Dev          uint8  `json:"dev,omitempty"`
	Bus          uint8  `json:"bus,omitempty"`
	Domain       int    `json:"domain,omitempty"`
	Vdevfn       uint32 `json:"vdevfn,omitempty"`
	VfuncMask    uint32 `json:"vfunc_mask,omitempty"`
	MSITranslate bool   `json:"msitranslate,omitempty"`
	PowerMgmt    bool   `json:"power_mgmt,omitempty"`
	Permissive   bool   `json:"permissive,omitempty"`
	Seize        bool   `json:"seize,omitempty"`
	RDMPolicy    string `json:"rdm_policy,omitempty"`
}

// DeviceVFB mirrors libxl_device_vfb (a PV framebuffer, shown over VNC or
// SDL by a device model).
type DeviceVFB struct {
	BackendDomid   uint32   `json:"backend_domid,omitempty"`
	BackendDomname string   `json:"backend_domname,omitempty"`
	Devid          int      `json:"devid,omitempty"`
	VNC            *VNCInfo `json:"vnc,omitempty"`
	SDL            *SDLInfo `json:"sdl,omitempty"`
	Keymap         string   `json:"keymap,omitempty"`
}

// DeviceVKB mirrors libxl_device_vkb (a PV keyboard/mouse).
type DeviceVKB struct {
	BackendDomid   uint32 `json:"backend_domid,omitempty"`
	BackendDomname string `json:"backend_domname,omitempty"`
	Devid          int    `json:"devid,omitempty"`
	BackendType    string `json:"backend_type,omitempty"`
}

// DeviceVTPM mirrors libxl_device_vtpm.
type DeviceVTPM struct {
	BackendDomid   uint32 `json:"backend_domid,omitempty"`
	BackendDomname string `json:"backend_domname,omitempty"`
	Devid          int    `json:"devid,omitempty"`
	UUID           string `json:"uuid,omitempty"`
}

// DeviceChannel mirrors libxl_device_channel. Connection is "pty" or
// "socket" (then Path is the socket), printed as libxl's keyed union.
type DeviceChannel struct {
	BackendDomid   uint32         `json:"backend_domid,omitempty"`
	BackendDomname string         `json:"backend_domname,omitempty"`
	Devid          int            `json:"devid,omitempty"`
	Name           string         `json:"name,omitempty"`
	Pty            *struct{}      `json:"connection.pty,omitempty"`
	Socket         *ChannelSocket `json:"connection.socket,omitempty"`
}

// ChannelSocket is the socket form of a channel connection.
type ChannelSocket struct {
	Path string `json:"path,omitempty"`
}

// DeviceUSBCtrl mirrors libxl_device_usbctrl (xend's vusb controller).
type DeviceUSBCtrl struct {
	// Type is "auto", "pv", "devicemodel" or "qusb".
	Type           string `json:"type,omitempty"`
	Devid          int    `json:"devid,omitempty"`
	Version        int    `json:"version,omitempty"`
	Ports          int    `json:"ports,omitempty"`
	BackendDomid   uint32 `json:"backend_domid,omitempty"`
	BackendDomname string `json:"backend_domname,omitempty"`
}

// DeviceUSBDev mirrors libxl_device_usbdev: a host USB device on a
// controller port (xend: vusb port-N = "bus-addr").
type DeviceUSBDev struct {
	Ctrl    int         `json:"ctrl,omitempty"`
	Port    int         `json:"port,omitempty"`
	HostDev *USBHostDev `json:"type.hostdev,omitempty"`
}

// USBHostDev is the host side of a USB device.
type USBHostDev struct {
	HostBus  uint8 `json:"hostbus,omitempty"`
	HostAddr uint8 `json:"hostaddr,omitempty"`
}

// DeviceVSCSI is a PVSCSI controller as xend knew it: one virtual host
// adapter with its LUNs. libxl has no such device; it lives in XendExtras.
type DeviceVSCSI struct {
	Devid        int    `json:"devid"`
	BackendDomid uint32 `json:"backend_domid,omitempty"`
	// FeatureHost passes the whole host adapter through (xend "feature-host").
	FeatureHost bool       `json:"feature_host,omitempty"`
	LUNs        []VSCSILUN `json:"luns,omitempty"`
}

// VSCSILUN maps one host SCSI device to a virtual H:C:T:L.
type VSCSILUN struct {
	// PDev is the host device as configured: "1:0:0:0", "/dev/sdb" or "sdb".
	PDev string `json:"p_dev"`
	// PDevname is the host device name resolved from PDev, e.g. "sdb".
	PDevname string `json:"p_devname,omitempty"`
	// VDev is the guest's "H:C:T:L".
	VDev string `json:"v_dev"`
}

// Device is one device of any class, for the device add/list calls: Class
// says which single pointer is set.
type Device struct {
	Class   DeviceClass    `json:"class"`
	Disk    *DeviceDisk    `json:"disk,omitempty"`
	NIC     *DeviceNIC     `json:"nic,omitempty"`
	VFB     *DeviceVFB     `json:"vfb,omitempty"`
	VKB     *DeviceVKB     `json:"vkb,omitempty"`
	PCI     *DevicePCI     `json:"pci,omitempty"`
	USBCtrl *DeviceUSBCtrl `json:"usbctrl,omitempty"`
	USBDev  *DeviceUSBDev  `json:"usbdev,omitempty"`
	VSCSI   *DeviceVSCSI   `json:"vscsi,omitempty"`
	Channel *DeviceChannel `json:"channel,omitempty"`
	VTPM    *DeviceVTPM    `json:"vtpm,omitempty"`
}

// XenbusState is a PV device's xenbus state (xenstore "state" node).
type XenbusState int

// Xenbus states, numbered as in xen/io/xenbus.h.
const (
	XenbusUnknown       XenbusState = 0
	XenbusInitialising  XenbusState = 1
	XenbusInitWait      XenbusState = 2
	XenbusInitialised   XenbusState = 3
	XenbusConnected     XenbusState = 4
	XenbusClosing       XenbusState = 5
	XenbusClosed        XenbusState = 6
	XenbusReconfiguring XenbusState = 7
	XenbusReconfigured  XenbusState = 8
)

var xenbusNames = [...]string{"Unknown", "Initialising", "InitWait", "Initialised", "Connected", "Closing", "Closed", "Reconfiguring", "Reconfigured"}

// String returns the state's xenbus name, e.g. "Connected".
func (s XenbusState) String() string {
	if s >= 0 && int(s) < len(xenbusNames) {
		return xenbusNames[s]
	}
	return "XenbusState(" + strconv.Itoa(int(s)) + ")"
}

// DeviceState is a device as it is now on a running domain.
type DeviceState struct {
	Class DeviceClass `json:"class"`
	// Devid is the device's id within its class: the vdev number for vbd
	// (xvda1 = 51713), the index for vif, vfb, vkbd, console, vusb, vscsi.
	Devid int `json:"devid"`
	// Config is the device's configuration.
	Config Device `json:"config"`
	// BackendDomid is the domain serving the device (0 = dom0).
	BackendDomid uint32 `json:"backend_domid"`
	// BackendState and FrontendState are the xenbus states.
	BackendState  XenbusState `json:"backend_state"`
	FrontendState XenbusState `json:"frontend_state"`
	// BackendPath and FrontendPath are the xenstore directories, e.g.
	// "/local/domain/0/backend/vbd/5/51713" and "/local/domain/5/device/vbd/51713".
	BackendPath  string `json:"backend_path,omitempty"`
	FrontendPath string `json:"frontend_path,omitempty"`
	// Frontend and Backend hold the xenstore nodes of the two directories
	// (flat, values as strings) in xenstore directory order.
	Frontend KeyValueList `json:"frontend,omitempty"`
	Backend  KeyValueList `json:"backend,omitempty"`
	// TTY is the pty of a console or pty channel, e.g. "/dev/pts/3".
	TTY string `json:"tty,omitempty"`
	// VNCListen and VNCPort are a vfb's (or HVM display's) VNC endpoint;
	// VNCPort 0 means no device model published one.
	VNCListen string `json:"vnc_listen,omitempty"`
	VNCPort   int    `json:"vnc_port,omitempty"`
}

// DeviceRef names a device by class and id, as device add returns it.
type DeviceRef struct {
	Class DeviceClass `json:"class"`
	Devid int         `json:"devid"`
	// Sub names one part of a device: a vscsi LUN by its virtual
	// "H:C:T:L". Empty means the whole device.
	Sub string `json:"sub,omitempty"`
}
