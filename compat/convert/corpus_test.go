package convert

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the expected conversions under testdata/legacy-configs")

// goldenDir holds the expected conversions, one file per corpus file:
// NAME.xl (the xl.cfg text) and NAME.json (the `xl list -l` config object),
// or NAME.refused (the reason).
const goldenDir = "../../testdata/legacy-configs"

// corpusDir finds ../shared/corpus beside the work tree (CI lays it there).
func corpusDir(t testing.TB) string {
	for _, d := range []string{os.Getenv("XENDSHIM_CORPUS"), "../../../shared/corpus", "/work/shared/corpus"} {
		if d == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(d, "MANIFEST.tsv")); err == nil {
			return d
		}
	}
	t.Skip("corpus not found: set XENDSHIM_CORPUS to shared/corpus")
	return ""
}

// corpusFiles lists the config files of the corpus (xm, xl, sxp), relative
// to the corpus root.
func corpusFiles(t testing.TB, root string) []string {
	var out []string
	for _, top := range []string{"xm", "xl", "sxp"} {
		err := filepath.Walk(filepath.Join(root, top), func(p string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			out = append(out, rel)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(out) < 200 {
		t.Fatalf("corpus has %d config files; want the full corpus", len(out))
	}
	return out
}

// templateVars are the --var values used for the xm_vars templates, which
// xm itself refuses without them.
var templateVars = map[string]string{"vmid": "3"}

func convertCorpusFile(root, rel string, vars map[string]string) *Result {
	data, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		return &Result{Source: rel, Err: err}
	}
	return Bytes(rel, data, Options{Vars: vars})
}

// checkedGolden records every expected-output file the corpus test used,
// so that TestCorpus can report files left behind by an older conversion.
var checkedGolden sync.Map

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	checkedGolden.Store(filepath.Clean(path), true)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("missing expected output %s (run go test -update): %v", path, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("conversion differs from %s:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// TestCorpus converts every config file of the corpus and compares the
// result with the expected conversion: every file is either converted or
// refused with its documented reason.
func TestCorpus(t *testing.T) {
	root := corpusDir(t)
	for _, rel := range corpusFiles(t, root) {
		t.Run(rel, func(t *testing.T) {
			r := convertCorpusFile(root, rel, nil)
			base := filepath.Join(goldenDir, rel)
			if r.Err != nil {
				if r.Config != nil || r.XL != "" {
					t.Fatalf("refused result still carries output")
				}
				checkGolden(t, base+".refused", []byte(r.Err.Error()+"\n"))
				if strings.Contains(r.Err.Error(), "declared by xm_vars.var") {
					r = convertCorpusFile(root, rel, templateVars)
					if r.Err != nil {
						t.Fatalf("with --var vmid=3: %v", r.Err)
					}
					base += ".vmid3"
				} else {
					return
				}
			}
			if !strings.HasSuffix(r.XL, "\n") || strings.Contains(r.XL, "\r") {
				t.Errorf("xl output must end with a newline and contain no CR")
			}
			checkGolden(t, base+".xl", []byte(r.XL))
			js, err := r.JSON()
			if err != nil {
				t.Fatal(err)
			}
			checkJSONGolden(t, base+".json", js)
		})
	}
	// every expected output must belong to this run (no stale files);
	// skipped when a -run pattern selects single files
	if f := flag.Lookup("test.run"); f != nil && strings.Contains(f.Value.String(), "/") {
		return
	}
	filepath.Walk(goldenDir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || filepath.Ext(p) == ".md" {
			return err
		}
		if _, ok := checkedGolden.Load(filepath.Clean(p)); !ok {
			if *update {
				os.Remove(p)
			} else {
				t.Errorf("%s is not produced by the current conversion (stale; run go test -update)", p)
			}
		}
		return nil
	})
}

// jsonSummaryPaths are the members of the `xl list -l` config object the
// JSON comparison checks. The JSON shape belongs to package toolstack, so
// fields it adds later do not break this test; what the converter decides
// (identity, type, memory, vCPUs, actions, devices) does.
var jsonSummaryPaths = []string{
	"c_info.name", "c_info.type", "c_info.uuid", "b_info.target_memkb", "b_info.max_memkb",
	"b_info.max_vcpus", "b_info.cmdline", "b_info.kernel", "b_info.bootloader",
	"disks.*.vdev", "disks.*.pdev_path", "disks.*.format", "disks.*.readwrite", "disks.*.is_cdrom",
	"nics.*.mac", "nics.*.bridge", "nics.*.model", "pcidevs.*.bus", "pcidevs.*.dev", "pcidevs.*.func",
	"vfbs.*.vnc.enable", "on_poweroff", "on_reboot", "on_crash",
}

// jsonSummary extracts jsonSummaryPaths from a JSON document.
func jsonSummary(t *testing.T, data []byte) string {
	t.Helper()
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("JSON does not parse: %v", err)
	}
	var b strings.Builder
	var walk func(v any, path []string, name string)
	walk = func(v any, path []string, name string) {
		if len(path) == 0 {
			fmt.Fprintf(&b, "%s=%v\n", name, v)
			return
		}
		switch x := v.(type) {
		case map[string]any:
			if child, ok := x[path[0]]; ok {
				walk(child, path[1:], name)
			}
		case []any:
			if path[0] == "*" {
				for i, it := range x {
					walk(it, path[1:], fmt.Sprintf("%s[%d]", name, i))
				}
			}
		}
	}
	for _, p := range jsonSummaryPaths {
		walk(doc, strings.Split(p, "."), p)
	}
	return b.String()
}

// checkJSONGolden writes the JSON with -update and otherwise compares its
// summary with the expected file's.
func checkJSONGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	checkedGolden.Store(filepath.Clean(path), true)
	if *update {
		checkGolden(t, path, got)
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("missing expected output %s (run go test -update): %v", path, err)
	}
	if g, w := jsonSummary(t, got), jsonSummary(t, want); g != w {
		t.Errorf("JSON differs from %s:\n--- got\n%s--- want\n%s", path, g, w)
	}
}
