package convert

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
	"github.com/xendshim/xendshim/compat/xmconfig"
	"github.com/xendshim/xendshim/sxp"
	"github.com/xendshim/xendshim/toolstack"
)

// DetectFormat guesses an input's format: "sxp" when the first
// non-blank, non-comment byte is '(', otherwise "xm" (xl files are a
// subset of the xm language and are read the same way).
func DetectFormat(data []byte) string {
	for _, line := range bytes.Split(data, []byte("\n")) {
		t := bytes.TrimSpace(line)
		if len(t) == 0 || t[0] == '#' {
			continue
		}
		if t[0] == '(' {
			return "sxp"
		}
		return "xm"
	}
	return "xm"
}

// Bytes converts one input held in memory. name is used in messages and as
// the default domain name.
func Bytes(name string, data []byte, opts Options) *Result {
	format := DetectFormat(data)
	r := &Result{Source: name, Format: format}
	var settings []xmconfig.Setting
	c := (*conv)(nil)
	switch format {
	case "sxp":
		vals, err := sxp.ParseAll(data)
		if err != nil {
			r.Err = fmt.Errorf("%s: %w", name, err)
			return r
		}
		if len(vals) == 0 {
			r.Err = &refusal{pos: lexer.Position{Filename: name}, msg: "no S-expression in the file"}
			return r
		}
		return SXP(name, vals[0], opts)
	default:
		cfg, err := xmconfig.Load(name, data, xmconfig.EvalOptions{Vars: opts.Vars})
		if err != nil {
			r.Err = err
			return r
		}
		settings = cfg.Settings
		comments := cfg.Comments
		if opts.HonorIgnored {
			for _, ig := range cfg.Ignored {
				if v, ok := honor(ig.Value); ok {
					settings = append(settings, xmconfig.Setting{Name: ig.Name, Value: v, Pos: ig.Pos})
				}
			}
		}
		settings = applySet(name, settings, opts.Set)
		c = newConv(name, settings, opts)
		c.comments = comments
		for _, d := range cfg.Diags {
			c.notes = append(c.notes, Note{Pos: d.Pos, Key: d.Key, Severity: d.Severity, Msg: d.Msg})
		}
		for _, ig := range cfg.Ignored {
			if ig.Value.Kind == xmconfig.Dict && isOption(ig.Name) {
				r.Err = &refusal{pos: ig.Pos, key: ig.Name, msg: "a dict or set for an xm option", hint: "write the value xm expects (a string or a list)"}
				return r
			}
		}
	}
	return c.finish(r)
}

// SXP converts one domain S-expression already parsed: a (vm ...) as
// `xm create` sent it, or a (domain ...) as xend reported or stored it.
func SXP(name string, v sxp.Value, opts Options) *Result {
	r := &Result{Source: name, Format: "sxp"}
	s, notes, err := sxpToSettings(name, v)
	if err != nil {
		r.Err = err
		return r
	}
	c := newConv(name, applySet(name, s, opts.Set), opts)
	c.fromSXP = true
	c.notes = append(c.notes, notes...)
	return c.finish(r)
}

// finish builds the model and the xl.cfg text into r.
func (c *conv) finish(r *Result) *Result {
	name, opts := c.source, c.opts
	if c.xlSource {
		r.Format = "xl"
		c.notes = append(c.notes, Note{Pos: lexer.Position{Filename: name}, Severity: xmconfig.Info,
			Msg: "the file is already written for xl (xl keys or disk syntax): xl's defaults are kept, not xm's"})
	}
	dc, err := c.build()
	r.Notes = c.notes
	if err != nil {
		r.Err = err
		return r
	}
	sort.SliceStable(r.Notes, func(i, j int) bool { return r.Notes[i].Pos.Line < r.Notes[j].Pos.Line })
	text, rec, err := emitXL(dc, name, r.Notes, opts)
	if err == nil && opts.KeepComments && len(c.comments) > 0 {
		var b strings.Builder
		b.WriteString(text)
		b.WriteString("\n# Comments of the original file (line: text):\n")
		for _, cm := range c.comments {
			fmt.Fprintf(&b, "# %d: %s\n", cm.Pos.Line, commentSafe(cm.Text))
		}
		text = b.String()
	}
	if err != nil {
		r.Err = &refusal{pos: lexer.Position{Filename: name}, msg: err.Error(), hint: "remove control characters from the value"}
		return r
	}
	r.Config, r.XL, r.written = dc, text, rec
	return r
}

// applySet overrides settings with --set KEY=VALUE, as xm create's
// command-line options won over the file. A value that reads as a decimal
// int is an int, otherwise a string.
func applySet(name string, settings []xmconfig.Setting, set map[string]string) []xmconfig.Setting {
	if len(set) == 0 {
		return settings
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := append([]xmconfig.Setting(nil), settings...)
	for _, k := range keys {
		v := xmconfig.StrValue(set[k])
		if n, err := strconv.ParseInt(set[k], 10, 64); err == nil {
			v = xmconfig.IntValue(n)
		}
		s := xmconfig.Setting{Name: k, Value: v, Pos: lexer.Position{Filename: name}}
		replaced := false
		for i := range out {
			if out[i].Name == k {
				out[i].Value = v
				replaced = true
			}
		}
		if !replaced {
			out = append(out, s)
		}
	}
	return out
}

// honor turns a value xm ignored into one it would have used
// (--honor-ignored): bools and longs become ints, unicode becomes str.
func honor(v xmconfig.Value) (xmconfig.Value, bool) {
	switch v.Kind {
	case xmconfig.Bool:
		return xmconfig.IntValue(v.I), true
	case xmconfig.Unicode:
		return xmconfig.StrValue(v.S), true
	case xmconfig.Long:
		if v.Big.IsInt64() {
			return xmconfig.IntValue(v.Big.Int64()), true
		}
	case xmconfig.Tuple:
		return xmconfig.Value{Kind: xmconfig.List, Items: v.Items}, true
	}
	return v, false
}

func isOption(name string) bool {
	switch name {
	case "disk", "vif", "pci", "vfb", "vscsi", "vusb", "cpus", "cpuid", "serial", "usbdevice", "ioports", "irq":
		return true
	}
	_, ok := dropped[name]
	return ok
}

// File converts one file.
func File(path string, opts Options) *Result {
	data, err := os.ReadFile(path)
	if err != nil {
		return &Result{Source: path, Err: err}
	}
	if len(data) > xmconfig.MaxFileSize {
		return &Result{Source: path, Err: fmt.Errorf("%s: larger than %d bytes; not a domain config", path, xmconfig.MaxFileSize)}
	}
	return Bytes(path, data, opts)
}

// DirEntries lists the config files directly in dir (as /etc/xen/*
// holds them), skipping hidden files, backups ending in '~', and the host
// configs xend-config.sxp, xl.conf and xend-pci-*.sxp.
func DirEntries(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		n := e.Name()
		if !e.Type().IsRegular() || n[0] == '.' || n[len(n)-1] == '~' || isHostConfig(n) {
			continue
		}
		out = append(out, filepath.Join(dir, n))
	}
	return out, nil
}

// Dir converts every file DirEntries lists.
func Dir(dir string, opts Options) ([]*Result, error) {
	paths, err := DirEntries(dir)
	if err != nil {
		return nil, err
	}
	out := make([]*Result, 0, len(paths))
	for _, p := range paths {
		out = append(out, File(p, opts))
	}
	return out, nil
}

func isHostConfig(n string) bool {
	switch n {
	case "xend-config.sxp", "xl.conf", "xend-pci-permissive.sxp", "xend-pci-quirks.sxp", "xm.conf":
		return true
	}
	return false
}

// StoreEntries lists the <uuid>/config.sxp files of xend's managed-domain
// store dir (normally /var/lib/xend/domains).
func StoreEntries(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		p := filepath.Join(dir, e.Name(), "config.sxp")
		if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
			continue
		}
		out = append(out, p)
	}
	return out, nil
}

// StoreFile converts one <uuid>/config.sxp of a store. The uuid in the
// file must equal the directory name, as xend required; a mismatch is a
// warning.
func StoreFile(path string, opts Options) *Result {
	r := File(path, opts)
	dirName := filepath.Base(filepath.Dir(path))
	if r.Config != nil && r.Config.CInfo.UUID != "" {
		if want, err := normalizeUUID(dirName); err == nil && want != r.Config.CInfo.UUID {
			r.Notes = append(r.Notes, Note{Pos: lexer.Position{Filename: path}, Key: "uuid", Severity: xmconfig.Warning,
				Msg: fmt.Sprintf("uuid %s differs from the store directory %s (xend refused such an entry)", r.Config.CInfo.UUID, dirName)})
		}
	}
	return r
}

// Store converts every entry of xend's managed-domain store.
func Store(dir string, opts Options) ([]*Result, error) {
	paths, err := StoreEntries(dir)
	if err != nil {
		return nil, err
	}
	out := make([]*Result, 0, len(paths))
	for _, p := range paths {
		out = append(out, StoreFile(p, opts))
	}
	return out, nil
}

// Worst is the gravest class among results (the batch exit status).
func Worst(rs []*Result) Class {
	w := Clean
	for _, r := range rs {
		if c := r.Class(); c > w {
			w = c
		}
	}
	return w
}

var _ = toolstack.TypePV
