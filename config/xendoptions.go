package config

// Which xend-config.sxp options xendshim honours and which it knows but
// ignores. The names are those xend 4.4 read (XendOptions.py and the option
// readers around it), plus options that distributions' xend builds added.

// honouredXendOptions maps each honoured option to the type of its value.
var honouredXendOptions = map[string]xendType{
	"xend-unix-xmlrpc-server":              xendBool,
	"xend-tcp-xmlrpc-server":               xendBool,
	"xend-tcp-xmlrpc-server-address":       xendString,
	"xend-tcp-xmlrpc-server-port":          xendPort,
	"xend-tcp-xmlrpc-server-ssl-key-file":  xendString,
	"xend-tcp-xmlrpc-server-ssl-cert-file": xendString,
	"xend-http-server":                     xendBool,
	"xend-unix-server":                     xendBool,
	"xend-port":                            xendPort,
	"xend-address":                         xendString,
	"xend-unix-path":                       xendString,
	"xend-relocation-server":               xendBool,
	"xend-relocation-port":                 xendPort,
	"xend-relocation-address":              xendString,
	"xend-relocation-hosts-allow":          xendString,
	"xend-relocation-ssl-server":           xendBool,
	"xend-relocation-ssl-port":             xendPort,
	"xend-relocation-server-ssl-key-file":  xendString,
	"xend-relocation-server-ssl-cert-file": xendString,
	"xend-relocation-ssl":                  xendBool,
	"xend-domains-path":                    xendString,
	"dom0-min-mem":                         xendInt,
	"logfile":                              xendString,
	"loglevel":                             xendLogLevel,
}

// ignoredXendOptions are options xend knew that have no effect here, with
// the reason given in the warning.
var ignoredXendOptions = map[string]string{
	"xen-api-server":               "the Xen-API server is not provided",
	"xsm_module_name":              "XSM policy is the hypervisor's business",
	"xend-udev-event-server":       "udev events are handled by the host",
	"xend-state-path":              "xendshim keeps its state under --state-dir",
	"xend-storage-path":            "the QCoW storage repository is not provided",
	"xend-security-path":           "the security (ACM) state is not provided",
	"network-script":               "create bridges with the host's network configuration",
	"vif-script":                   "read by `xendshim convert`, not by the server; xl.conf has vif.default.script",
	"external-migration-tool":      "vTPM migration is not provided",
	"enable-dump":                  "set on_crash in each domain's configuration",
	"enable-dom0-ballooning":       "set autoballoon in xl.conf",
	"total_available_memory":       "memory for 32-bit PV guests is not reserved",
	"dom0-cpus":                    "set dom0_max_vcpus on the Xen command line",
	"console-limit":                "xenconsoled has its own limits",
	"vnc-listen":                   "read by `xendshim convert`, not by the server",
	"vncpasswd":                    "read by `xendshim convert`, not by the server",
	"vnc-tls":                      "xl has no VNC TLS setting",
	"vnc-x509-cert-dir":            "xl has no VNC TLS setting",
	"vnc-x509-verify":              "xl has no VNC TLS setting",
	"keymap":                       "read by `xendshim convert`, not by the server",
	"resource-label-change-script": "ACM labels are not provided",
	"qemu-dm-logrotate-count":      "xl rotates device-model logs itself",
	"device-create-timeout":        "xl waits for devices itself",
	"device-destroy-timeout":       "xl waits for devices itself",
	"pci-passthrough-strict-check": "xl checks PCI assignment itself",
	"pscsi-device-mask":            "has no equivalent in xendshim",
	"xend-domain-lock":             "domain locking is not provided (use xl's lock scripts)",
	"xend-domain-lock-path":        "domain locking is not provided (use xl's lock scripts)",
	"xend-domain-lock-utility":     "domain locking is not provided (use xl's lock scripts)",
}

// xendType is how xend read an option's value.
type xendType uint8

const (
	xendString   xendType = iota // get_config_string
	xendBool                     // get_config_bool
	xendInt                      // get_config_int, must be >= 0 here
	xendPort                     // get_config_int, 0..65535
	xendLogLevel                 // a Python logging level name
)
