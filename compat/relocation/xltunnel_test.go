package relocation_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xendshim/xendshim/compat/relocation"
	"github.com/xendshim/xendshim/toolstack"
	"github.com/xendshim/xendshim/toolstack/xlsave"
)

const xlBanner = "xl migration receiver ready, send binary domain data.\n"

// A re-executed test binary plays `xl migrate-receive`: it prints xl's
// banner, reads the save header and everything after it, and records the
// config and the stream's hash in $RELTEST_OUT.
func init() {
	if os.Getenv("RELTEST_FAKEXL") != "1" {
		return
	}
	os.Stdout.Write([]byte(xlBanner))
	_, js, err := xlsave.ReadHeader(os.Stdin)
	if err != nil {
		os.WriteFile(os.Getenv("RELTEST_OUT"), []byte("error: "+err.Error()), 0o644)
		os.Exit(1)
	}
	h := sha256.New()
	io.Copy(h, os.Stdin)
	os.WriteFile(os.Getenv("RELTEST_OUT"), []byte(fmt.Sprintf("%s\n%x\n%s", js, h.Sum(nil), strings.Join(os.Args[1:], " "))), 0o644)
	os.Stdout.Write([]byte("domain received, ready to unpause\x00"))
	os.Exit(0)
}

// xlImage builds xl's save header (little-endian, JSON config) and a
// stand-in libxl stream.
func xlImage(cfg *toolstack.DomainConfig, stream []byte) []byte {
	js, _ := json.Marshal(cfg)
	return append(xlsave.AppendHeader(nil, js), stream...)
}

func TestXLTunnel(t *testing.T) {
	self, _ := os.Executable()
	stream := bytes.Repeat([]byte("libxl stream "), 5000)
	sum := sha256.Sum256(stream)
	good := guestConfig("web1")
	good.CInfo.UUID = uuid1
	hostile := guestConfig("web1")
	hostile.CInfo.UUID = uuid1
	hostile.Disks = []toolstack.DeviceDisk{{PdevPath: "/etc/shadow", Vdev: "xvda"}}
	tests := []struct {
		name   string
		cfg    *toolstack.DomainConfig
		args   []string
		relay  bool
		errHas string
	}{
		{name: "config allowed: relayed to xl", cfg: good, args: []string{"-p"}, relay: true},
		{name: "disk /etc/shadow: refused before xl reads it", cfg: hostile},
		{name: "xl option -r refused", cfg: good, args: []string{"-r"}, errHas: "refused the xl tunnel"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "xl.out")
			w := newWorld(t, loopback{}, func(w *world) {
				w.recv.XL = &relocation.XLTunnel{Command: []string{self}, Env: append(os.Environ(), "RELTEST_FAKEXL=1", "RELTEST_OUT="+out)}
			})
			var got bytes.Buffer
			err := relocation.XLConnect(context.Background(), endpoint(getPKI().src),
				func(ctx context.Context, a string) (net.Conn, error) { return net.Dial("tcp", a) },
				"dst", w.addr, tc.args, bytes.NewReader(xlImage(tc.cfg, stream)), &got)
			if tc.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errHas) {
					t.Errorf("XLConnect = %v; want %q", err, tc.errHas)
				}
				return
			}
			rec, _ := os.ReadFile(out)
			if tc.relay {
				if err != nil {
					t.Fatalf("XLConnect = %v", err)
				}
				if !strings.HasPrefix(got.String(), xlBanner) || !strings.Contains(got.String(), "ready to unpause") {
					t.Errorf("sender got %q; want xl's banner and ready message", got.String())
				}
				lines := strings.Split(string(rec), "\n")
				if len(lines) != 3 || lines[1] != hex.EncodeToString(sum[:]) || lines[2] != "migrate-receive -p" {
					t.Errorf("fake xl recorded %q; want the config, the stream hash %x and args", rec, sum)
				}
				return
			}
			if len(rec) > 0 && !strings.HasPrefix(string(rec), "error:") {
				t.Errorf("xl received the hostile migration: %q", rec)
			}
			w.close() // waits for the receiver's handler, which audits last
			if !strings.Contains(w.audit(), "disks[0].pdev_path") {
				t.Errorf("audit does not name the refused field")
			}
		})
	}
}
