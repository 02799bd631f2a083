package sxp

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestFromGo(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"domain record", []any{"domain", []any{"domid", 0}, []any{"name", "Domain-0"}, []any{"bootloader", ""}}, "(domain (domid 0) (name Domain-0) (bootloader ''))"},
		{"numbers", []any{int8(-1), int16(2), int32(3), int64(4), uint8(5), uint16(6), uint32(7), uint(8), uint64(9)}, "(-1 2 3 4 5 6 7 8 9)"},
		{"floats", []any{1.5, float32(0.5), 123.456789012}, "(1.5 0.5 123.456789012)"},
		{"bools and nil", []any{true, false, nil}, "(True False 'None')"},
		{"typed slices", []any{[]string{"a", "b c"}, []int{1}, []int64{2}, []float64{3}, [][]any{{"x"}}}, "((a 'b c') (1) (2) (3.0) ((x)))"},
		{"values pass through", []any{Long(3), Quoted("x"), []Value{Atom("y")}}, "('3' 'x' (y))"},
		{"bytes", []byte("a b"), "'a b'"},
		{"empty list", []any{}, "()"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := FromGo(tt.in)
			if err != nil {
				t.Fatalf("FromGo: %v", err)
			}
			if got := Show(v); got != tt.want {
				t.Errorf("Show(FromGo(%v)) = %s; want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestFromGoErrors(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{map[string]int{"a": 1}, "sxp: cannot convert map[string]int top level: unsupported type"},
		{[]any{"a", []any{"b", struct{}{}}}, "sxp: cannot convert struct {} at [1][1]: unsupported type"},
		{uint64(math.MaxUint64), "sxp: cannot convert uint64 top level: out of range"},
	}
	for _, tt := range tests {
		_, err := FromGo(tt.in)
		if err == nil || err.Error() != tt.want {
			t.Errorf("FromGo(%v) error = %v; want %q", tt.in, err, tt.want)
		}
	}
	deep := any("x")
	for range MaxDepth + 1 {
		deep = []any{deep}
	}
	if _, err := FromGo(deep); err == nil || !strings.Contains(err.Error(), "MaxDepth") {
		t.Errorf("FromGo(%d nested lists) error = %v; want a depth error", MaxDepth+1, err)
	}
	defer func() {
		if recover() == nil {
			t.Error("MustFromGo(map) did not panic")
		}
	}()
	MustFromGo(map[int]int{})
}

func TestToGo(t *testing.T) {
	v := List(Atom("a"), Quoted("b"), Int(-3), Long(4), Float(1.5), Bool(true), None(), List(), Value{})
	want := []any{"a", "b", int64(-3), int64(4), 1.5, true, nil, []any{}, nil}
	if got := ToGo(v); !reflect.DeepEqual(got, want) {
		t.Errorf("ToGo(%s) = %#v; want %#v", Show(v), got, want)
	}
	// Parsed data holds only strings and lists.
	p := mustParse(t, "(domain (domid 3) (cpus ((0 1))))")
	wantP := []any{"domain", []any{"domid", "3"}, []any{"cpus", []any{[]any{"0", "1"}}}}
	if got := ToGo(p); !reflect.DeepEqual(got, wantP) {
		t.Errorf("ToGo(parsed) = %#v; want %#v", got, wantP)
	}
	// FromGo(ToGo(v)) prints the same for values without Long/None/Quoted.
	w := List(Atom("x"), Int(1), Float(2.5), Bool(false), List(Atom("a b")))
	if back := MustFromGo(ToGo(w)); Show(back) != Show(w) {
		t.Errorf("Show(FromGo(ToGo(v))) = %s; want %s", Show(back), Show(w))
	}
}
