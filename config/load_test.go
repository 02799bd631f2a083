package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// isolate clears every XENDSHIM_ variable and points xend-config at nothing,
// so that the host running the tests cannot leak into them.
func isolate(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, EnvPrefix+"_") || k == "XEND_CONFIG" {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	t.Setenv("XEND_CONFIG", filepath.Join(t.TempDir(), "absent.sxp"))
}

func flagSet(t *testing.T, args ...string) *pflag.FlagSet { return flagSetB(t, args...) }

func flagSetB(t testing.TB, args ...string) *pflag.FlagSet {
	t.Helper()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	AddFlags(fs, false)
	AddFlags(fs, true)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return fs
}

func write(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPrecedence(t *testing.T) {
	// Each layer sets xmlrpc-socket to its own name; the highest layer present
	// must win. Layers: flag > env > config file > xend-config.sxp > default.
	type layers struct{ flag, env, file, xend bool }
	for _, tc := range []struct {
		name string
		set  layers
		want string
	}{
		{"default only", layers{}, DefaultXMLRPCSocket},
		{"xend-config over default", layers{xend: true}, ""}, // xend-config turns it off
		{"file over xend-config", layers{file: true, xend: true}, "/from/file"},
		{"env over file", layers{env: true, file: true, xend: true}, "/from/env"},
		{"flag over env", layers{flag: true, env: true, file: true, xend: true}, "/from/flag"},
		{"flag over default", layers{flag: true}, "/from/flag"},
		{"env over xend-config", layers{env: true, xend: true}, "/from/env"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			isolate(t)
			var args []string
			if tc.set.xend {
				args = append(args, "--xend-config", write(t, "xend-config.sxp", "(xend-unix-xmlrpc-server no)\n"))
			}
			if tc.set.file {
				args = append(args, "--config", write(t, "xendshim.yaml", "xmlrpc-socket: /from/file\n"))
			}
			if tc.set.env {
				t.Setenv("XENDSHIM_XMLRPC_SOCKET", "/from/env")
			}
			if tc.set.flag {
				args = append(args, "--xmlrpc-socket", "/from/flag")
			}
			c, err := Load(flagSet(t, args...))
			if err != nil {
				t.Fatalf("Load(%v) error: %v", args, err)
			}
			if c.XMLRPCSocket != tc.want {
				t.Errorf("Load(%v).XMLRPCSocket = %q; want %q", args, c.XMLRPCSocket, tc.want)
			}
		})
	}
}

func TestEmptyValueTurnsListenerOff(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T) []string
	}{
		{"flag", func(t *testing.T) []string { return []string{"--http-socket="} }},
		{"env", func(t *testing.T) []string { t.Setenv("XENDSHIM_HTTP_SOCKET", ""); return nil }},
		{"yaml", func(t *testing.T) []string {
			return []string{"--config", write(t, "c.yaml", "http-socket: \"\"\n")}
		}},
		{"toml", func(t *testing.T) []string {
			return []string{"--config", write(t, "c.toml", "http-socket = \"\"\n")}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			isolate(t)
			args := tc.setup(t)
			c, err := Load(flagSet(t, args...))
			if err != nil {
				t.Fatal(err)
			}
			if c.HTTPSocket != "" {
				t.Errorf("Load(%v).HTTPSocket = %q; want \"\" (off)", args, c.HTTPSocket)
			}
		})
	}
}

func TestConfigFileFormats(t *testing.T) {
	isolate(t)
	for _, tc := range []struct{ name, text string }{
		{"c.yaml", "backend: sim\nseed: 42\nxmlrpc-addr: 127.0.0.1:8006\nshutdown-timeout: 3s\ndom0-min-mem: 196\n"},
		{"c.toml", "backend = \"sim\"\nseed = 42\nxmlrpc-addr = \"127.0.0.1:8006\"\nshutdown-timeout = \"3s\"\ndom0-min-mem = 196\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(flagSet(t, "--config", write(t, tc.name, tc.text)))
			if err != nil {
				t.Fatal(err)
			}
			got := []any{c.Backend, c.Seed, c.XMLRPCAddr, c.ShutdownTimeout.String(), c.Dom0MinMem}
			want := []any{"sim", int64(42), "127.0.0.1:8006", "3s", 196}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("Load(%s) field %d = %v; want %v", tc.name, i, got[i], want[i])
				}
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    func(t *testing.T) []string
		wantErr []string
	}{
		{"bad backend", func(*testing.T) []string { return []string{"--backend", "kvm"} }, []string{"backend", "flag --backend", "auto, sim or xl"}},
		{"bad addr", func(*testing.T) []string { return []string{"--xmlrpc-addr", "localhost"} }, []string{"xmlrpc-addr", "HOST:PORT"}},
		{"bad port", func(*testing.T) []string { return []string{"--http-addr", ":99999"} }, []string{"http-addr"}},
		{"relative socket", func(*testing.T) []string { return []string{"--http-socket", "xend-socket"} }, []string{"http-socket", "absolute"}},
		{"bad level", func(*testing.T) []string { return []string{"--log-level", "loud"} }, []string{"log-level"}},
		{"cert without key", func(*testing.T) []string { return []string{"--xmlrpc-tls-cert", "/c.pem"} }, []string{"xmlrpc-tls-key"}},
		{"bad hosts-allow", func(*testing.T) []string { return []string{"--relocation-hosts-allow", "(?=x)"} }, []string{"relocation-hosts-allow"}},
		{"unknown file key", func(t *testing.T) []string {
			return []string{"--config", write(t, "c.yaml", "xmlrpc-sock: /x\n")}
		}, []string{"c.yaml", `unknown key "xmlrpc-sock"`}},
		{"unknown file format", func(t *testing.T) []string {
			return []string{"--config", write(t, "c.ini", "a=b\n")}
		}, []string{"c.ini", ".yaml"}},
		{"missing config file", func(*testing.T) []string { return []string{"--config", "/nonexistent/x.yaml"} }, []string{"/nonexistent/x.yaml"}},
		{"missing explicit xend-config", func(*testing.T) []string { return []string{"--xend-config", "/nonexistent/xend-config.sxp"} }, []string{"/nonexistent/xend-config.sxp", "flag --xend-config"}},
		{"bad value in yaml names file", func(t *testing.T) []string {
			return []string{"--config", write(t, "c.yaml", "seed: many\n")}
		}, []string{"seed", "config file", "c.yaml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			isolate(t)
			args := tc.args(t)
			c, err := Load(flagSet(t, args...))
			if err == nil {
				t.Fatalf("Load(%v) = %+v; want error", args, c)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Load(%v) error = %q; want it to contain %q", args, err, w)
				}
			}
		})
	}
}

func TestEnvNames(t *testing.T) {
	for _, o := range Options {
		if got := EnvName(o.Key); got != "XENDSHIM_"+strings.ToUpper(strings.ReplaceAll(o.Key, "-", "_")) {
			t.Errorf("EnvName(%q) = %q", o.Key, got)
		}
	}
}

func TestConfigFileFromEnvironment(t *testing.T) {
	isolate(t)
	t.Setenv("XENDSHIM_CONFIG", write(t, "c.toml", "http-addr = \"127.0.0.1:8000\"\n"))
	c, err := Load(flagSet(t))
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != "127.0.0.1:8000" || !strings.HasSuffix(c.ConfigFile, "c.toml") {
		t.Errorf("Load with XENDSHIM_CONFIG = addr %q file %q; want 127.0.0.1:8000 from c.toml", c.HTTPAddr, c.ConfigFile)
	}
}

func TestXendConfigFromXEND_CONFIG(t *testing.T) {
	isolate(t)
	t.Setenv("XEND_CONFIG", write(t, "x.sxp", "(xend-http-server yes)(xend-port 8111)\n"))
	c, err := Load(flagSet(t))
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != ":8111" {
		t.Errorf("Load with XEND_CONFIG: http-addr = %q; want :8111", c.HTTPAddr)
	}
}
