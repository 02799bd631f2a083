package xend

import (
	"context"

	"github.com/xendshim/xendshim/toolstack"
)

// fakeNoDomains is a toolstack with no live domains at all: only
// ListDomains may be called; anything else panics (nil interface).
type fakeNoDomains struct{ toolstack.Toolstack }

func (fakeNoDomains) ListDomains(context.Context) ([]toolstack.DomainInfo, error) { return nil, nil }
