package xmconfig

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func load(t *testing.T, src string, vars map[string]string) (*Config, error) {
	t.Helper()
	return Load("t.cfg", []byte(src), EvalOptions{Vars: vars})
}

// TestTierA evaluates the Python subset real configs use.
func TestTierA(t *testing.T) {
	tests := []struct {
		name, src, key, want string
		vars                 map[string]string
	}{
		{"int", "memory = 64\n", "memory", "64", nil},
		{"string", "kernel = '/boot/vmlinuz'", "kernel", "'/boot/vmlinuz'", nil},
		{"numeric string stays str", `memory = "512"`, "memory", "'512'", nil},
		{"list trailing comma multiline", "disk = [ 'a',\n  'b', ]\n", "disk", "['a', 'b']", nil},
		{"percent int", "name = 'VM%d' % 3", "name", "'VM3'", nil},
		{"percent tuple arith", "d = 'phy:sda%d,sda1,w' % (7+3)", "d", "'phy:sda10,sda1,w'", nil},
		{"percent s of int", "cpus = '%s' % 5", "cpus", "'5'", nil},
		{"percent flags", "x = '%05.1f|%-4d|%x|%%' % (3.14159, 7, 255)", "x", "'003.1|7   |ff|%'", nil},
		{"concat", "a = 'lib'\ndm = '/usr/' + a + '/xen'", "dm", "'/usr/lib/xen'", nil},
		{"negative", "rtc_timeoffset = -3600", "rtc_timeoffset", "-3600", nil},
		{"hex", "vcpu_avail = 0x3", "vcpu_avail", "3", nil},
		{"octal", "x = 017", "x", "15", nil},
		{"floor division", "x = -7 / 2", "x", "-4", nil},
		{"modulo", "x = -7 % 3", "x", "2", nil},
		{"float", "x = 1.5", "x", "1.5", nil},
		{"implicit concat", "x = 'a' 'b'", "x", "'ab'", nil},
		{"triple quoted", "x = '''a\nb'''", "x", "'a\\nb'", nil},
		{"raw string", `x = r'\d'`, "x", `'\\d'`, nil},
		{"unknown escape kept", `x = '\d'`, "x", `'\\d'`, nil},
		{"backslash continuation", "x = 1 + \\\n  2", "x", "3", nil},
		{"semicolons", "a = 1; b = 2;", "b", "2", nil},
		{"chained", "a = b = 5", "a", "5", nil},
		{"augmented", "x = [1]\nx += [2]", "x", "[1, 2]", nil},
		{"crlf", "x = 1\r\ny = 2\r\n", "y", "2", nil},
		{"comment no space", "acpi=1#1 for windows vista", "acpi", "1", nil},
		{"last wins", "x = 1\nx = 2", "x", "2", nil},
		{"var is a string", "name = 'VM' + vmid", "name", "'VM3'", map[string]string{"vmid": "3"}},
		{"str times int", "x = 'ab' * 3", "x", "'ababab'", nil},
		{"if on concrete value", "x = 2\nif x > 1:\n    y = 'big'\nelse:\n    y = 'small'\n", "y", "'big'", nil},
		{"pass and docstring", "'''doc'''\npass\nx = 1", "x", "1", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := load(t, tt.src, tt.vars)
			if err != nil {
				t.Fatalf("Load(%q) error: %v", tt.src, err)
			}
			s, ok := c.Get(tt.key)
			if !ok {
				t.Fatalf("Load(%q): %s not kept", tt.src, tt.key)
			}
			if got := s.Value.Repr(); got != tt.want {
				t.Errorf("Load(%q)[%s] = %s; want %s", tt.src, tt.key, got, tt.want)
			}
		})
	}
}

// TestTierB checks the recognised idioms become runtime (opaque) values.
func TestTierB(t *testing.T) {
	src := "import os, re\narch = os.uname()[4]\nif re.search('64', arch):\n    arch_libdir = 'lib64'\nelse:\n    arch_libdir = 'lib'\ndevice_model = '/usr/' + arch_libdir + '/xen/bin/qemu-dm'\nmemory = 128\n"
	c, err := load(t, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"arch", "arch_libdir", "device_model"} {
		s, ok := c.Get(k)
		if !ok || !s.Value.IsOpaque() {
			t.Errorf("%s = %+v; want an opaque runtime value", k, s.Value)
		}
	}
	if s, _ := c.Get("memory"); s.Value.Repr() != "128" {
		t.Errorf("memory = %s; want 128", s.Value.Repr())
	}
	if len(c.Diags) == 0 {
		t.Errorf("tier B idioms gave no warning")
	}
}

// TestXmVarsTemplate covers the vmid template of xmexample2.
func TestXmVarsTemplate(t *testing.T) {
	src := "def vmid_check(var, val):\n    val = int(val)\n    if val <= 0:\n        raise ValueError\n    return val\nxm_vars.var('vmid', use='id', check=vmid_check)\nxm_vars.check()\nname = 'VM%d' % vmid\nd = 'sda%d' % (7+vmid)\n"
	c, err := load(t, src, map[string]string{"vmid": "2"})
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := c.Get("d"); s.Value.Repr() != "'sda9'" {
		t.Errorf("d = %s; want 'sda9'", s.Value.Repr())
	}
	_, err = load(t, src, nil)
	if err == nil || !strings.Contains(err.Error(), "--var vmid=") {
		t.Errorf("Load without vmid = %v; want a refusal naming --var vmid=", err)
	}
	if _, err = load(t, src, map[string]string{"vmid": "x"}); err == nil {
		t.Errorf("Load with vmid=x succeeded; want int() failure")
	}
}

// TestTierC checks refused constructs name the line, column and construct.
func TestTierC(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"popen", "x = 1\nkernel = os.popen('uname -r').read()", "t.cfg:2:18: error: unsupported Python construct \"function call os.popen(...)\""},
		{"builtin call", "x = int('3')", "function call int(...)"},
		{"for loop", "for i in [1]:\n    x = i\n", "\"for statement\""},
		{"lambda", "f = lambda x: x", "lambda"},
		{"comprehension", "x = [i for i in [1]]", "list comprehension"},
		{"conditional", "x = 1 if 2 else 3", "conditional expression"},
		{"comparison outside if", "x = 1 < 2", "comparison outside an if test"},
		{"import other", "import subprocess", "import subprocess"},
		{"exec", "exec 'x=1'", "exec statement"},
		{"print", "print 'hi'", "print statement"},
		{"power", "x = 2 ** 10", "power operator"},
		{"bitwise", "x = 1 | 2", "bitwise operator"},
		{"named format", "x = '%(a)s' % 1", "%(name)s"},
		{"undefined", "x = vmid", "name 'vmid' is not defined"},
		{"type error", "x = 'a' + 1", "unsupported operand types for +"},
		{"subscript of concrete", "x = [1][0]", "subscript"},
		{"tuple target", "a, b = 1, 2", "assignment to a tuple"},
		{"unterminated", "x = 'abc", "t.cfg:1:5: error: syntax error: unterminated string literal"},
		{"nul byte", "x = 1\x00", "NUL byte"},
		{"xml", "<xm>", "Xen-API XML"},
		{"deep nesting", "x = " + strings.Repeat("[", 100), "nested deeper"},
		{"many minus", "x = " + strings.Repeat("-", 100) + "1", "prefix operators"},
		{"shared list compare", "x = [1]\n" + strings.Repeat("x = [x, x]\n", 80) + "if x == x:\n  y = 1\n", "values too large to compare"},
		{"shared list format", "x = [1]\n" + strings.Repeat("x = [x, x]\n", 80) + "y = '%s' % (x,)\n", "formatted string longer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.src, nil)
			if err == nil {
				t.Fatalf("Load(%q) = nil error; want %q", tt.src, tt.want)
			}
			var d *Diagnostic
			if !errors.As(err, &d) {
				t.Fatalf("Load(%q) error %T is not a *Diagnostic", tt.src, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load(%q) = %q; want it to contain %q", tt.src, err, tt.want)
			}
			if d.Pos.Line < 1 {
				t.Errorf("Load(%q): diagnostic without a line", tt.src)
			}
		})
	}
}

// TestTypeFilter reproduces xm's post-exec filter: only str/int/float/list.
func TestTypeFilter(t *testing.T) {
	src := "localtime = True\nmemory = 4096L\ndisk = ('phy:a,xvda,w',)\nname = u'web'\nx = None\nd = {'a': 1}\nbig = 99999999999999999999\nok = 1\n"
	c, err := load(t, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	ignored := map[string]bool{}
	for _, s := range c.Ignored {
		ignored[s.Name] = true
	}
	for _, k := range []string{"localtime", "memory", "disk", "name", "x", "d", "big"} {
		if !ignored[k] {
			t.Errorf("%s was not reported as ignored by xm", k)
		}
		if _, kept := c.Get(k); kept {
			t.Errorf("%s was kept; xm ignored it", k)
		}
	}
	if _, ok := c.Get("ok"); !ok {
		t.Errorf("ok = 1 was not kept")
	}
	warned := 0
	for _, d := range c.Diags {
		if strings.Contains(d.Msg, "was ignored by xm") {
			warned++
		}
	}
	if warned != 7 {
		t.Errorf("%d ignored-value warnings; want 7", warned)
	}
}

// TestCommentsKept checks comments are kept with positions.
func TestCommentsKept(t *testing.T) {
	c, err := load(t, "# head\nx = 1 # trailing\n  # indented\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Comments) != 3 || c.Comments[1].Text != "# trailing" || c.Comments[1].Pos.Line != 2 || c.Comments[1].Pos.Column != 7 {
		t.Errorf("comments = %+v; want 3 with '# trailing' at 2:7", c.Comments)
	}
}

// corpusFiles returns the xm and xl files of the shared corpus.
func corpusFiles(tb testing.TB) []string {
	for _, d := range []string{os.Getenv("XENDSHIM_CORPUS"), "../../../shared/corpus", "/work/shared/corpus"} {
		if d == "" {
			continue
		}
		xm, _ := filepath.Glob(filepath.Join(d, "xm", "*", "*"))
		xl, _ := filepath.Glob(filepath.Join(d, "xl", "*", "*"))
		bak, _ := filepath.Glob(filepath.Join(d, "xl", "*", "bak", "*"))
		files := append(append(xm, xl...), bak...)
		var out []string
		for _, f := range files {
			if st, err := os.Stat(f); err == nil && st.Mode().IsRegular() {
				out = append(out, f)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	tb.Skip("corpus not found: set XENDSHIM_CORPUS to shared/corpus")
	return nil
}

// TestCorpusParses checks every xm/xl corpus file parses (evaluation and
// refusals are covered by the convert package's corpus test).
func TestCorpusParses(t *testing.T) {
	for _, f := range corpusFiles(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(f, b); err != nil && !strings.Contains(f, "ubu.cfg") {
			t.Errorf("Parse(%s) = %v", f, err)
		}
	}
}
