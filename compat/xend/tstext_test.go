package xend

import (
	"errors"
	"testing"

	"github.com/xendshim/xendshim/toolstack"
)

// TestTSText: a toolstack refusal reaches clients with its reason (xl's
// stderr on a real host), not only the class's short detail.
func TestTSText(t *testing.T) {
	xlSaid := errors.New("xl create -p g.cfg: exit status 1: Invalid cpu list")
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"detail only", &toolstack.Error{Op: "create", Detail: "domain name taken"}, "domain name taken"},
		{"detail and cause", &toolstack.Error{Op: "create", Detail: "xl refused", Cause: xlSaid},
			"xl refused: xl create -p g.cfg: exit status 1: Invalid cpu list"},
		{"plain error", errors.New("boom"), "boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tsText(tt.err); got != tt.want {
				t.Errorf("tsText(%v) = %q; want %q", tt.err, got, tt.want)
			}
		})
	}
}
