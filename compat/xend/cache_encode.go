package xend

import (
	"sync/atomic"

	"github.com/xendshim/xendshim/sxp"
	"github.com/xendshim/xendshim/xmlrpc"
)

// Domain listings are the one large reply xm asks for (xm list -l over
// every domain), so their records are encoded straight from the rendered
// SXP into XML-RPC text instead of going through fixupSXPR and fromSXP: the
// bytes are the same, without the intermediate copies of every record.

// encodedRecords is records(vs) pre-encoded: one xmlrpc.Raw per record,
// each exactly the text the encoder writes for fixedRecord(v). If a record
// cannot be encoded (an int outside the int32 range) it returns records(vs)
// instead, so the encoder answers with the same fault as before.
func encodedRecords(vs []sxp.Value) any {
	if len(vs) == 0 {
		return []any{}
	}
	var b xmlrpc.Builder
	per := recordSizeHint.Load()
	if per == 0 {
		per = 4096
	}
	b.Grow(len(vs) * int(per+per/8))
	out := make([]any, len(vs))
	total := 0
	for i, v := range vs {
		appendRecord(&b, v)
		r, err := b.Take()
		if err != nil {
			return records(vs)
		}
		out[i] = r
		total += r.Len()
	}
	recordSizeHint.Store(int64(total/len(vs) + 1))
	return out
}

// recordSizeHint is the mean size of an encoded record in the last listing,
// so the next one is built in a buffer of about the right size.
var recordSizeHint atomic.Int64

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
