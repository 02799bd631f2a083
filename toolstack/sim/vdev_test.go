package sim

import "testing"

func TestVdevNumber(t *testing.T) {
	tests := []struct {
		in      string
		want    int
		wantErr bool
	}{
		{"xvda", 51712, false},
		{"xvda1", 51713, false},
		{"xvdb", 51728, false},
		{"xvdp15", 202<<8 | 15<<4 | 15, false},
		{"xvdq", 1<<28 | 16<<8, false},
		{"xvdaa", 1<<28 | 26<<8, false},
		{"hda", 768, false},
		{"hdb", 832, false},
		{"hdc", 5632, false},
		{"hdc:cdrom", 5632, false},
		{"sda", 2048, false},
		{"sdb1", 2065, false},
		{"51713", 51713, false},
		{"", 0, true},
		{"floppy", 0, true},
		{"xvd", 0, true},
		{"xvda-1", 0, true},
		{"hde", 0, true},
		{"hda64", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := vdevNumber(tc.in)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("vdevNumber(%q) = %d, %v; want %d (error %v)", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func FuzzVdevNumber(f *testing.F) {
	for _, s := range []string{"xvda1", "hdc", "sdb1", "51713", "xvdzz255"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := vdevNumber(s)
		if err == nil && n <= 0 {
			t.Errorf("vdevNumber(%q) = %d with no error; want a positive number", s, n)
		}
	})
}
