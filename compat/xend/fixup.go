package xend

import "github.com/xendshim/xendshim/sxp"

// fixupSXPR is xend's fixup_sxpr (xmlrpc.md §2.5): it drops every
// two-element list whose first item is vcpu_avail, at any depth. The
// legacy XML-RPC server applied it to the domain records of xend.domain,
// xend.domains, xend.domains_with_state, xend.domain.create and
// xend.domain.restore, because the bitmap can overflow an XML-RPC int.
func fixupSXPR(v sxp.Value) sxp.Value {
	if !v.IsList() {
		return v
	}
	items := v.Items()
	out := make([]sxp.Value, 0, len(items))
	for _, e := range items {
		if e.IsList() && e.Len() == 2 && !e.Index(0).IsList() && e.Index(0).Text() == "vcpu_avail" {
			continue
		}
		out = append(out, fixupSXPR(e))
	}
	return sxp.List(out...)
}

// fixedRecord converts a domain record for the XML-RPC table.
func fixedRecord(v sxp.Value) any { return fromSXP(fixupSXPR(v)) }
