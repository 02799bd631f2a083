package toolstack

import (
	"context"
	"strconv"
	"strings"
)

// FindByName returns the live domain called name; ErrNotFound if none.
func FindByName(ctx context.Context, ts Toolstack, name string) (*DomainInfo, error) {
	doms, err := ts.ListDomains(ctx)
	if err != nil {
		return nil, err
	}
	for i := range doms {
		if doms[i].Name == name {
			return &doms[i], nil
		}
	}
	return nil, Errorf(ErrNotFound, "lookup", name, "no domain named %q", name)
}

// Lookup resolves what xend accepted as a domain identifier: a domid
// (decimal), a name, or a UUID. Names win over domids as in xend, so a
// domain named "3" is found by that name first.
func Lookup(ctx context.Context, ts Toolstack, ident string) (*DomainInfo, error) {
	doms, err := ts.ListDomains(ctx)
	if err != nil {
		return nil, err
	}
	for i := range doms {
		if doms[i].Name == ident {
			return &doms[i], nil
		}
	}
	if n, err := strconv.ParseUint(ident, 10, 32); err == nil {
		for i := range doms {
			if uint64(doms[i].Domid) == n {
				return &doms[i], nil
			}
		}
	}
	for i := range doms {
		if strings.EqualFold(doms[i].UUID, ident) {
			return &doms[i], nil
		}
	}
	return nil, Errorf(ErrNotFound, "lookup", ident, "no domain %q (by name, id or uuid)", ident)
}
