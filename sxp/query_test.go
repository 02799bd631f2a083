package sxp

import (
	"testing"
)

func mustParse(t testing.TB, s string) Value {
	t.Helper()
	v, err := ParseString(s)
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	return v
}

const queryDoc = `(domain (@ (id 7)) (domid 3) (name web01) (bootloader) (memory 512)
  (image (linux (kernel /boot/vmlinuz) (args 'ro quiet')))
  (device (vbd (dev xvda) (uname phy:/dev/sda))) (device (vif (mac 00:16:3e:00:00:01)))
  (cpus ((0 1) (2))) (domain inner) bare)`

func TestQueries(t *testing.T) {
	v := mustParse(t, queryDoc)
	if got := v.Name(); got != "domain" {
		t.Errorf("Name() = %q; want domain", got)
	}
	if got := Show(v.Args()[0]); got != "(domid 3)" {
		t.Errorf("Args()[0] = %s; want (domid 3) (the attribute list is skipped)", got)
	}
	devs := v.Children("device")
	if len(devs) != 2 || devs[1].Index(1).Name() != "vif" {
		t.Errorf("Children(device) = %v; want the vbd and the vif", devs)
	}
	if got := len(v.Children("")); got != 10 {
		t.Errorf("len(Children(\"\")) = %d; want 10", got)
	}
	tests := []struct {
		name, path string
		wantOK     bool
		want       string
	}{
		{"ChildValue", "memory", true, "512"},
		{"ChildValue of empty element", "bootloader", false, ""},
		{"ChildValue absent", "nosuch", false, ""},
		{"ChildValue list", "cpus", true, "((0 1) (2))"},
		{"ChildValue bare atom is no element", "bare", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := v.ChildValue(tt.path)
			if ok != tt.wantOK || Show(got) != tt.want {
				t.Errorf("ChildValue(%q) = %s, %v; want %s, %v", tt.path, Show(got), ok, tt.want, tt.wantOK)
			}
		})
	}
	if !v.Has("bootloader") || v.Has("nosuch") {
		t.Errorf("Has(bootloader), Has(nosuch) = %v, %v; want true, false", v.Has("bootloader"), v.Has("nosuch"))
	}
	if got := v.ChildText("name", "?"); got != "web01" {
		t.Errorf("ChildText(name) = %q; want web01", got)
	}
	if got := v.ChildText("bootloader", "none"); got != "none" {
		t.Errorf("ChildText(bootloader) = %q; want the default", got)
	}
	lookups := []struct {
		path   string
		wantOK bool
		want   string
	}{
		{"image/linux/kernel", true, "/boot/vmlinuz"},
		{"domain/image/linux/args", false, ""}, // "domain" is a child here, so the path is relative
		{"/image/linux/args/", true, "'ro quiet'"},
		{"device/vbd/uname", true, "phy:/dev/sda"},
		{"device/vif/mac", false, ""}, // first device is the vbd, as in libvirt
		{"image/hvm/kernel", false, ""},
		{"domain", true, "inner"}, // a child named like the root wins
		{"bootloader", false, ""},
	}
	for _, tt := range lookups {
		got, ok := v.LookupValue(tt.path)
		if ok != tt.wantOK || Show(got) != tt.want {
			t.Errorf("LookupValue(%q) = %s, %v; want %s, %v", tt.path, Show(got), ok, tt.want, tt.wantOK)
		}
	}
	if got := v.LookupText("image/linux/args", ""); got != "ro quiet" {
		t.Errorf("LookupText(image/linux/args) = %q; want %q", got, "ro quiet")
	}
	if got := v.LookupText("image/linux", "dflt"); got != "dflt" {
		t.Errorf("LookupText of an element whose value is a list = %q; want the default", got)
	}
	root := mustParse(t, "(domain (image (linux (kernel /k))))")
	if got := root.LookupText("domain/image/linux/kernel", ""); got != "/k" {
		t.Errorf("LookupText with the root's own name first (libvirt style) = %q; want /k", got)
	}
	if e, ok := v.Lookup(""); !ok || !Identical(e, v) {
		t.Errorf("Lookup(\"\") = %v, %v; want v itself", e, ok)
	}
	if _, ok := Atom("x").Child("x"); ok {
		t.Error("Atom(x).Child(x) found something")
	}
}

func TestConversions(t *testing.T) {
	tests := []struct {
		in   Value
		i    int64
		iErr bool
		f    float64
		fErr bool
		b    bool
		bErr bool
	}{
		{Atom("42"), 42, false, 42, false, true, false},
		{Atom(" -7 "), -7, false, -7, false, true, false},
		{Atom("0"), 0, false, 0, false, false, false},
		{Atom("False"), 0, true, 0, true, false, false},
		{Quoted(""), 0, true, 0, true, false, false},
		{Atom("1.5"), 0, true, 1.5, false, true, false},
		{Atom("0x10"), 0, true, 0, true, true, false},
		{Int(3), 3, false, 3, false, true, false},
		{Long(0), 0, false, 0, false, false, false},
		{Float(2.5), 0, true, 2.5, false, true, false},
		{Bool(true), 1, false, 1, false, true, false},
		{None(), 0, true, 0, true, false, false},
		{List(), 0, true, 0, true, false, true},
	}
	for _, tt := range tests {
		i, err := tt.in.AsInt()
		if (err != nil) != tt.iErr || (err == nil && i != tt.i) {
			t.Errorf("%s.AsInt() = %d, %v; want %d (error %v)", Show(tt.in), i, err, tt.i, tt.iErr)
		}
		f, err := tt.in.AsFloat()
		if (err != nil) != tt.fErr || (err == nil && f != tt.f) {
			t.Errorf("%s.AsFloat() = %g, %v; want %g (error %v)", Show(tt.in), f, err, tt.f, tt.fErr)
		}
		b, err := tt.in.AsBool()
		if (err != nil) != tt.bErr || (err == nil && b != tt.b) {
			t.Errorf("%s.AsBool() = %v, %v; want %v (error %v)", Show(tt.in), b, err, tt.b, tt.bErr)
		}
	}
	if _, err := Atom("abc").AsInt(); err == nil || err.Error() != "sxp: invalid literal for int() with base 10: 'abc'" {
		t.Errorf("Atom(abc).AsInt() error = %v; want Python's wording", err)
	}
}

func TestValueBasics(t *testing.T) {
	var zero Value
	if zero.IsValid() || zero.Kind() != Invalid || zero.Text() != "" || zero.Len() != 0 {
		t.Errorf("zero Value = kind %v valid %v", zero.Kind(), zero.IsValid())
	}
	l := List(Atom("a"), Int(1))
	if !l.IsList() || l.IsScalar() || l.Len() != 2 || l.Index(5).IsValid() || l.Index(-1).IsValid() {
		t.Error("List accessors wrong")
	}
	if List().Items() == nil || !List().IsList() {
		t.Error("List() is not an empty list")
	}
	if !Atom("3").Is("3") || Int(3).Is("4") || l.Is("") {
		t.Error("Is wrong")
	}
	if KindList.String() != "list" || Kind(99).String() != "kind(99)" {
		t.Errorf("Kind.String() = %q, %q", KindList.String(), Kind(99).String())
	}
	if l.String() != "(a 1)" {
		t.Errorf("String() = %q; want (a 1)", l.String())
	}
	equal := []struct {
		a, b Value
		want bool
	}{
		{Int(3), Atom("3"), true},
		{Atom("a b"), Quoted("a b"), true},
		{Bool(true), Atom("True"), true},
		{Long(5), Quoted("5"), true},
		{List(Atom("a")), List(Quoted("a")), true},
		{List(Atom("a")), Atom("a"), false},
		{List(), List(Atom("")), false},
		{Value{}, Atom(""), false},
		{Value{}, Value{}, true},
	}
	for _, tt := range equal {
		if got := Equal(tt.a, tt.b); got != tt.want {
			t.Errorf("Equal(%s, %s) = %v; want %v", Show(tt.a), Show(tt.b), got, tt.want)
		}
	}
	if Identical(Int(3), Atom("3")) || !Identical(List(Int(3)), List(Int(3))) || Identical(Atom("x"), Quoted("x")) {
		t.Error("Identical wrong")
	}
}

func TestPlain(t *testing.T) {
	v := mustParse(t, `(vm (name 'web01') (uname "phy:/dev/x") (args 'a b') (cpus (('0' 1))) (x y))`)
	got := v.Plain()
	if want := "(vm (name web01) (uname phy:/dev/x) (args 'a b') (cpus ((0 1))) (x y))"; Show(got) != want {
		t.Errorf("Show(Plain()) = %s; want %s", Show(got), want)
	}
	if Show(v) != `(vm (name 'web01') (uname 'phy:/dev/x') (args 'a b') (cpus (('0' 1))) (x y))` {
		t.Errorf("Plain modified its receiver: %s", Show(v))
	}
	if !Equal(got, v) {
		t.Error("Plain changed the text of a value")
	}
	plain := mustParse(t, "(a (b c))")
	if p := plain.Plain(); p.ptr != plain.ptr {
		t.Error("Plain copied a value that needed no change")
	}
	if Plain := Int(3).Plain(); !Identical(Plain, Int(3)) {
		t.Error("Plain changed an Int")
	}
}
