package xmlrpc

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"testing"
)

// hundredDomains builds a domains_with_state(True, 'all', 0) reply for 100
// domains, each a copy of the first domain SXP captured in 027-list-long (nested
// lists of strings, ints and doubles) with its own domid and name.
func hundredDomains(tb testing.TB) []any {
	tb.Helper()
	raw, err := os.ReadFile("testdata/golden/027-list-long.response.http")
	if err != nil {
		tb.Fatal(err)
	}
	_, body := splitHTTP(tb, raw)
	v, err := DecodeResponse(body)
	if err != nil {
		tb.Fatal(err)
	}
	doms := v.([]any)
	tmpl := doms[len(doms)-1].([]any)
	out := make([]any, 100)
	for i := range out {
		d := make([]any, len(tmpl))
		copy(d, tmpl)
		for j, f := range d {
			if kv, ok := f.([]any); ok && len(kv) == 2 {
				switch kv[0] {
				case "domid":
					d[j] = []any{"domid", i}
				case "name":
					d[j] = []any{"name", fmt.Sprintf("guest%03d", i)}
				}
			}
		}
		out[i] = d
	}
	return out
}

// BenchmarkEncodeDomainsWithState: marshalling a 100-domain reply.
func BenchmarkEncodeDomainsWithState(b *testing.B) {
	v := hundredDomains(b)
	enc, _ := EncodeResponse(v)
	b.SetBytes(int64(len(enc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EncodeResponse(v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeDomainsWithStateRaw: the same reply when each record was
// encoded earlier (xmlrpc.Raw, as compat/xend caches them), into a reused
// buffer as the server does.
func BenchmarkEncodeDomainsWithStateRaw(b *testing.B) {
	v := hundredDomains(b)
	raws := make([]any, len(v))
	for i, d := range v {
		r, err := EncodeRaw(d)
		if err != nil {
			b.Fatal(err)
		}
		raws[i] = r
	}
	enc, _ := EncodeResponse(v)
	b.SetBytes(int64(len(enc)))
	b.ReportAllocs()
	var buf []byte
	for b.Loop() {
		buf = appendResult(buf[:0], raws, nil)
		if len(buf) != len(enc) {
			b.Fatalf("reply is %d bytes; want %d", len(buf), len(enc))
		}
	}
}

// BenchmarkBuilderDomainsWithState: encoding the 100 records piece by piece
// with a Builder, as compat/xend does from SXP on a cache miss.
func BenchmarkBuilderDomainsWithState(b *testing.B) {
	v := hundredDomains(b)
	enc, _ := EncodeResponse(v)
	b.SetBytes(int64(len(enc)))
	b.ReportAllocs()
	var build func(bl *Builder, x any)
	build = func(bl *Builder, x any) {
		switch y := x.(type) {
		case []any:
			bl.BeginArray()
			for _, e := range y {
				build(bl, e)
			}
			bl.EndArray()
		case string:
			bl.String(y)
		case int:
			bl.Int(int64(y))
		case float64:
			bl.Double(y)
		default:
			bl.Value(y)
		}
	}
	for b.Loop() {
		var bl Builder
		out := make([]any, len(v))
		for i, d := range v {
			build(&bl, d)
			r, err := bl.Take()
			if err != nil {
				b.Fatal(err)
			}
			out[i] = r
		}
		if _, err := EncodeResponse(out); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeDomainsWithState: strict decoding of the same reply.
func BenchmarkDecodeDomainsWithState(b *testing.B) {
	enc, err := EncodeResponse(hundredDomains(b))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(enc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeResponse(enc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRoundTripUnix: sequential calls with the package Client (net/http
// transport, kept-alive connection) over a UNIX socket.
func BenchmarkRoundTripUnix(b *testing.B) {
	addr := startServer(b, &Server{Service: echoService{}})
	c, err := NewClient("httpu://" + addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Call(ctx, "xend.domain", "pv1"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}

// BenchmarkRoundTripUnixParallel: the same from GOMAXPROCS goroutines.
func BenchmarkRoundTripUnixParallel(b *testing.B) {
	addr := startServer(b, &Server{Service: echoService{}})
	c, err := NewClient("httpu://" + addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Call(ctx, "xend.domain", "pv1"); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}

// BenchmarkRoundTripUnixXmStyle: a new connection per call carrying xm's exact
// request bytes, as xm 2.7 does (spec §1.3).
func BenchmarkRoundTripUnixXmStyle(b *testing.B) {
	addr := startServer(b, &Server{Service: echoService{}})
	raw, err := os.ReadFile("testdata/golden/045-domid-nosuch.request.http")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		c, err := net.Dial("unix", addr)
		if err != nil {
			b.Fatal(err)
		}
		c.Write(raw)
		readReply(b, bufio.NewReader(c))
		c.Close()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}

// BenchmarkRoundTripDomainsWithState: the 100-domain reply over a UNIX socket.
func BenchmarkRoundTripDomainsWithState(b *testing.B) {
	v := hundredDomains(b)
	addr := startServer(b, &Server{Service: replayService{result: v}})
	c, err := NewClient("httpu://" + addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	for b.Loop() {
		if _, err := c.Call(ctx, "xend.domains_with_state", true, "all", 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}

// BenchmarkDecodeDomainsWithStateStdlib: the same through encoding/xml, for
// comparison with the package's scanner.
func BenchmarkDecodeDomainsWithStateStdlib(b *testing.B) {
	enc, err := EncodeResponse(hundredDomains(b))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(enc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := (Decoder{}).decodeResponse(enc, stdlibTokens); err != nil {
			b.Fatal(err)
		}
	}
}
