package xend

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/xendshim/xendshim/sxp"
	"github.com/xendshim/xendshim/toolstack/sim"
	"github.com/xendshim/xendshim/xmlrpc"
)

// listLongRequest is xm list -l's call, as xm 2.7 frames it.
var listLongRequest = func() []byte {
	body := "<?xml version='1.0'?>\n<methodCall>\n<methodName>xend.domains_with_state</methodName>\n<params>\n" +
		"<param>\n<value><boolean>1</boolean></value>\n</param>\n<param>\n<value><string>all</string></value>\n</param>\n" +
		"<param>\n<value><int>1</int></value>\n</param>\n</params>\n</methodCall>\n"
	return []byte("POST /RPC2 HTTP/1.1\r\nHost: /var/run/xend/xmlrpc.sock\r\nAccept-Encoding: gzip\r\n" +
		"User-Agent: xmlrpclib.py/1.0.1 (by www.pythonware.com)\r\nContent-Type: text/xml\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
}()

// benchServer starts the table on a simulator holding n running guests.
func benchServer(b *testing.B, n int) string {
	dir := b.TempDir()
	prof := sim.ReferenceProfile()
	prof.Physinfo.TotalMemory = uint64(n+16) * 64 * 1024 * 2
	sm, err := sim.New(sim.Options{StateDir: filepath.Join(dir, "sim"), Profile: prof, NoSync: true, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	svc, err := New(sm, Options{NoStore: true})
	if err != nil {
		b.Fatal(err)
	}
	lastSvc = svc
	ctx := context.Background()
	for i := 0; i < n; i++ {
		cfg := sxp.List(sxp.Atom("vm"), kv("name", sxp.Atom(fmt.Sprintf("guest%04d", i))), kv("memory", sxp.Int(64)), kv("vcpus", sxp.Int(2)),
			kv("image", sxp.List(sxp.Atom("linux"), kv("kernel", sxp.Atom("/var/lib/xen/boot/vmlinuz-guest")), kv("args", sxp.Atom("root=/dev/xvda1 ro")))),
			kv("device", sxp.List(sxp.Atom("vbd"), kv("uname", sxp.Atom("file:/var/lib/xen/images/pv1.img")), kv("dev", sxp.Atom("xvda1")), kv("mode", sxp.Atom("r")))),
			kv("device", sxp.List(sxp.Atom("vif"), kv("bridge", sxp.Atom("xenbr0")))))
		if _, err := svc.Create(ctx, cfg); err != nil {
			b.Fatalf("create guest %d: %v", i, err)
		}
		if err := svc.Unpause(ctx, Name(fmt.Sprintf("guest%04d", i))); err != nil {
			b.Fatal(err)
		}
	}
	sock := filepath.Join(dir, "xmlrpc.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		b.Fatal(err)
	}
	srv := &xmlrpc.Server{Service: NewDispatcher(svc)}
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Close() })
	return sock
}

// floorServer answers every request on a UNIX socket with the same
// precomputed reply: the cost of the transport alone.
func floorServer(b *testing.B, reply []byte) string {
	sock := filepath.Join(b.TempDir(), "floor.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		b.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				tp := textproto.NewReader(bufio.NewReader(c))
				if _, err := tp.ReadLine(); err != nil {
					return
				}
				h, err := tp.ReadMIMEHeader()
				if err != nil {
					return
				}
				n, _ := strconv.Atoi(h.Get("Content-Length"))
				if _, err := io.CopyN(io.Discard, tp.R, int64(n)); err != nil {
					return
				}
				c.Write(reply)
			}(c)
		}
	}()
	b.Cleanup(func() { ln.Close() })
	return sock
}

// BenchmarkDomainsWithState measures xm list -l
// (xend.domains_with_state(True,'all',1)) over the UNIX socket with one new
// connection per call, against the floor server that writes the same bytes
// precomputed. It reports req/s and the p99 latency.
//
//	go test -run '^$' -bench DomainsWithState -benchtime 2s ./compat/xend/
func BenchmarkDomainsWithState(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("domains=%d", n), func(b *testing.B) {
			sock := benchServer(b, n)
			reply, err := exchange(sock, listLongRequest)
			if err != nil {
				b.Fatal(err)
			}
			if !bytes.Contains(reply, []byte("guest0000")) {
				b.Fatal("reply lacks the guests")
			}
			floor := floorServer(b, reply)
			for _, clients := range []int{1, 4} {
				b.Run(fmt.Sprintf("xendshim/clients=%d", clients), func(b *testing.B) { runClients(b, sock, clients) })
				b.Run(fmt.Sprintf("floor/clients=%d", clients), func(b *testing.B) { runClients(b, floor, clients) })
			}
		})
	}
}

// runClients spreads b.N calls over clients goroutines, each opening a new
// connection per call.
func runClients(b *testing.B, sock string, clients int) {
	var mu sync.Mutex
	lat := make([]time.Duration, 0, b.N)
	next := make(chan struct{}, b.N)
	for i := 0; i < b.N; i++ {
		next <- struct{}{}
	}
	close(next)
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				t0 := time.Now()
				if _, err := exchange(sock, listLongRequest); err != nil {
					b.Error(err)
					return
				}
				d := time.Since(t0)
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) > 0 {
		b.ReportMetric(float64(len(lat))/el.Seconds(), "req/s")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
}

var lastSvc *Service

// BenchmarkListLongInProcess is xm list -l without the socket: dispatch,
// rendering and XML encoding of domains_with_state(True,'all',1) over 100
// guests, to see where the server's time goes.
func BenchmarkListLongInProcess(b *testing.B) {
	n := 100
	if v, err := strconv.Atoi(os.Getenv("XEND_BENCH_DOMAINS")); err == nil {
		n = v
	}
	benchServer(b, n)
	d := NewDispatcher(lastSvc)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := d.Call(ctx, "xend.domains_with_state", []any{true, "all", 1})
		if err != nil {
			b.Fatal(err)
		}
		_ = xmlrpc.EncodeResult(r, nil)
	}
}
