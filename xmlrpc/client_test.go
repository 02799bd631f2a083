package xmlrpc

import (
	"context"
	"errors"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestNewClientURLs(t *testing.T) {
	tests := []struct {
		url      string
		endpoint string
		wantErr  string
	}{
		{"httpu:///var/run/xend/xmlrpc.sock", "http://localhost/RPC2", ""},
		{"http://localhost:8006/", "http://localhost:8006/RPC2", ""},
		{"http://localhost:8006", "http://localhost:8006/RPC2", ""},
		{"https://host:8006/custom", "https://host:8006/custom", ""},
		{"httpu://relative/path", "", "want httpu:///absolute/socket/path"},
		{"ssh://root@host", "", `scheme "ssh" not supported`},
		{"http://", "", "no host"},
		{"::bad", "", "bad server URL"},
	}
	for _, tt := range tests {
		c, err := NewClient(tt.url)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("NewClient(%q) error = %v; want %q", tt.url, err, tt.wantErr)
			}
			continue
		}
		if err != nil || c.endpoint != tt.endpoint {
			t.Errorf("NewClient(%q) = %v, %v; want endpoint %q", tt.url, c, err, tt.endpoint)
		}
	}
}

// TestClientValues: every type of the value model survives Client -> Server ->
// Client over a UNIX socket, nil and struct order included.
func TestClientValues(t *testing.T) {
	addr := startServer(t, &Server{Service: pyService()})
	c, err := NewClient("httpu://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	args := []any{1, math.MinInt32, "a<b&c", "", 1.5, true, nil, []any{1, []any{"x"}}, S("z", 1, "a", nil),
		[]byte{0, 1, 2}, time.Date(2026, 11, 24, 19, 13, 15, 0, time.UTC)}
	got, err := c.Call(ctx, "echo", args...)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, args) {
		t.Errorf("echo(%#v) = %#v", args, got)
	}
	if v, err := c.Call(ctx, "dmesg"); err != nil || v != `line1\nline2\t'q'` {
		t.Errorf("dmesg() = %q, %v; want the repr-escaped text", v, err)
	}
	_, err = c.Call(ctx, "xend.domain", "nosuch")
	if f, ok := AsFault(err); !ok || f.Code != 3 || f.String != "nosuch" {
		t.Errorf("xend.domain(nosuch) error = %v; want fault 3 nosuch", err)
	}
	_, err = c.Call(ctx, "huge")
	if f, ok := AsFault(err); !ok || f.Code != 1 || f.String != "int exceeds XML-RPC limits" {
		t.Errorf("huge() error = %v; want fault 1 int exceeds XML-RPC limits", err)
	}
	if _, err := c.Call(ctx, "echo", make(chan int)); err == nil || !strings.Contains(err.Error(), "cannot marshal") {
		t.Errorf("echo(chan) error = %v; want a client-side marshal error", err)
	}
}

func TestClientProtocolError(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "nope", http.StatusNotFound)
	}))
	defer hs.Close()
	c, err := NewClient(hs.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Call(context.Background(), "m")
	var pe *ProtocolError
	if !errors.As(err, &pe) || pe.Code != 404 || pe.Message != "Not Found" {
		t.Errorf("Call against a 404 server = %v; want ProtocolError 404 Not Found", err)
	}
}

func TestClientNoServer(t *testing.T) {
	c, err := NewClient("httpu:///nonexistent/xmlrpc.sock")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Call(context.Background(), "m")
	if err == nil || !strings.Contains(err.Error(), "no such file or directory") {
		t.Errorf("Call to a missing socket = %v; want the dial error", err)
	}
	var ne *net.OpError
	if !errors.As(err, &ne) {
		t.Errorf("Call to a missing socket = %T; want a wrapped *net.OpError", err)
	}
}

// TestKoloClient: the github.com/kolo/xmlrpc client on the same httpu transport
// unmarshals replies into Go values.
func TestKoloClient(t *testing.T) {
	addr := startServer(t, &Server{Service: pyService()})
	c, err := NewClient("httpu://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	kc, err := c.Kolo()
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	var got []string
	if err := kc.Call("echo", []any{"a", "b"}, &got); err != nil || !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("kolo echo = %v, %v; want [a b]", got, err)
	}
	var sc struct {
		Weight int `xmlrpc:"weight"`
		Cap    int `xmlrpc:"cap"`
	}
	if err := kc.Call("ordered", nil, &sc); err != nil || sc.Weight != 256 {
		t.Errorf("kolo ordered = %+v, %v; want weight 256", sc, err)
	}
}
