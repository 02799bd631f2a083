package xlcfg

import (
	"reflect"
	"strings"
	"testing"

	"github.com/xendshim/xendshim/toolstack"
)

// TestAffinityList covers per-vCPU affinities as xend's records carry them:
// unrestricted vCPUs arrive as empty bitmaps, which xl create rejects as
// `cpus = [ "", "" ]` (found by the xenlab lane).
func TestAffinityList(t *testing.T) {
	tests := []struct {
		name string
		in   []toolstack.Bitmap
		want []string
	}{
		{"none", nil, nil},
		{"all unrestricted", []toolstack.Bitmap{{}, nil}, nil},
		{"one restricted", []toolstack.Bitmap{{0, 1}, {}}, []string{"0-1", "all"}},
		{"both restricted", []toolstack.Bitmap{{2}, {3, 1}}, []string{"2", "1,3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := affinityList(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("affinityList(%v) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestEmitUnrestrictedVCPUs checks the emitted text: no empty cpus entries.
func TestEmitUnrestrictedVCPUs(t *testing.T) {
	cfg := &toolstack.DomainConfig{}
	cfg.CInfo.Name = "g"
	cfg.BInfo.MaxVCPUs = 2
	cfg.BInfo.VCPUHardAffinity = []toolstack.Bitmap{{}, {}}
	cfg.BInfo.CPUMap = toolstack.Bitmap{0, 1}
	text, _, err := Emit(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(text), `""`) || !strings.Contains(string(text), "cpus = \"0-1\"") {
		t.Errorf("Emit(unrestricted vCPUs, cpumap 0-1) =\n%s\nwant cpus = \"0-1\" and no empty strings", text)
	}
}
