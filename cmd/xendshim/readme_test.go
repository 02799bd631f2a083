package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/xendshim/xendshim/config"
)

const repoRoot = "../.."

// codeBlock is one fenced block of a Markdown file.
type codeBlock struct {
	lang    string
	text    string
	line    int    // line of the opening fence
	section string // the heading above it
}

func readmeBlocks(t *testing.T) (string, []codeBlock) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var blocks []codeBlock
	var cur *codeBlock
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &codeBlock{lang: strings.TrimPrefix(line, "```"), line: n, section: section}
		case cur != nil && line == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.text += line + "\n"
		case strings.HasPrefix(line, "#"):
			section = strings.TrimSpace(strings.TrimLeft(line, "#"))
		}
	}
	if cur != nil {
		t.Fatalf("README.md:%d: unclosed code block", cur.line)
	}
	return string(data), blocks
}

// TestReadmeSetupCommands: the set-up section holds exactly the two
// commands, and they are what the Makefile and CI run.
func TestReadmeSetupCommands(t *testing.T) {
	_, blocks := readmeBlocks(t)
	var setup []codeBlock
	for _, b := range blocks {
		if b.section == "Set-up on a fresh machine" {
			setup = append(setup, b)
		}
	}
	if len(setup) != 1 {
		t.Fatalf("README set-up section has %d code blocks; want exactly 1", len(setup))
	}
	got := strings.Split(strings.TrimSpace(setup[0].text), "\n")
	want := []string{"go run ./cmd/xendshim serve", "make test"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("README set-up commands = %q; want %q", got, want)
	}
	mk, err := os.ReadFile(filepath.Join(repoRoot, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^test:.*\n\t\$\(GO\) test -race -count=1 \./\.\.\.$`).Match(mk) {
		t.Errorf("Makefile test target does not run go test -race -count=1 ./...")
	}
	if !regexp.MustCompile(`(?m)^ci:.*\btest\b`).Match(mk) || !regexp.MustCompile(`(?m)^ci:.*\bvet\b`).Match(mk) || !regexp.MustCompile(`(?m)^ci:.*\bfmt-check\b`).Match(mk) {
		t.Errorf("Makefile ci target does not run fmt-check, vet and test")
	}
	ci, err := os.ReadFile(filepath.Join(repoRoot, ".ci", "run"))
	if err != nil || !bytes.Contains(ci, []byte("make ci")) {
		t.Errorf(".ci/run does not run make ci (%v)", err)
	}
}

// shellWords splits a command line the way sh would for the simple lines
// the README uses: blanks separate words, '…' and "…" quote.
func shellWords(line string) []string {
	var words []string
	var cur strings.Builder
	in := false
	var quote rune
	for _, r := range line {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == ' ' || r == '\t':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}

// TestReadmeCommandLines parses every xendshim command line in the README's
// shell blocks with the real command tree: unknown commands, unknown flags
// and bad arguments fail the test.
func TestReadmeCommandLines(t *testing.T) {
	_, blocks := readmeBlocks(t)
	checked := 0
	for _, b := range blocks {
		if b.lang != "sh" {
			continue
		}
		for i, line := range strings.Split(b.text, "\n") {
			words := shellWords(line)
			switch {
			case len(words) >= 3 && words[0] == "go" && words[1] == "run" && words[2] == "./cmd/xendshim":
				words = words[3:]
			case len(words) >= 1 && words[0] == "xendshim":
				words = words[1:]
			default:
				continue
			}
			root := newRootCmd(new(bytes.Buffer), new(bytes.Buffer))
			root.InitDefaultCompletionCmd()
			cmd, rest, err := root.Find(words)
			if err == nil && cmd == root && len(words) > 0 {
				err = errUnknown(words[0])
			}
			if err == nil {
				err = cmd.ParseFlags(rest)
			}
			if err == nil {
				err = cmd.ValidateArgs(cmd.Flags().Args())
			}
			if err != nil {
				t.Errorf("README.md:%d: %q: %v", b.line+1+i, line, err)
			}
			checked++
		}
	}
	if checked < 5 {
		t.Errorf("only %d xendshim command lines found in README.md; the walker is broken", checked)
	}
}

type errUnknown string

func (e errUnknown) Error() string { return "unknown command " + string(e) }

// otherTools' flags may appear in the README.
var otherToolFlags = map[string]string{
	"--unix-socket": "curl",
	"--all":         "virsh",
	"--now":         "systemctl",
}

// TestReadmeFlags: every --flag the README names exists, and every setting
// is documented in the README.
func TestReadmeFlags(t *testing.T) {
	text, _ := readmeBlocks(t)
	root := newRootCmd(new(bytes.Buffer), new(bytes.Buffer))
	known := map[string]bool{"--help": true}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, name := range flagNames(c) {
			known["--"+name] = true
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	for _, f := range regexp.MustCompile(`(?:^|[^\w-])(--[a-z][a-z0-9-]*)`).FindAllStringSubmatch(text, -1) {
		if !known[f[1]] && otherToolFlags[f[1]] == "" {
			t.Errorf("README.md names %s, which no xendshim command has", f[1])
		}
	}
	for _, o := range config.Options {
		if !strings.Contains(text, "`--"+o.Key) {
			t.Errorf("README.md does not document --%s", o.Key)
		}
	}
}

func flagNames(c *cobra.Command) []string {
	var names []string
	c.Flags().VisitAll(func(f *pflag.Flag) { names = append(names, f.Name) })
	c.PersistentFlags().VisitAll(func(f *pflag.Flag) { names = append(names, f.Name) })
	return names
}

// TestReadmeXendConfigError: the error the README quotes is the one a bad
// xend-config.sxp gives.
func TestReadmeXendConfigError(t *testing.T) {
	text, _ := readmeBlocks(t)
	m := regexp.MustCompile(`xendshim: /etc/xen/xend-config.sxp:71: (option xend-http-server: .*)`).FindStringSubmatch(text)
	if m == nil {
		t.Fatal("README.md no longer quotes the xend-config.sxp error example")
	}
	data := strings.Repeat("\n", 70) + "(xend-http-server maybe)\n"
	f, err := config.ParseXendConfig("/etc/xen/xend-config.sxp", []byte(data))
	if err == nil {
		_, _, err = f.Settings()
	}
	if err == nil || err.Error() != "/etc/xen/xend-config.sxp:71: "+m[1] {
		t.Errorf("xend-config error = %v; README.md quotes %q", err, m[1])
	}
}

// TestReadmePythonExample runs the README's Python example against a fresh
// server, pointed at its socket.
func TestReadmePythonExample(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed (scripts/install-deps.sh installs it)")
	}
	_, blocks := readmeBlocks(t)
	var script string
	for _, b := range blocks {
		if b.lang == "python" {
			script = b.text
		}
	}
	if !strings.Contains(script, config.DefaultXMLRPCSocket) {
		t.Fatalf("README.md Python example does not use %s", config.DefaultXMLRPCSocket)
	}
	s := startServer(t, "--http-socket", "")
	s.waitSocket(t, s.xmlrpc)
	out, err := exec.Command(py, "-c", strings.ReplaceAll(script, config.DefaultXMLRPCSocket, s.xmlrpc)).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "xend.domains") || !strings.Contains(string(out), "Domain-0") {
		t.Errorf("README Python example: %v\n%s", err, out)
	}
}

// TestExampleConfigLoads: packaging/xendshim.yaml is a valid configuration.
func TestExampleConfigLoads(t *testing.T) {
	t.Setenv("XENDSHIM_XEND_CONFIG", "")
	fs := newServeCmd().Flags()
	config.AddFlags(fs, false)
	if err := fs.Parse([]string{"--config", filepath.Join(repoRoot, "packaging", "xendshim.yaml")}); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(fs)
	if err != nil {
		t.Fatalf("packaging/xendshim.yaml: %v", err)
	}
	if c.Backend != "auto" || c.XMLRPCSocket != config.DefaultXMLRPCSocket {
		t.Errorf("packaging/xendshim.yaml gave backend %q, xmlrpc-socket %q", c.Backend, c.XMLRPCSocket)
	}
}

// TestReadmeLayout: every path in the README's layout table exists.
func TestReadmeLayout(t *testing.T) {
	text, _ := readmeBlocks(t)
	_, layout, ok := strings.Cut(text, "## Layout")
	if !ok {
		t.Fatal("README.md has no Layout section")
	}
	n := 0
	for _, line := range strings.Split(layout, "\n") {
		first, _, ok := strings.Cut(strings.TrimPrefix(line, "| "), " |")
		if !ok || !strings.HasPrefix(line, "| `") {
			continue
		}
		for _, m := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(first, -1) {
			n++
			if _, err := os.Stat(filepath.Join(repoRoot, m[1])); err != nil {
				t.Errorf("README.md layout names %s: %v", m[1], err)
			}
		}
	}
	if n < 10 {
		t.Errorf("found only %d paths in the layout table; the walker is broken", n)
	}
}
