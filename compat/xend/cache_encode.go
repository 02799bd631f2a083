package xend

import (
	"github.com/xendshim/xendshim/sxp"
	"github.com/xendshim/xendshim/xmlrpc"
)

// Domain listings are the one large reply xm asks for (xm list -l over
// every domain), so their records are encoded straight from the rendered
// SXP into XML-RPC text (then cached, see cache.go) instead of going through
// fixupSXPR and fromSXP: the bytes are the same, without the intermediate
// copies of every record.

// appendRecord appends fromSXP(fixupSXPR(v)) to b: lists become arrays,
// without their (vcpu_avail x) pairs at any depth below the top.
func appendRecord(b *xmlrpc.Builder, v sxp.Value) {
	if !v.IsList() {
		appendScalar(b, v)
		return
	}
	b.BeginArray()
	for _, e := range v.Items() {
		if isVCPUAvail(e) {
			continue
		}
		appendRecord(b, e)
	}
	b.EndArray()
}

// isVCPUAvail reports whether e is a pair fixupSXPR drops.
func isVCPUAvail(e sxp.Value) bool {
	return e.IsList() && e.Len() == 2 && !e.Index(0).IsList() && e.Index(0).Text() == "vcpu_avail"
}

// appendScalar appends what scalarOf(v) encodes as.
func appendScalar(b *xmlrpc.Builder, v sxp.Value) {
	switch v.Kind() {
	case sxp.KindInt, sxp.KindLong:
		n, _ := v.AsInt()
		b.Int(int64(int(n)))
	case sxp.KindFloat:
		f, _ := v.AsFloat()
		b.Double(f)
	case sxp.KindBool:
		x, _ := v.AsBool()
		b.Bool(x)
	case sxp.KindNone:
		b.Nil()
	default:
		b.String(v.Text())
	}
}
