package xend

import (
	"context"
	"testing"

	"github.com/xendshim/xendshim/sxp"
)

// TestLookupOrder checks xend's order (§4): live name, managed name,
// domid, live UUID, managed UUID; an int never matches a name.
func TestLookupOrder(t *testing.T) {
	svc := simService(t)
	ctx := context.Background()
	// Domain "2" gets domid 1; domain "guest" gets domid 2.
	create(t, svc, `(vm (name 2) (uuid 11111111-1111-4111-8111-111111111111) (memory 64) (image (linux (kernel /var/lib/xen/boot/vmlinuz-guest))))`)
	create(t, svc, `(vm (name guest) (uuid 22222222-2222-4222-8222-222222222222) (memory 64) (image (linux (kernel /var/lib/xen/boot/vmlinuz-guest))))`)
	v, _ := sxp.ParseString(`(vm (name parked) (uuid 33333333-3333-4333-8333-333333333333) (memory 64) (image (linux (kernel /var/lib/xen/boot/vmlinuz-guest))))`)
	if err := svc.New(ctx, v); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		id   Ident
		want string // name found, or "fault 3"
	}{
		{Name("2"), "2"},         // the name wins over domid 2
		{ID(2), "guest"},         // an int is a domid only
		{Name("1"), "2"},         // no name "1": domid 1
		{Name("guest"), "guest"}, // plain name
		{Name("parked"), "parked"},
		{Name("22222222-2222-4222-8222-222222222222"), "guest"},
		{Name("33333333-3333-4333-8333-333333333333"), "parked"},
		{Name("0"), "Domain-0"},
		{Name("nosuch"), "fault 3"},
		{ID(99), "fault 3"},
		{Name("a<b&c"), "fault 3"},
	}
	for _, tt := range tests {
		t.Run(tt.id.Text, func(t *testing.T) {
			rec, err := svc.Domain(ctx, tt.id, false)
			got := rec.ChildText("name", "")
			if err != nil {
				f := FaultOf(err)
				got = "fault " + itoa(f.Code)
				if f.String != tt.id.Text {
					t.Errorf("Domain(%v) fault string = %v; want the identifier as given", tt.id, f.String)
				}
			}
			if got != tt.want {
				t.Errorf("Domain(%+v) = %s; want %s", tt.id, got, tt.want)
			}
		})
	}
}

func TestVbdDevid(t *testing.T) {
	tests := []struct {
		dev  string
		want int
	}{
		{"xvda1", 51713}, {"xvda2", 51714}, {"xvdb", 51728}, {"xvdc", 51744}, {"xvdz", 268441856},
		{"hda", 768}, {"hdc", 5632}, {"hdc:cdrom", 5632}, {"sdb", 2064}, {"51744", 51744}, {"floppy", -1},
	}
	for _, tt := range tests {
		if got := vbdDevid(tt.dev); got != tt.want {
			t.Errorf("vbdDevid(%q) = %d; want %d", tt.dev, got, tt.want)
		}
	}
}

func TestParseCPUList(t *testing.T) {
	tests := []struct {
		in   string
		want string // "error" for a rejected list
	}{
		{"1-2", "[1, 2]"}, {"0,2-3,^2", "[0, 3]"}, {"3", "[3]"}, {"", "[]"}, {"2-1", "error"}, {"x", "error"},
	}
	for _, tt := range tests {
		got, err := parseCPUList(tt.in)
		s := pyIntList(got)
		if err != nil {
			s = "error"
		}
		if s != tt.want {
			t.Errorf("parseCPUList(%q) = %s; want %s", tt.in, s, tt.want)
		}
	}
}
