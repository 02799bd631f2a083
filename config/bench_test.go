package config

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkXendConfigCorpus parses the shipped xend-config.sxp and
// translates it into settings.
func BenchmarkXendConfigCorpus(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "xend-config.sxp"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		f, err := ParseXendConfig("xend-config.sxp", data)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := f.Settings(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoad resolves a full configuration: flags, environment, a YAML
// file and the shipped xend-config.sxp.
func BenchmarkLoad(b *testing.B) {
	dir := b.TempDir()
	yaml := filepath.Join(dir, "xendshim.yaml")
	os.WriteFile(yaml, []byte("backend: sim\nseed: 3\nhttp-addr: 127.0.0.1:8000\n"), 0o600)
	xc, _ := filepath.Abs(filepath.Join("testdata", "xend-config.sxp"))
	for b.Loop() {
		fs := flagSetB(b, "--config", yaml, "--xend-config", xc, "--xmlrpc-socket", "/x/y.sock")
		if _, err := Load(fs); err != nil {
			b.Fatal(err)
		}
	}
}
