package config

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Warning is a problem in an xend-config.sxp that does not stop xendshim: an
// option xend knew that xendshim ignores, or a repeated option.
type Warning struct {
	Path   string
	Line   int
	Option string
	Msg    string
}

// String returns "PATH:LINE: option NAME: MSG".
func (w Warning) String() string {
	return fmt.Sprintf("%s:%d: option %s: %s", w.Path, w.Line, w.Option, w.Msg)
}

// OptionError is an unknown or malformed option in an xend-config.sxp.
type OptionError struct {
	Path   string
	Line   int
	Option string
	Msg    string
}

// Error returns "PATH:LINE: option NAME: MSG".
func (e *OptionError) Error() string {
	return fmt.Sprintf("%s:%d: option %s: %s", e.Path, e.Line, e.Option, e.Msg)
}

// xend's defaults for the options that decide the listeners (XendOptions.py).
const (
	xendTCPXMLRPCAddress = "localhost"
	xendTCPXMLRPCPort    = 8006
	xendHTTPPort         = 8000
	xendRelocationPort   = 8002
	xendRelocationSSL    = 8003
)

// Settings translates the file into xendshim settings, keyed as [Options].
// The listener keys (xmlrpc-socket, xmlrpc-addr, http-socket, http-addr,
// relocation-addr, relocation-tls-addr) are always set, using xend's own
// defaults for options the file leaves out, because a host that has an
// xend-config.sxp ran with exactly those listeners; the other keys are set
// only when the file names them. Relative TLS file names resolve against the
// file's directory (/etc/xen/, as xend did); a named TLS file that does not
// exist is an error when its listener is on. On any error nothing is
// returned.
func (f *XendFile) Settings() (map[string]any, []Warning, error) {
	r := reader{f: f, first: map[string]XendOption{}}
	for _, o := range f.Options {
		if prev, dup := r.first[o.Name]; dup {
			r.warn(o, fmt.Sprintf("repeated; xend used the first value, on line %d", prev.Line))
			continue
		}
		if reason, ok := ignoredXendOptions[o.Name]; ok {
			r.first[o.Name] = o
			r.warn(o, "ignored: "+reason)
			continue
		}
		typ, ok := honouredXendOptions[o.Name]
		if !ok {
			return nil, nil, r.fail(o, "unknown option: xend 4.4 had no such option; check the spelling or remove it")
		}
		if err := r.check(o, typ); err != nil {
			return nil, nil, err
		}
		r.first[o.Name] = o
	}
	out, err := r.settings()
	if err != nil {
		return nil, nil, err
	}
	return out, r.warnings, nil
}

// reader holds the first occurrence of each option and the warnings so far.
type reader struct {
	f        *XendFile
	first    map[string]XendOption
	warnings []Warning
}

func (r *reader) warn(o XendOption, msg string) {
	r.warnings = append(r.warnings, Warning{Path: r.f.Path, Line: o.Line, Option: o.Name, Msg: msg})
}

func (r *reader) fail(o XendOption, msg string) error {
	return &OptionError{Path: r.f.Path, Line: o.Line, Option: o.Name, Msg: msg}
}

// check validates the value of an honoured option.
func (r *reader) check(o XendOption, typ xendType) error {
	if len(o.Args) != 1 || o.Args[0].IsList() {
		return r.fail(o, fmt.Sprintf("expected exactly one value, as in (%s %s)", o.Name, example(typ)))
	}
	text := o.Args[0].Text()
	switch typ {
	case xendBool:
		if _, ok := parseXendBool(text); !ok {
			return r.fail(o, fmt.Sprintf("expected a boolean (yes y 1 on true t / no n 0 off false f), found %q", text))
		}
	case xendInt:
		if n, err := strconv.Atoi(text); err != nil || n < 0 {
			return r.fail(o, fmt.Sprintf("expected a whole number >= 0, found %q", text))
		}
	case xendPort:
		if n, err := strconv.Atoi(text); err != nil || n < 0 || n > 65535 {
			return r.fail(o, fmt.Sprintf("expected a port number 0-65535, found %q", text))
		}
	case xendLogLevel:
		if _, err := ParseLogLevel(text); err != nil {
			return r.fail(o, fmt.Sprintf("expected DEBUG, INFO, WARNING, ERROR or CRITICAL, found %q", text))
		}
	}
	return nil
}

func example(typ xendType) string {
	switch typ {
	case xendBool:
		return "yes"
	case xendInt, xendPort:
		return "8000"
	case xendLogLevel:
		return "INFO"
	}
	return "value"
}

// parseXendBool reads a boolean the way xend's get_config_bool did.
func parseXendBool(s string) (value, ok bool) {
	switch strings.ToLower(s) {
	case "yes", "y", "1", "on", "true", "t":
		return true, true
	case "no", "n", "0", "off", "false", "f":
		return false, true
	}
	return false, false
}

func (r *reader) text(name, def string) string {
	if o, ok := r.first[name]; ok {
		return o.Args[0].Text()
	}
	return def
}

func (r *reader) flag(name string, def bool) bool {
	if o, ok := r.first[name]; ok {
		v, _ := parseXendBool(o.Args[0].Text())
		return v
	}
	return def
}

func (r *reader) port(name string, def int) string {
	return r.text(name, strconv.Itoa(def))
}

// tlsFile resolves a TLS file option; when required, the file must exist.
func (r *reader) tlsFile(name string, required bool) (string, error) {
	o, ok := r.first[name]
	if !ok {
		return "", nil
	}
	p := o.Args[0].Text()
	if p == "" {
		return "", nil
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(filepath.Dir(r.f.Path), p)
	}
	if required {
		if _, err := os.Stat(p); err != nil {
			return "", r.fail(o, fmt.Sprintf("TLS file %s: %v (xend refused to start without it)", p, err))
		}
	}
	return p, nil
}

// settings builds the xendshim settings from the checked options.
func (r *reader) settings() (map[string]any, error) {
	out := map[string]any{}

	out[KeyXMLRPCSocket] = ""
	if r.flag("xend-unix-xmlrpc-server", true) {
		out[KeyXMLRPCSocket] = DefaultXMLRPCSocket
	}
	out[KeyXMLRPCAddr] = ""
	if tcp := r.flag("xend-tcp-xmlrpc-server", false); tcp {
		out[KeyXMLRPCAddr] = net.JoinHostPort(
			r.text("xend-tcp-xmlrpc-server-address", xendTCPXMLRPCAddress),
			r.port("xend-tcp-xmlrpc-server-port", xendTCPXMLRPCPort))
		key, err := r.tlsFile("xend-tcp-xmlrpc-server-ssl-key-file", true)
		if err != nil {
			return nil, err
		}
		cert, err := r.tlsFile("xend-tcp-xmlrpc-server-ssl-cert-file", true)
		if err != nil {
			return nil, err
		}
		if key != "" && cert != "" { // xend: both, or plain HTTP
			out[KeyXMLRPCTLSKey], out[KeyXMLRPCTLSCert] = key, cert
		}
	}

	out[KeyHTTPSocket] = ""
	if r.flag("xend-unix-server", false) {
		out[KeyHTTPSocket] = r.text("xend-unix-path", DefaultHTTPSocket)
	}
	out[KeyHTTPAddr] = ""
	if r.flag("xend-http-server", false) {
		out[KeyHTTPAddr] = net.JoinHostPort(r.text("xend-address", ""), r.port("xend-port", xendHTTPPort))
	}

	relocHost := r.text("xend-relocation-address", "")
	out[KeyRelocationAddr] = ""
	if r.flag("xend-relocation-server", false) {
		out[KeyRelocationAddr] = net.JoinHostPort(relocHost, r.port("xend-relocation-port", xendRelocationPort))
	}
	out[KeyRelocationTLSAddr] = ""
	if on := r.flag("xend-relocation-ssl-server", false); on {
		out[KeyRelocationTLSAddr] = net.JoinHostPort(relocHost, r.port("xend-relocation-ssl-port", xendRelocationSSL))
		key, err := r.tlsFile("xend-relocation-server-ssl-key-file", true)
		if err != nil {
			return nil, err
		}
		cert, err := r.tlsFile("xend-relocation-server-ssl-cert-file", true)
		if err != nil {
			return nil, err
		}
		if key != "" {
			out[KeyRelocationTLSKey] = key
		}
		if cert != "" {
			out[KeyRelocationTLSCert] = cert
		}
	}
	if _, ok := r.first["xend-relocation-hosts-allow"]; ok {
		out[KeyRelocationHostsAllow] = r.text("xend-relocation-hosts-allow", "")
	}
	if _, ok := r.first["xend-relocation-ssl"]; ok {
		out[KeyRelocationSSL] = r.flag("xend-relocation-ssl", false)
	}
	if _, ok := r.first["xend-domains-path"]; ok {
		out[KeyDomainsPath] = r.text("xend-domains-path", DefaultDomainsPath)
	}
	if _, ok := r.first["dom0-min-mem"]; ok {
		n, _ := strconv.Atoi(r.text("dom0-min-mem", "0"))
		out[KeyDom0MinMem] = n
	}
	if _, ok := r.first["logfile"]; ok {
		out[KeyLogFile] = r.text("logfile", "")
	}
	if _, ok := r.first["loglevel"]; ok {
		out[KeyLogLevel] = strings.ToLower(r.text("loglevel", "info"))
	}
	return out, nil
}
