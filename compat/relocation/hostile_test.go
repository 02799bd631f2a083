package relocation_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/xendshim/xendshim/compat/relocation"
	"github.com/xendshim/xendshim/compat/relocation/journal"
	"github.com/xendshim/xendshim/compat/relocation/xmp"
	"github.com/xendshim/xendshim/toolstack"
)

// rawClient authenticates as src and returns an XMP/1 connection to the
// receiver directly (no proxy), so a test can send frames no honest
// sender would.
func rawClient(t *testing.T, w *world) (net.Conn, *xmp.Conn) {
	t.Helper()
	raw, err := net.Dial("tcp", w.recvAddr)
	if err != nil {
		t.Fatal(err)
	}
	tc, _, err := endpoint(getPKI().src).Client(context.Background(), raw, "dst")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tc.Close() })
	tc.SetDeadline(time.Now().Add(10 * time.Second))
	return tc, xmp.NewConn(tc)
}

func hello(id, name, uuid string) xmp.Hello {
	return xmp.Hello{Proto: xmp.Proto, Sender: "src", MigrationID: id, Domain: xmp.DomainRef{Name: name, UUID: uuid},
		Format: relocation.Format, MemKB: 131072, VCPUs: 2}
}

const uuid1 = "11111111-2222-3333-4444-555555555555"

// TestHostileFrames is scenario F11/F13 at the frame level: malformed,
// oversized and replayed messages from an authenticated peer are refused
// with a specific code and the receiver's toolstack is never called.
func TestHostileFrames(t *testing.T) {
	cfgJSON := func(extra string) []byte {
		return []byte(`{"c_info":{"type":"pv","name":"web1","uuid":"` + uuid1 + `"` + extra + `},"b_info":{"sched_params":{}}}`)
	}
	tests := []struct {
		name string
		// send writes frames after a good HELLO/ACCEPT unless noHello.
		noHello bool
		id      string
		send    func(c *xmp.Conn, raw net.Conn)
		code    string
	}{
		{name: "unknown field in CONFIG", send: func(c *xmp.Conn, raw net.Conn) { xmp.WriteFrame(raw, xmp.TypeConfig, cfgJSON(`,"evil":1`)) }, code: xmp.CodeProtocol},
		{name: "CONFIG nested 10000 deep", send: func(c *xmp.Conn, raw net.Conn) {
			deep := `{"c_info":{"xsdata":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}}`
			xmp.WriteFrame(raw, xmp.TypeConfig, []byte(deep))
		}, code: xmp.CodeProtocol},
		{name: "CONFIG over 1 MiB", send: func(c *xmp.Conn, raw net.Conn) {
			var h [5]byte
			h[0] = byte(xmp.TypeConfig)
			binary.BigEndian.PutUint32(h[1:], 2<<20)
			raw.Write(h[:])
		}, code: xmp.CodeProtocol},
		{name: "DATA length 0xFFFFFFFF", send: func(c *xmp.Conn, raw net.Conn) {
			xmp.WriteFrame(raw, xmp.TypeConfig, cfgJSON(""))
			raw.Write([]byte{byte(xmp.TypeData), 0xFF, 0xFF, 0xFF, 0xFF})
		}, code: xmp.CodeProtocol},
		{name: "STREAM_END with the wrong hash", send: func(c *xmp.Conn, raw net.Conn) {
			xmp.WriteFrame(raw, xmp.TypeConfig, cfgJSON(""))
			c.SendData([]byte("not a stream"))
			c.Send(xmp.TypeStreamEnd, xmp.StreamEnd{TotalBytes: 12, SHA256: "00"})
		}, code: xmp.CodeStream},
		{name: "stream that is not a migration image", send: func(c *xmp.Conn, raw net.Conn) {
			xmp.WriteFrame(raw, xmp.TypeConfig, cfgJSON(""))
			c.SendData([]byte("garbage"))
			sum := sha256.Sum256([]byte("garbage"))
			c.Send(xmp.TypeStreamEnd, xmp.StreamEnd{TotalBytes: 7, SHA256: hex.EncodeToString(sum[:])})
		}, code: xmp.CodeBackend},
		{name: "GO before READY", send: func(c *xmp.Conn, raw net.Conn) { c.Send(xmp.TypeGo, xmp.Go{}) }, code: xmp.CodeProtocol},
		{name: "malformed migration id", id: "../../etc", send: func(c *xmp.Conn, raw net.Conn) {}, code: xmp.CodeProtocol},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, loopback{}, nil)
			raw, c := rawClient(t, w)
			id := tc.id
			if id == "" {
				id = "0123456789abcdef0123456789abcde0"
			}
			c.Send(xmp.TypeHello, hello(id, "web1", uuid1))
			if tc.id == "" {
				if err := c.Expect(xmp.TypeAccept, &xmp.Accept{}); err != nil {
					t.Fatalf("HELLO: %v", err)
				}
			}
			tc.send(c, raw)
			var code string
			for {
				f, err := c.Read()
				if err != nil {
					break
				}
				if f.Type == xmp.TypeConfigOK {
					continue
				}
				if err := f.As(xmp.TypeReady, nil); err != nil {
					var pe *xmp.PeerError
					if errors.As(err, &pe) {
						code = pe.Code
					}
					break
				}
			}
			if code != tc.code {
				t.Errorf("receiver answered code %q; want %q", code, tc.code)
			}
			w.settle(t)
			if n := w.dstTS.calls.Load(); n != 0 && tc.code != xmp.CodeBackend {
				t.Errorf("receiver toolstack calls = %d; want 0", n)
			}
			if ds, _ := w.dst.ListDomains(context.Background()); len(ds) != 1 {
				t.Errorf("receiver has %d domains; want only Domain-0", len(ds))
			}
		})
	}
}

// TestReplays is scenario F13: a captured session replayed byte for byte
// fails in TLS; an old migration id in a new session is REJECT replay; a
// UUID that already runs on the receiver is REJECT uuid-exists.
func TestReplays(t *testing.T) {
	w := newWorld(t, loopback{}, nil)
	id, uuid := w.guest(guestConfig("web1"))
	res, err := w.send.Migrate(context.Background(), id, "dst", w.addr, relocation.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("verbatim replay of the TLS session", func(t *testing.T) {
		rec := w.proxy.Recorded(1)
		if len(rec) == 0 {
			t.Fatal("nothing recorded")
		}
		c, err := net.Dial("tcp", w.recvAddr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		c.Write(rec)
		var got bytes.Buffer
		got.ReadFrom(c)
		before := w.dstTS.calls.Load()
		w.settle(t)
		if w.dstTS.calls.Load() != before {
			t.Errorf("replay reached the toolstack")
		}
		if !strings.Contains(w.audit(), `"phase_reached":"handshake","outcome":"rejected"`) {
			t.Errorf("no handshake rejection audited for the replay")
		}
	})
	t.Run("old migration id in a new session", func(t *testing.T) {
		// The domain is gone from dst for this check to reach the id test.
		d, _ := toolstack.Lookup(context.Background(), w.dst, uuid)
		w.dst.Destroy(context.Background(), d.Domid)
		_, c := rawClient(t, w)
		c.Send(xmp.TypeHello, hello(res.MigrationID, "web1", uuid))
		err := c.Expect(xmp.TypeAccept, &xmp.Accept{})
		var pe *xmp.PeerError
		if !errors.As(err, &pe) || pe.Code != xmp.CodeReplay {
			t.Errorf("HELLO with a used id = %v; want REJECT replay", err)
		}
	})
	t.Run("uuid already running", func(t *testing.T) {
		cfg := guestConfig("web1")
		cfg.CInfo.UUID = uuid
		if _, err := w.dst.Create(context.Background(), cfg); err != nil {
			t.Fatal(err)
		}
		_, c := rawClient(t, w)
		c.Send(xmp.TypeHello, hello("0123456789abcdef0123456789abcdee", "web1", uuid))
		err := c.Expect(xmp.TypeAccept, &xmp.Accept{})
		var pe *xmp.PeerError
		if !errors.As(err, &pe) || pe.Code != xmp.CodeUUIDExists {
			t.Errorf("HELLO for a running uuid = %v; want REJECT uuid-exists", err)
		}
	})
}

// TestRecoverAfterCrash is scenario F7 for the receiver: the receiver
// hangs after READY (holding its lock) and then dies, leaving a paused copy
// and a READY entry. While it lives, Recover leaves its entry alone; after
// its death (a journal with no lock held, on the same host) Recover
// destroys the copy and journals ABORTED, and the sender's RESOLVE to the
// restarted receiver resumes the domain at home: one copy, same state.
func TestRecoverAfterCrash(t *testing.T) {
	release := make(chan struct{})
	w := newWorld(t, loopback{}, func(w *world) {
		w.recv.Hook = func(phase string, c net.Conn) {
			if phase == "ready" {
				<-release
			}
		}
		w.send.ResolveAttempts = 1
	})
	t.Cleanup(func() { close(release) }) // runs before the world closes
	id, uuid := w.guest(guestConfig("web1"))
	before := w.find(uuid)
	res, err := w.send.Migrate(context.Background(), id, "dst", w.addr, relocation.Options{})
	if !errors.Is(err, relocation.ErrUnresolved) {
		t.Fatalf("Migrate against a hung receiver = %v; want ErrUnresolved", err)
	}
	if c := w.find(uuid); c.running != 0 || c.paused != 1 || c.where != "dst" {
		t.Fatalf("while unresolved: %+v; want no running copy, one paused on dst (src parked)", c)
	}
	if n, _ := w.recv.Recover(context.Background()); n != 0 {
		t.Errorf("Recover aborted %d entries locked by a live handler; want 0", n)
	}
	// The receiver process dies: its flock goes with it. Model the
	// restarted process as a new Receiver whose journal is a copy of the
	// old one (same entries, no lock held), on the same host.
	e, err := w.recv.Journal.Get(res.MigrationID)
	if err != nil || e.State != journal.Ready {
		t.Fatalf("receiver entry = %+v, %v; want READY", e, err)
	}
	j2, _ := journal.Open(t.TempDir(), true)
	j2.Create(e)
	r2 := &relocation.Receiver{TS: w.recv.TS, Policy: w.recv.Policy, Endpoint: w.recv.Endpoint, Journal: j2,
		SpoolDir: w.recv.SpoolDir, Limits: w.recv.Limits}
	if n, err := r2.Recover(context.Background()); n != 1 || err != nil {
		t.Fatalf("Recover after restart = %d, %v; want 1 aborted", n, err)
	}
	if e, _ := j2.Get(res.MigrationID); e.State != journal.Aborted {
		t.Errorf("entry after Recover = %s; want ABORTED", e.State)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() { r2.Serve(ctx, ln); close(served) }()
	defer func() { cancel(); <-served }()
	w.proxy.SetTarget(ln.Addr().String())
	got, err := w.send.Resolve(context.Background(), res.MigrationID, false)
	if err != nil || got.Outcome != relocation.OutcomeResumed {
		t.Fatalf("Resolve = %+v, %v; want resumed", got, err)
	}
	after := w.find(uuid)
	if after.running != 1 || after.paused != 0 || after.where != "src" || after.fp != before.fp {
		t.Errorf("after recovery: %+v; want one running copy on src with fingerprint %.12s", after, before.fp)
	}
}

// TestBusy: while one migration of a UUID is in progress, a second HELLO
// for the same UUID is REJECT busy.
func TestBusy(t *testing.T) {
	w := newWorld(t, loopback{}, nil)
	_, c1 := rawClient(t, w)
	c1.Send(xmp.TypeHello, hello("0123456789abcdef0123456789abcd01", "web1", uuid1))
	if err := c1.Expect(xmp.TypeAccept, &xmp.Accept{}); err != nil {
		t.Fatal(err)
	}
	_, c2 := rawClient(t, w)
	c2.Send(xmp.TypeHello, hello("0123456789abcdef0123456789abcd02", "web1", uuid1))
	err := c2.Expect(xmp.TypeAccept, &xmp.Accept{})
	var pe *xmp.PeerError
	if !errors.As(err, &pe) || pe.Code != xmp.CodeBusy {
		t.Errorf("second HELLO for the same uuid = %v; want REJECT busy", err)
	}
}

// TestXendMigrator: xend.domain.migrate's arguments map onto XMP/1; only
// configured peers are reachable; xend's 8002/8003 ports are ignored.
func TestXendMigrator(t *testing.T) {
	w := newWorld(t, loopback{}, nil)
	m := &relocation.XendMigrator{Sender: w.send, Peers: map[string]relocation.Peer{"hv-b": {Name: "dst", Addr: w.addr}}}
	id, uuid := w.guest(guestConfig("web1"))
	if err := m.Migrate(context.Background(), id, "elsewhere.example", 0, true, false); err == nil || !strings.Contains(err.Error(), "not a configured migration peer") {
		t.Errorf("Migrate(unknown host) = %v; want a refusal", err)
	}
	if err := m.Migrate(context.Background(), id, "xenmigr://hv-b:8002/", 0, true, false); err != nil {
		t.Fatalf("Migrate(xenmigr://hv-b:8002/) = %v", err)
	}
	if c := w.find(uuid); c.where != "dst" || c.running != 1 {
		t.Errorf("after migrate: %+v; want running on dst", c)
	}
}

// TestPreAuthFloodIsRateLimited: a flood of connections that fail the
// handshake logs at most the burst, not one record each.
func TestPreAuthFloodIsRateLimited(t *testing.T) {
	w := newWorld(t, loopback{}, nil)
	for i := 0; i < 60; i++ {
		c, err := net.Dial("tcp", w.recvAddr)
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte("GET / HTTP/1.0\r\n\r\n"))
		io.ReadAll(c)
		c.Close()
	}
	w.close()
	n := strings.Count(w.audit(), `"outcome":"rejected"`)
	if n == 0 || n > 40 {
		t.Errorf("%d audit records for 60 failed handshakes; want between 1 and 40 (burst 20 + rate)", n)
	}
}

// TestSenderCrashMidStream is scenario F7 for the sender: the sender dies
// while streaming (a panic unwinds Migrate without its error handling, as
// a kill would leave it: the domain parked in the spool, the journal at
// SENDING). The receiver aborts on the broken connection; migrate-resolve
// (Resolve) resumes the parked domain at home: one copy, same state.
func TestSenderCrashMidStream(t *testing.T) {
	w := newWorld(t, loopback{}, func(w *world) {
		w.send.Hook = func(phase string, c net.Conn) {
			if phase == "stream" {
				closeConn(c)
				panic("sender killed")
			}
		}
	})
	id, uuid := w.guest(guestConfig("web1"))
	before := w.find(uuid)
	func() {
		defer func() { recover() }()
		w.send.Migrate(context.Background(), id, "dst", w.addr, relocation.Options{})
	}()
	w.settle(t)
	if c := w.find(uuid); c.running+c.paused != 0 {
		t.Fatalf("after the crash: %+v; want the domain only parked in the spool", c)
	}
	pending, _ := w.send.Pending()
	if len(pending) != 1 || pending[0].State != journal.Sending {
		t.Fatalf("pending = %+v; want one SENDING migration", pending)
	}
	res, err := w.send.Resolve(context.Background(), pending[0].ID, false)
	if err != nil || res.Outcome != relocation.OutcomeResumed {
		t.Fatalf("Resolve = %+v, %v; want resumed", res, err)
	}
	if c := w.find(uuid); c.running != 1 || c.where != "src" || c.fp != before.fp {
		t.Errorf("after Resolve: %+v; want running once on src with fingerprint %.12s", c, before.fp)
	}
}
