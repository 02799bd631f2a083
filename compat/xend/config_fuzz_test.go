package xend

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xendshim/xendshim/sxp"
	"github.com/xendshim/xendshim/xmlrpc"
)

// FuzzParseVMConfig feeds SXP domain configs to the config reader: it must
// never panic, and a config it accepts must survive the store's round trip
// (render, parse again, render the same).
func FuzzParseVMConfig(f *testing.F) {
	reqs, _ := filepath.Glob(filepath.Join(goldenDir, "*.request.http"))
	for _, r := range reqs {
		b, err := os.ReadFile(r)
		if err != nil || !strings.Contains(string(b), "xend.domain.create") {
			continue
		}
		_, body, _ := strings.Cut(string(b), "\r\n\r\n")
		var dec xmlrpc.Decoder
		_, args, err := dec.DecodeCall([]byte(body))
		if err != nil || len(args) == 0 {
			continue
		}
		f.Add(sxp.Show(toSXP(args[0])))
	}
	f.Add(`(vm (name x) (cpus ((1 2) ())) (vcpus 2))`)
	f.Add(`(domain (name y) (uuid 6a3e1b2c-9d41-4f0e-8a77-000000000001) (image (hvm (kernel /l) (vnc 1))))`)
	uuids := 0
	gen := func() string {
		uuids++
		return "00000000-0000-4000-8000-" + strings.Repeat("0", 11) + string(rune('0'+uuids%10))
	}
	f.Fuzz(func(t *testing.T, text string) {
		v, err := sxp.ParseString(text)
		if err != nil {
			return
		}
		rec, err := parseVMConfig(v, gen)
		if err != nil {
			return
		}
		assignDevids(rec)
		first := sxp.Show(storeSXP(rec))
		again, err := sxp.ParseString(first)
		if err != nil {
			t.Fatalf("stored form does not parse: %v\n%s", err, first)
		}
		rec2, err := parseVMConfig(again, gen)
		if err != nil {
			t.Fatalf("stored form rejected: %v\n%s", err, first)
		}
		assignDevids(rec2)
		if second := sxp.Show(storeSXP(rec2)); second != first {
			t.Fatalf("store round trip changed the config:\n%s\n%s", first, second)
		}
	})
}
