package toolstack

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestDomainState(t *testing.T) {
	tests := []struct {
		st   DomainState
		want string
	}{
		{0, "------"},
		{StateRunning, "r-----"},
		{StateBlocked, "-b----"},
		{StatePaused, "--p---"},
		{StateShutdown | StatePaused, "--ps--"},
		{StateCrashed, "----c-"},
		{StateDying | StateShutdown, "---s-d"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := tc.st.String(); got != tc.want {
				t.Errorf("DomainState(%d).String() = %q; want %q", tc.st, got, tc.want)
			}
			back, ok := ParseDomainState(tc.want)
			if !ok || back != tc.st {
				t.Errorf("ParseDomainState(%q) = %d, %v; want %d", tc.want, back, ok, tc.st)
			}
		})
	}
	for _, bad := range []string{"", "r----", "x-----", "b-----", "r------"} {
		if _, ok := ParseDomainState(bad); ok {
			t.Errorf("ParseDomainState(%q) ok; want failure", bad)
		}
	}
}

func TestBitmap(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{"", "", false},
		{"0", "0", false},
		{"3,1,2", "1-3", false},
		{"0-1, 3, 5-7", "0-1,3,5-7", false},
		{"2,2,2", "2", false},
		{"a", "", true},
		{"3-1", "", true},
		{"-1", "", true},
		{"1-", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			b, err := ParseBitmap(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("ParseBitmap(%q) error = %v; want error %v", tc.in, err, tc.wantErr)
			}
			if got := b.String(); err == nil && got != tc.want {
				t.Errorf("ParseBitmap(%q).String() = %q; want %q", tc.in, got, tc.want)
			}
		})
	}
}

func FuzzParseBitmap(f *testing.F) {
	for _, s := range []string{"0", "1-3", "0,2,4-6", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 64 {
			return // ranges like 0-999999999 are legal but slow
		}
		b, err := ParseBitmap(s)
		if err != nil || len(b) > 100000 {
			return
		}
		again, err := ParseBitmap(b.String())
		if err != nil || again.String() != b.String() {
			t.Errorf("ParseBitmap(%q) = %q, which parses back as %q, %v", s, b.String(), again.String(), err)
		}
	})
}

func TestDefboolJSON(t *testing.T) {
	tests := []struct {
		in   string
		want Defbool
	}{
		{`"True"`, DefboolTrue}, {`"False"`, DefboolFalse}, {`"<default>"`, DefboolDefault},
		{`true`, DefboolTrue}, {`false`, DefboolFalse}, {`null`, DefboolDefault},
	}
	for _, tc := range tests {
		var d Defbool
		if err := json.Unmarshal([]byte(tc.in), &d); err != nil || d != tc.want {
			t.Errorf("Unmarshal(%s) = %v, %v; want %v", tc.in, d, err, tc.want)
		}
	}
	var d Defbool
	if err := json.Unmarshal([]byte(`"yes"`), &d); err == nil {
		t.Errorf("Unmarshal(\"yes\") = nil error; want one")
	}
	out, _ := json.Marshal(struct {
		A Defbool `json:"a,omitempty"`
		B Defbool `json:"b,omitempty"`
		C Defbool `json:"c,omitempty"`
	}{A: DefboolTrue, C: DefboolFalse})
	if string(out) != `{"a":"True","c":"False"}` {
		t.Errorf("Marshal = %s; want {\"a\":\"True\",\"c\":\"False\"}", out)
	}
}

func TestKeyValueListKeepsOrder(t *testing.T) {
	in := `{"z":"1","a":"2","m":"<&>"}`
	var l KeyValueList
	if err := json.Unmarshal([]byte(in), &l); err != nil {
		t.Fatal(err)
	}
	out, err := marshalNoEscape(l)
	if err != nil || string(out) != in {
		t.Errorf("Marshal(Unmarshal(%s)) = %s, %v; want it unchanged", in, out, err)
	}
	if v, ok := l.Get("a"); !ok || v != "2" {
		t.Errorf("Get(a) = %q, %v; want 2", v, ok)
	}
	if err := json.Unmarshal([]byte(`["a"]`), &l); err == nil {
		t.Errorf("Unmarshal([\"a\"]) = nil error; want one")
	}
}

func TestErrorWrapping(t *testing.T) {
	cause := errors.New("disk on fire")
	err := error(&Error{Op: "save", Domain: "3", Class: ErrBadState, Detail: "domain is dying", Cause: cause})
	wrapped := errors.Join(errors.New("outer"), err)
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"Error()", err.Error(), "save domain 3: domain is dying: disk on fire (wrong domain state)"},
		{"Is class", errors.Is(wrapped, ErrBadState), true},
		{"Is cause", errors.Is(wrapped, cause), true},
		{"Is other class", errors.Is(wrapped, ErrNotFound), false},
		{"ClassOf", ClassOf(wrapped), ErrBadState},
		{"ClassOf plain", ClassOf(cause), nil},
		{"Errorf", Errorf(ErrNotFound, "pause", 7, "no domain %d", 7).Error(), "pause domain 7: no domain 7 (not found)"},
		{"Errorf host op", Errorf(ErrInvalid, "dmesg", nil, "bad").Error(), "dmesg: bad (invalid argument)"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s = %v; want %v", tc.name, tc.got, tc.want)
		}
	}
	var te *Error
	if !errors.As(wrapped, &te) || te.Op != "save" {
		t.Errorf("errors.As(wrapped, *Error) = %v; want the save error", te)
	}
}

func TestShutdownRequestAndTrigger(t *testing.T) {
	for _, r := range []ShutdownRequest{"poweroff", "reboot", "suspend", "crash", "halt"} {
		if !r.Valid() {
			t.Errorf("ShutdownRequest(%q).Valid() = false", r)
		}
	}
	if ShutdownRequest("off").Valid() || Trigger("kick").Valid() || !TriggerNMI.Valid() {
		t.Errorf("Valid() accepts an unknown request or trigger, or rejects nmi")
	}
	if ReasonSoftReset.String() != "soft_reset" || ShutdownReason(9).String() != "unknown" {
		t.Errorf("ShutdownReason names wrong")
	}
	if XenbusConnected.String() != "Connected" || !strings.HasPrefix(XenbusState(42).String(), "XenbusState(") {
		t.Errorf("XenbusState names wrong")
	}
}

func TestHWCapsString(t *testing.T) {
	p := PhysInfo{HWCaps: [8]uint32{0xbfebfbff, 0x2c100800, 0, 0x7f40, 0x77fafbff, 0, 0x121, 0x2fbb}}
	want := "bfebfbff:2c100800:00000000:00007f40:77fafbff:00000000:00000121:00002fbb"
	if got := p.HWCapsString(); got != want {
		t.Errorf("HWCapsString() = %q; want %q", got, want)
	}
}

func TestDomainConfigCloneAndType(t *testing.T) {
	w := 256
	c := &DomainConfig{
		CInfo: CreateInfo{Name: "x"},
		BInfo: BuildInfo{HVM: &BuildInfoHVM{VNC: &VNCInfo{Display: 3}}, SchedParams: SchedParams{Weight: &w}},
		Xend:  &XendExtras{VSCSIs: []DeviceVSCSI{{LUNs: []VSCSILUN{{PDev: "sdb", VDev: "0:0:0:0"}}}}},
	}
	if c.Type() != TypeHVM {
		t.Errorf("Type() = %q; want hvm (implied by type.hvm)", c.Type())
	}
	d := c.Clone()
	d.BInfo.HVM.VNC.Display = 9
	*d.BInfo.SchedParams.Weight = 1
	d.Xend.VSCSIs[0].LUNs[0].PDev = "sdc"
	if c.BInfo.HVM.VNC.Display != 3 || *c.BInfo.SchedParams.Weight != 256 || c.Xend.VSCSIs[0].LUNs[0].PDev != "sdb" {
		t.Errorf("Clone shares memory with the original")
	}
	if (&DomainConfig{}).Type() != TypePV || (*DomainConfig)(nil).Clone() != nil {
		t.Errorf("zero config type or nil clone wrong")
	}
}

func FuzzParseXLList(f *testing.F) {
	for _, name := range []string{"testdata/xl-list-l-dom0.json", "testdata/xl-list-l-tiny.json"} {
		data, err := readFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`[{"domid":1,"config":{"c_info":{"xsdata":{"a":"b"}},"b_info":{"type.hvm":{"vnc":{"enable":"True"}}}}}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := ParseXLList(data)
		if err != nil {
			return
		}
		out, err := MarshalXLList(entries)
		if err != nil {
			t.Fatalf("MarshalXLList after a successful parse: %v", err)
		}
		again, err := ParseXLList(out)
		if err != nil {
			t.Fatalf("ParseXLList(MarshalXLList(x)) = %v\n%s", err, out)
		}
		out2, _ := MarshalXLList(again)
		if string(out) != string(out2) {
			t.Errorf("marshal is not stable:\n%s\n---\n%s", out, out2)
		}
	})
}

func TestHostPaths(t *testing.T) {
	c := &DomainConfig{}
	c.BInfo.Kernel, c.BInfo.Ramdisk = "/boot/vmlinuz", "/boot/initrd"
	c.Disks = []DeviceDisk{{PdevPath: "/srv/xen/a.img"}, {PdevPath: "vg/lv"}, {PdevPath: ""}, {PdevPath: "/dev/sdb"}}
	got := strings.Join(c.HostPaths(), " ")
	if want := "/boot/vmlinuz /boot/initrd /srv/xen/a.img /dev/sdb"; got != want {
		t.Errorf("HostPaths() = %q; want %q", got, want)
	}
	if p := (&DomainConfig{}).HostPaths(); len(p) != 0 {
		t.Errorf("HostPaths() of an empty config = %q; want none", p)
	}
}
