package xmlrpc

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// faultReply is the 200 reply carrying fault 1 whose string starts with prefix.
func hasFault1(t *testing.T, reply, contains string) {
	t.Helper()
	_, body, ok := strings.Cut(reply, "\r\n\r\n")
	if !ok || !strings.HasPrefix(reply, "HTTP/1.1 200 OK\r\n") {
		t.Fatalf("reply %.200q; want a 200 reply with a fault", reply)
	}
	_, err := DecodeResponse([]byte(body))
	f, isFault := AsFault(err)
	if !isFault || f.Code != 1 || !strings.Contains(f.Text(), contains) {
		t.Fatalf("reply fault = %v; want fault 1 containing %q", err, contains)
	}
}

// TestHostileBodies: bodies that are not XML-RPC get fault 1 saying what and where,
// and the connection stays usable for the next call.
func TestHostileBodies(t *testing.T) {
	addr := startServer(t, &Server{Service: echoService{}})
	deep := callBody("m", nil)
	deep = strings.Replace(deep, "<value><nil/></value>", strings.Repeat("<value><array><data>", 5000)+strings.Repeat("</data></array></value>", 5000), 1)
	tests := []struct {
		name, body, want string
	}{
		{"not XML", "hello world", "want <methodCall>"},
		{"truncated XML", "<?xml version='1.0'?>\n<methodCall>\n<methodName>x</methodName>\n<params>\n<param>\n<value><string>abc", "line 6, column 19"},
		{"entity expansion (billion laughs)", `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]><methodCall><methodName>&lol2;</methodName></methodCall>`, "DTDs and entity declarations"},
		{"external entity", `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><methodCall><methodName>&xxe;</methodName></methodCall>`, "DTDs and entity declarations"},
		{"5000-deep nesting", deep, "nested too deeply"},
		{"binary junk", "\x00\x01\x02\xff\xfe", "line 1"},
	}
	c, err := net.Dial("unix", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io.WriteString(c, post("POST /RPC2 HTTP/1.1", "\r\n", tt.body))
			hasFault1(t, string(readReply(t, br)), tt.want)
			// Same connection, next call: still served.
			io.WriteString(c, post("POST /RPC2 HTTP/1.1", "\r\n", callBody("ok")))
			if got := maskDateString(string(readReply(t, br))); got != okReply(replyFor(t, "ok")) {
				t.Fatalf("call after hostile body = %q", got)
			}
		})
	}
}

// TestMillionDeepNesting sends 1e6 nested arrays (43 MB). With the default limits
// the body is refused by size before it is read; with the body limit raised the
// decoder stops at MaxDepth. Either way the reply is a clear error and memory stays
// bounded (the decoder never descends past MaxDepth).
func TestMillionDeepNesting(t *testing.T) {
	const n = 1_000_000
	body := "<?xml version='1.0'?>\n<methodCall>\n<methodName>m</methodName>\n<params>\n<param>\n<value>" +
		strings.Repeat("<array><data><value>", n) + strings.Repeat("</value></data></array>", n) +
		"</value>\n</param>\n</params>\n</methodCall>\n"
	t.Run("default limits: 413", func(t *testing.T) {
		addr := startServer(t, &Server{Service: echoService{}})
		got := maskDateString(writeAndRead(t, addr, post("POST /RPC2 HTTP/1.1", "\r\n", body)))
		want := errorReply(413, fmt.Sprintf("Request body of %d bytes exceeds the limit of %d bytes", len(body), DefaultMaxBodyBytes), "Entity is too large.")
		if got != want {
			t.Errorf("reply %.300q; want %.300q", got, want)
		}
	})
	t.Run("raised body limit: depth fault", func(t *testing.T) {
		addr := startServer(t, &Server{Service: echoService{}, Limits: Limits{MaxBodyBytes: 64 << 20}})
		req := strings.Replace(post("POST /RPC2 HTTP/1.1", "\r\n", body), "Content-Type", "Connection: close\r\nContent-Type", 1)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		got := rawExchange(t, "unix", addr, req)
		runtime.ReadMemStats(&after)
		hasFault1(t, got, "more than 100 levels of arrays and structs")
		// Within the window: the client's write copies the request once, reading
		// the body costs about 2.5 times its size (doubling buffer), and decoding
		// must add little since it stops at depth 100: under 4 times in all.
		if alloc, limit := after.TotalAlloc-before.TotalAlloc, 4*uint64(len(req)); alloc > limit {
			t.Errorf("serving a %d MiB 1e6-deep request allocated %d MiB; want < %d MiB", len(req)>>20, alloc>>20, limit>>20)
		}
	})
}

// TestSlowClientsDoNotBlockOthers: many connections trickling a request do not stop
// a normal client from being answered, and each slow one gets 408.
func TestSlowClientsDoNotBlockOthers(t *testing.T) {
	addr := startServer(t, &Server{Service: echoService{}, Limits: Limits{ReadTimeout: 500 * time.Millisecond, MaxConns: 64}})
	var wg sync.WaitGroup
	results := make([]string, 20)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("unix", addr)
			if err != nil {
				results[i] = err.Error()
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Second))
			// Trickle the header one byte every 50 ms.
			for _, b := range []byte("POST /RPC2 HTTP/1.1\r\nHost: x") {
				if _, err := c.Write([]byte{b}); err != nil {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			out, _ := io.ReadAll(c)
			results[i] = string(out)
		}()
	}
	cl, err := NewClient("httpu://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for i := range 20 {
		if _, err := cl.Call(context.Background(), "fast", i); err != nil {
			t.Fatalf("normal call %d while slow clients trickle: %v", i, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	wg.Wait()
	for i, r := range results {
		if !strings.HasPrefix(r, "HTTP/1.1 408 Request not received within 500ms\r\n") {
			t.Errorf("slow client %d got %.80q; want 408", i, r)
		}
	}
}

// writeAndRead writes req from a goroutine (the server may stop reading and close
// early, failing the write) and returns what the server sent before closing.
func writeAndRead(t *testing.T, addr, req string) string {
	t.Helper()
	c, err := net.Dial("unix", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	go io.WriteString(c, req)
	out, _ := io.ReadAll(c)
	return string(out)
}
