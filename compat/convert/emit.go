package convert

import (
	"fmt"
	"strings"

	"github.com/xendshim/xendshim/toolstack"
	"github.com/xendshim/xendshim/toolstack/xlcfg"
)

// QuoteXL quotes s as an xl.cfg string that libxlu reads back unchanged
// (config.md §1.3); see xlcfg.Quote.
func QuoteXL(s string) (string, error) { return xlcfg.Quote(s) }

// xlSetting is one key as written, for checking that xl reads it back.
type xlSetting = xlcfg.Setting

// EmitXL renders cfg as an xl.cfg file: a leading comment block that lists
// every dropped or changed key (notes), then one setting per line (§1.4).
func EmitXL(cfg *toolstack.DomainConfig, source string, notes []Note, opts Options) (string, error) {
	s, _, err := emitXL(cfg, source, notes, opts)
	return s, err
}

// emitXL writes the conversion's comment block (source, notes, xend's
// description, the vscsi LUNs xendshim attaches after `xl create`) and
// then the settings xlcfg.Emit renders.
func emitXL(cfg *toolstack.DomainConfig, source string, notes []Note, opts Options) (string, []xlSetting, error) {
	var b strings.Builder
	b.WriteString("# xl config converted by xendshim from " + commentSafe(source) + "\n")
	for _, n := range notes {
		line := n.Severity.String() + ": "
		if n.Key != "" {
			line += "'" + n.Key + "' "
		}
		if n.Pos.Line > 0 {
			line += fmt.Sprintf("(line %d) ", n.Pos.Line)
		}
		b.WriteString("# xendshim: " + commentSafe(line+n.Msg) + "\n")
	}
	if cfg.Xend != nil {
		if cfg.Xend.Description != "" {
			b.WriteString("# description: " + commentSafe(cfg.Xend.Description) + "\n")
		}
		for _, v := range cfg.Xend.VSCSIs {
			for _, l := range v.LUNs {
				fmt.Fprintf(&b, "# xendshim-vscsi: %s, %s (controller %d, backend %d): attached by xendshim after `xl create`\n",
					commentSafe(l.PDev), commentSafe(l.VDev), v.Devid, v.BackendDomid)
			}
		}
	}
	b.WriteString("\n")
	body, rec, err := xlcfg.Emit(cfg, xlcfg.Options{TargetXen: opts.TargetXen})
	if err != nil {
		return "", nil, err
	}
	b.WriteString(body)
	return b.String(), rec, nil
}

// commentSafe keeps a text on one comment line.
func commentSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r < 0x20 {
			return ' '
		}
		return r
	}, s)
}
