package httpsxp

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// createGuests creates n running PV guests through the HTTP interface as
// libvirt does (op=create, then op=unpause).
func createGuests(b *testing.B, path string, n int) {
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("bench%03d", i)
		cfg := fmt.Sprintf("(vm (name '%s')(memory 32)(maxmem 32)(vcpus 1)(on_poweroff 'destroy')(on_reboot 'restart')(on_crash 'restart')"+
			"(image (linux (kernel '/var/lib/xen/boot/vmlinuz-guest')(args 'root=/dev/xvda1 ro')))"+
			"(device (vif (mac '00:16:3e:00:%02x:%02x')(bridge 'xenbr0')(script 'vif-bridge'))))", name, i/256, i%256)
		for _, body := range []string{"op=create&config=" + url.QueryEscape(cfg), "op=unpause"} {
			target := "/xend/domain/"
			if body == "op=unpause" {
				target += name
			}
			reply, err := roundTrip(path, []byte(libvirtPost(target, body)))
			if err != nil || !(strings.HasPrefix(string(reply), "HTTP/1.1 201") || strings.HasPrefix(string(reply), "HTTP/1.1 200")) {
				b.Fatalf("%s %s: %v\n%s", target, body, err, reply)
			}
		}
	}
}

// benchList measures GET /xend/domain?detail=1, one connection per request
// as libvirt makes them, and reports requests per second.
func benchList(b *testing.B, path string) {
	req := []byte("GET /xend/domain?detail=1 HTTP/1.1\r\n" + libvirtGet)
	reply, err := roundTrip(path, req)
	if err != nil || !strings.HasPrefix(string(reply), "HTTP/1.1 200 OK") {
		b.Fatalf("list: %v %q", err, reply)
	}
	b.SetBytes(int64(len(reply)))
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		if _, err := roundTrip(path, req); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// BenchmarkListDetail100 is the figure: 100 running guests plus
// Domain-0 on the simulated reference host, through compat/xend.
//
//	go test -run '^$' -bench 'ListDetail100' -benchtime 3s ./compat/httpsxp
func BenchmarkListDetail100(b *testing.B) {
	path := newReplayServer(b)
	createGuests(b, path, 100)
	benchList(b, path)
}

// BenchmarkListDetail100Fake isolates the HTTP layer: the same request
// with 100 small records from the in-memory fake service.
func BenchmarkListDetail100Fake(b *testing.B) {
	path, _ := startServer(b, newFakeService(100))
	benchList(b, path)
}
