package sxp

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestDocExample keeps the example in doc.go honest: the SXP it parses must
// parse, and the results its comments claim must be what the calls return.
func TestDocExample(t *testing.T) {
	src := string(readFile(t, "doc.go"))
	m := regexp.MustCompile(`sxp\.ParseString\(("[^"]*")\)`).FindStringSubmatch(src)
	if m == nil {
		t.Fatal("no sxp.ParseString call in doc.go")
	}
	in, err := strconv.Unquote(m[1])
	if err != nil {
		t.Fatal(err)
	}
	v, err := ParseString(in)
	if err != nil {
		t.Fatalf("doc.go example input does not parse: %v", err)
	}
	claims := map[string]string{
		`v.ChildText("name", "")`:                `"` + v.ChildText("name", "") + `"`,
		`v.LookupText("image/linux/kernel", "")`: `"` + v.LookupText("image/linux/kernel", "") + `"`,
		`sxp.Show(reply)`:                        Show(MustFromGo([]any{"domain", []any{"domid", 3}, []any{"name", "a b"}})),
	}
	for call, want := range claims {
		re := regexp.MustCompile(regexp.QuoteMeta(call) + `\s*// (.*)`)
		got := re.FindStringSubmatch(src)
		if got == nil {
			t.Errorf("doc.go has no commented call %s", call)
			continue
		}
		if strings.TrimSpace(got[1]) != want {
			t.Errorf("doc.go says %s gives %s; it gives %s", call, got[1], want)
		}
	}
	if _, err := os.Stat("example_test.go"); err != nil {
		t.Error("example_test.go is missing")
	}
}
