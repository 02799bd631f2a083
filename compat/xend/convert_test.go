package xend

import (
	"reflect"
	"testing"

	"github.com/xendshim/xendshim/sxp"
)

func TestFromSXP(t *testing.T) {
	v := sxp.List(sxp.Atom("domain"), kv("domid", sxp.Int(5)), kv("cpus", sxp.List(sxp.List(), intList([]int{1, 2}))),
		kv("start_time", sxp.Float(1.5)), kv("dom", sxp.None()), sxp.List(sxp.Atom("flags"), sxp.Bool(true), sxp.Quoted("q")))
	want := []any{"domain", []any{"domid", 5}, []any{"cpus", []any{[]any{}, []any{1, 2}}},
		[]any{"start_time", 1.5}, []any{"dom", nil}, []any{"flags", true, "q"}}
	if got := fromSXP(v); !reflect.DeepEqual(got, want) {
		t.Errorf("fromSXP(%s) = %#v; want %#v", sxp.Show(v), got, want)
	}
	if got := fromSXP(sxp.Atom("x")); got != "x" {
		t.Errorf("fromSXP(x) = %#v; want \"x\"", got)
	}
	// toSXP is the way back for what xm sends.
	if got := sxp.Show(toSXP(want)); got != "(domain (domid 5) (cpus (() (1 2))) (start_time 1.5) (dom 'None') (flags True q))" {
		t.Errorf("toSXP(%v) = %s", want, got)
	}
}
