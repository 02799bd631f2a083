package sim

import (
	"encoding/json"
	"testing"
)

func FuzzParseProfile(f *testing.F) {
	f.Add(referenceHost)
	f.Add([]byte(`{"physinfo":{"nr_cpus":1,"total_memory":1024},"dom0":{"vcpus":1,"mem_kb":512},"scheduler":{"name":"credit"}}`))
	f.Add([]byte(`{"sim":{"cpu_load":2}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseProfile(data)
		if err != nil {
			return
		}
		// A profile that parses is within the simulator's limits and
		// survives a JSON round trip. (Starting a simulator on it is file
		// I/O, too slow for fuzzing; the profile tests do that.)
		if p.Physinfo.NrCPUs < 1 || p.Dom0.VCPUs < 1 || p.Dom0.Name == "" {
			t.Fatalf("ParseProfile accepted an unusable profile: %+v", p)
		}
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseProfile(b); err != nil {
			t.Errorf("ParseProfile(Marshal(p)) = %v", err)
		}
	})
}
