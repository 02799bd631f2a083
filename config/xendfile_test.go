package config

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// TestXendConfigCorpus reads the xend-config.sxp that Xen 4.4.4 shipped
// (from ../shared/corpus/host-config): it must load, and warn only about
// options xend knew that xendshim ignores.
func TestXendConfigCorpus(t *testing.T) {
	path := filepath.Join("testdata", "xend-config.sxp")
	f, err := ReadXendConfig(path)
	if err != nil {
		t.Fatalf("ReadXendConfig(%s) error: %v", path, err)
	}
	got, warnings, err := f.Settings()
	if err != nil {
		t.Fatalf("Settings() error: %v", err)
	}
	want := map[string]any{
		KeyXMLRPCSocket:         DefaultXMLRPCSocket,
		KeyXMLRPCAddr:           "",
		KeyHTTPSocket:           "",
		KeyHTTPAddr:             "",
		KeyRelocationAddr:       ":8002",
		KeyRelocationTLSAddr:    "",
		KeyRelocationHostsAllow: `^localhost$ ^localhost\.localdomain$`,
		KeyDom0MinMem:           196,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Settings(%s) =\n%v\nwant\n%v", path, got, want)
	}
	var warned []string
	for _, w := range warnings {
		if _, ok := ignoredXendOptions[w.Option]; !ok {
			t.Errorf("warning about an option that is not a known ignored one: %s", w)
		}
		if !strings.HasPrefix(w.String(), path+":") {
			t.Errorf("warning %q does not start with %s:LINE", w, path)
		}
		warned = append(warned, w.Option)
	}
	sort.Strings(warned)
	wantWarned := []string{"dom0-cpus", "enable-dom0-ballooning", "network-script", "total_available_memory", "vif-script", "vncpasswd"}
	if !reflect.DeepEqual(warned, wantWarned) {
		t.Errorf("warned options = %v; want %v", warned, wantWarned)
	}
}

// TestXendConfigReferenceHost builds the settings of the host the golden
// captures were recorded on (reference-host.json xend_config: these first,
// then the shipped file; xend takes the first value) and checks the
// listeners they give.
func TestXendConfigReferenceHost(t *testing.T) {
	shipped, err := os.ReadFile(filepath.Join("testdata", "xend-config.sxp"))
	if err != nil {
		t.Fatal(err)
	}
	head := `(loglevel DEBUG)
(xend-http-server yes)
(xend-address 127.0.0.1)
(xend-unix-server yes)
(xend-unix-xmlrpc-server yes)
(xend-tcp-xmlrpc-server no)
(xen-api-server ())
(xend-relocation-server no)
(xend-relocation-ssl-server no)
(xend-udev-event-server no)
(device-create-timeout 10)
(device-destroy-timeout 10)
(xend-relocation-hosts-allow '^localhost$ ^localhost\\.localdomain$')
(network-script network-bridge)
(vif-script vif-bridge)
(dom0-min-mem 196)
(enable-dom0-ballooning yes)
(total_available_memory 0)
(dom0-cpus 0)
(vncpasswd '')
`
	f, err := ParseXendConfig("reference.sxp", append([]byte(head), shipped...))
	if err != nil {
		t.Fatal(err)
	}
	got, warnings, err := f.Settings()
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{
		KeyXMLRPCSocket: DefaultXMLRPCSocket, KeyXMLRPCAddr: "",
		KeyHTTPSocket: DefaultHTTPSocket, KeyHTTPAddr: "127.0.0.1:8000",
		KeyRelocationAddr: "", KeyLogLevel: "debug", KeyDom0MinMem: 196,
	} {
		if got[k] != want {
			t.Errorf("reference host %s = %v; want %v", k, got[k], want)
		}
	}
	var repeated int
	for _, w := range warnings {
		if strings.Contains(w.Msg, "repeated") {
			repeated++
		}
	}
	if repeated == 0 {
		t.Error("no warning for the options the shipped file repeats")
	}
}

func TestXendConfigOptions(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "xmlrpc.key"), []byte("k"), 0o600)
	os.WriteFile(filepath.Join(dir, "xmlrpc.crt"), []byte("c"), 0o600)
	for _, tc := range []struct {
		name, text string
		want       map[string]any // subset checked
	}{
		{"booleans as xend spelled them", "(xend-unix-xmlrpc-server OFF)(xend-unix-server Y)(xend-http-server t)",
			map[string]any{KeyXMLRPCSocket: "", KeyHTTPSocket: DefaultHTTPSocket, KeyHTTPAddr: ":8000"}},
		{"tcp xmlrpc defaults", "(xend-tcp-xmlrpc-server yes)", map[string]any{KeyXMLRPCAddr: "localhost:8006"}},
		{"tcp xmlrpc address and port", "(xend-tcp-xmlrpc-server 1)(xend-tcp-xmlrpc-server-address '')(xend-tcp-xmlrpc-server-port 9006)",
			map[string]any{KeyXMLRPCAddr: ":9006"}},
		{"tcp xmlrpc TLS relative to config dir", "(xend-tcp-xmlrpc-server yes)(xend-tcp-xmlrpc-server-ssl-key-file xmlrpc.key)(xend-tcp-xmlrpc-server-ssl-cert-file xmlrpc.crt)",
			map[string]any{KeyXMLRPCTLSKey: filepath.Join(dir, "xmlrpc.key"), KeyXMLRPCTLSCert: filepath.Join(dir, "xmlrpc.crt")}},
		{"unix path", "(xend-unix-server yes)(xend-unix-path /srv/xend/sock)", map[string]any{KeyHTTPSocket: "/srv/xend/sock"}},
		{"unix path without server", "(xend-unix-path /srv/xend/sock)", map[string]any{KeyHTTPSocket: ""}},
		{"http port and address", "(xend-http-server on)(xend-port 8080)(xend-address localhost)", map[string]any{KeyHTTPAddr: "localhost:8080"}},
		{"relocation", "(xend-relocation-server yes)(xend-relocation-port 9002)(xend-relocation-address 10.0.0.1)(xend-relocation-hosts-allow '')",
			map[string]any{KeyRelocationAddr: "10.0.0.1:9002", KeyRelocationHostsAllow: ""}},
		{"relocation ssl", "(xend-relocation-ssl-server yes)(xend-relocation-server-ssl-key-file xmlrpc.key)(xend-relocation-server-ssl-cert-file xmlrpc.crt)(xend-relocation-ssl yes)",
			map[string]any{KeyRelocationTLSAddr: ":8003", KeyRelocationTLSKey: filepath.Join(dir, "xmlrpc.key"), KeyRelocationSSL: true}},
		{"paths and logging", "(xend-domains-path /srv/domains)(logfile /var/log/x.log)(loglevel WARNING)(dom0-min-mem 512)",
			map[string]any{KeyDomainsPath: "/srv/domains", KeyLogFile: "/var/log/x.log", KeyLogLevel: "warning", KeyDom0MinMem: 512}},
		{"first value wins", "(xend-port 8001)\n(xend-http-server yes)\n(xend-port 8002)", map[string]any{KeyHTTPAddr: ":8001"}},
		{"empty file", "# nothing\n", map[string]any{KeyXMLRPCSocket: DefaultXMLRPCSocket, KeyHTTPSocket: ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ParseXendConfig(filepath.Join(dir, "xend-config.sxp"), []byte(tc.text))
			if err != nil {
				t.Fatalf("ParseXendConfig(%q) error: %v", tc.text, err)
			}
			got, _, err := f.Settings()
			if err != nil {
				t.Fatalf("Settings(%q) error: %v", tc.text, err)
			}
			for k, want := range tc.want {
				if got[k] != want {
					t.Errorf("Settings(%q)[%s] = %#v; want %#v", tc.text, k, got[k], want)
				}
			}
		})
	}
}

func TestXendConfigMalformed(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       string // the error must start with this
	}{
		{"unknown option", "(xend-port 8000)\n\n  (xend-prot 8000)\n", "F:3: option xend-prot: unknown option"},
		{"bad boolean", "# c\n(xend-http-server maybe)\n", "F:2: option xend-http-server: expected a boolean"},
		{"bad port", "(xend-port 80000)", "F:1: option xend-port: expected a port"},
		{"port not a number", "\n(xend-relocation-port eighty)", "F:2: option xend-relocation-port: expected a port"},
		{"negative dom0-min-mem", "(dom0-min-mem -1)", "F:1: option dom0-min-mem: expected a whole number"},
		{"no value", "(xend-unix-server)", "F:1: option xend-unix-server: expected exactly one value"},
		{"two values", "(xend-port 1 2)", "F:1: option xend-port: expected exactly one value"},
		{"list value", "(logfile (a b))", "F:1: option logfile: expected exactly one value"},
		{"bad log level", "(loglevel CHATTY)", "F:1: option loglevel: expected DEBUG"},
		{"top-level atom", "(xend-port 1)\nxend-port", "F:2: expected an option"},
		{"form without name", "(() 1)", "F:1: expected an option"},
		{"unclosed list", "(xend-port 1)\n(xend-address 'x'\n", "F:3:1: unexpected end of input: the list opened at 2:1"},
		{"unterminated string", "(xend-address 'x)\n", "F:2:1: unexpected end of input in the string opened with ' at 1:15"},
		{"missing TLS key file", "(xend-tcp-xmlrpc-server yes)\n(xend-tcp-xmlrpc-server-ssl-key-file /nonexistent.key)", "F:2: option xend-tcp-xmlrpc-server-ssl-key-file: TLS file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ParseXendConfig("F", []byte(tc.text))
			if err == nil {
				var got map[string]any
				got, _, err = f.Settings()
				if err == nil {
					t.Fatalf("xend-config %q gave %v; want error %q", tc.text, got, tc.want)
				}
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("xend-config %q error = %q; want prefix %q", tc.text, err, tc.want)
			}
		})
	}
}

// TestLoadMalformedXendConfigChangesNothing: a bad xend-config.sxp makes Load
// fail with file:line, and the map handed to the decoder is left untouched.
func TestLoadMalformedXendConfigChangesNothing(t *testing.T) {
	isolate(t)
	p := write(t, "xend-config.sxp", "(xend-http-server yes)\n(xend-port 8000)\n(xend-port-typo 1)\n")
	c, err := Load(flagSet(t, "--xend-config", p))
	if err == nil || !strings.Contains(err.Error(), p+":3: option xend-port-typo") {
		t.Fatalf("Load with malformed xend-config = %+v, %v; want error naming %s:3 and the option", c, err, p)
	}
	m := map[string]any{"keep": 1}
	data, _ := os.ReadFile(p)
	if err := (XendConfigDecoder{Path: p}).Decode(data, m); err == nil || len(m) != 1 {
		t.Errorf("Decode(malformed) = %v, map %v; want error and the map unchanged", err, m)
	}
}

func TestLoadXendConfigThroughViper(t *testing.T) {
	isolate(t)
	p := write(t, "xend-config.sxp", "(xend-unix-server yes)(xend-unix-path /srv/x/sock)(xend-http-server yes)(xend-port 8123)(network-script network-bridge)\n")
	c, err := Load(flagSet(t, "--xend-config", p, "--http-addr", "127.0.0.1:9000"))
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPSocket != "/srv/x/sock" || c.HTTPAddr != "127.0.0.1:9000" || c.XendConfigFile != p || len(c.Warnings) != 1 {
		t.Errorf("Load = socket %q addr %q file %q warnings %v; want /srv/x/sock, 127.0.0.1:9000 (flag wins), %s, one warning",
			c.HTTPSocket, c.HTTPAddr, c.XendConfigFile, c.Warnings, p)
	}
}

func FuzzXendConfig(f *testing.F) {
	if data, err := os.ReadFile(filepath.Join("testdata", "xend-config.sxp")); err == nil {
		f.Add(data)
	}
	f.Add([]byte("(xend-port 8000)(xend-http-server yes)"))
	f.Add([]byte("(xend-relocation-hosts-allow '^a$ ^b\\\\.c$')"))
	f.Add([]byte("(xend-port"))
	f.Fuzz(func(t *testing.T, data []byte) {
		xf, err := ParseXendConfig("fuzz", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz:") {
				t.Errorf("error %q does not name the file", err)
			}
			return
		}
		got, _, err := xf.Settings()
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz:") {
				t.Errorf("error %q does not name the file", err)
			}
			return
		}
		if _, ok := got[KeyXMLRPCSocket]; !ok {
			t.Error("Settings without error lacks the listener keys")
		}
	})
}
