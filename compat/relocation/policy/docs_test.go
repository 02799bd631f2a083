package policy

import (
	"os"
	"strings"
	"testing"
)

// TestDocsExample parses every TOML policy example in docs/migration.md, so
// the documentation cannot drift from the parser.
func TestDocsExample(t *testing.T) {
	b, err := os.ReadFile("../../../docs/migration.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(string(b), "```toml\n")
	if len(blocks) < 2 {
		t.Fatal("docs/migration.md has no ```toml block")
	}
	for i, blk := range blocks[1:] {
		body, _, _ := strings.Cut(blk, "```")
		p, err := Parse([]byte(body), false)
		if err != nil {
			t.Errorf("docs/migration.md toml block %d: %v", i+1, err)
			continue
		}
		if len(p.Peers) == 0 {
			t.Errorf("docs/migration.md toml block %d grants nothing", i+1)
		}
	}
}
