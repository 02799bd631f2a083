package pvscsi

import (
	"encoding/json"
	"testing"
)

// FuzzParseHCTL: whatever ParseHCTL accepts prints back to a form it
// parses to the same address.
func FuzzParseHCTL(f *testing.F) {
	for _, s := range []string{"0:0:0:0", "1:0:0:0", "2:0:1:3", "01:0:0:7", "4294967295:0:0:0", "0:0:0", "a:b:c:d", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseHCTL(s)
		if err != nil {
			return
		}
		h2, err := ParseHCTL(h.String())
		if err != nil || h2 != h {
			t.Errorf("ParseHCTL(%q) = %v; its String %q parses to %v, %v", s, h, h.String(), h2, err)
		}
	})
}

// FuzzJournalEntry: a journal record decodes or is refused, and what
// decodes encodes back to a record that decodes the same.
func FuzzJournalEntry(f *testing.F) {
	f.Add(`{"domid":5,"vm":"/vm/x","devid":0,"v_dev":"0:0:0:0","p_dev":"2:0:0:0","p_devname":"sdb","node":"dev-0","new_controller":true,"target":{"kind":"iblock","path":"/dev/sdb","tag":"abcdef"},"phase":"exported"}`)
	f.Add(`{"target":{"kind":"fileio","path":"/x.img","size":4096,"tag":"000001"},"phase":"configfs"}`)
	f.Add(`{`)
	f.Fuzz(func(t *testing.T, s string) {
		var e Entry
		if json.Unmarshal([]byte(s), &e) != nil {
			return
		}
		b, err := json.Marshal(&e)
		if err != nil {
			t.Fatalf("Marshal(%+v) = %v", e, err)
		}
		var e2 Entry
		if err := json.Unmarshal(b, &e2); err != nil || e2 != e {
			t.Errorf("round trip of %q: %+v -> %s -> %+v, %v", s, e, b, e2, err)
		}
	})
}
