package relocation_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/xendshim/xendshim/compat/relocation"
	"github.com/xendshim/xendshim/compat/relocation/policy"
	"github.com/xendshim/xendshim/compat/relocation/xmp"
	"github.com/xendshim/xendshim/toolstack"
)

// localhostWorld is one host sending to itself: sender and receiver share
// the toolstack and the host's certificate, and the policy lets the host's
// own identity send.
func localhostWorld(t *testing.T) *world {
	return newWorld(t, loopback{}, func(w *world) {
		pol, err := policy.Parse([]byte(policyText+`
[peer."xendshim://host/dst"]
may_send = { names = ["web*"] }
quota = { max_memkb = 1048576, max_vcpus = 4 }
`), false)
		if err != nil {
			t.Fatal(err)
		}
		pol.HostRoot = t.TempDir()
		w.recv.Policy = pol
		w.src = w.dst
		w.send.TS = w.dst
		w.send.Endpoint = endpoint(getPKI().dst)
		w.send.Self = "dst"
	})
}

// copiesOn counts the domains with uuid on one host.
func copiesOn(t *testing.T, ts toolstack.Toolstack, uuid string) []toolstack.DomainInfo {
	t.Helper()
	ds, err := ts.ListDomains(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []toolstack.DomainInfo
	for _, d := range ds {
		if strings.EqualFold(d.UUID, uuid) {
			out = append(out, d)
		}
	}
	return out
}

// TestLocalhostMigration: a domain sent to this same host (what `xl
// migrate dom localhost` does) is not refused for the UUID it runs under:
// the sender parks it before the stream and the receiver checks again
// before the restore; it lands once, running, with the same state.
func TestLocalhostMigration(t *testing.T) {
	w := localhostWorld(t)
	ctx := context.Background()
	id, uuid := w.guest(guestConfig("web1"))
	before, err := relocation.Fingerprint(ctx, w.dst, id)
	if err != nil {
		t.Fatal(err)
	}
	res, err := w.send.Migrate(ctx, id, "dst", w.addr, relocation.Options{})
	if err != nil {
		t.Fatalf("localhost migration = %v\naudit: %s", err, w.audit())
	}
	got := copiesOn(t, w.dst, uuid)
	if res.Outcome != relocation.OutcomeCommitted || len(got) != 1 || got[0].Domid != res.Domid || got[0].State&toolstack.StatePaused != 0 {
		t.Fatalf("after the localhost migration: result %+v, copies %+v; want one running copy as domid %d", res, got, res.Domid)
	}
	if after, _ := relocation.Fingerprint(ctx, w.dst, res.Domid); after != before {
		t.Errorf("fingerprint %s after the migration; want %s", after, before)
	}
}

// TestLocalhostSenderMustPark: the exemption is for the domain's own
// migration only. A peer with this host's identity that announces a UUID
// running here and streams without parking it is refused before the
// restore, and the running domain is left alone; any other peer is still
// refused at HELLO.
func TestLocalhostSenderMustPark(t *testing.T) {
	w := localhostWorld(t)
	ctx := context.Background()
	id, uuid := w.guest(guestConfig("web1"))
	raw, err := net.Dial("tcp", w.recvAddr)
	if err != nil {
		t.Fatal(err)
	}
	tc, _, err := endpoint(getPKI().dst).Client(ctx, raw, "dst")
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	tc.SetDeadline(time.Now().Add(10 * time.Second))
	c := xmp.NewConn(tc)
	h := hello("0123456789abcdef0123456789abcdef", "web1", uuid)
	h.Sender = "dst"
	c.Send(xmp.TypeHello, h)
	if err := c.Expect(xmp.TypeAccept, &xmp.Accept{}); err != nil {
		t.Fatalf("HELLO from this host for its own domain = %v; want ACCEPT", err)
	}
	cfg, _ := w.dst.DomainConfig(ctx, id)
	c.Send(xmp.TypeConfig, cfg)
	if err := c.Expect(xmp.TypeConfigOK, &xmp.ConfigOK{}); err != nil {
		t.Fatalf("CONFIG = %v; want CONFIG_OK", err)
	}
	calls := w.dstTS.calls.Load()
	data := []byte("an image that must never be restored")
	sum := sha256.Sum256(data)
	c.SendData(data)
	c.Send(xmp.TypeStreamEnd, xmp.StreamEnd{TotalBytes: uint64(len(data)), SHA256: hex.EncodeToString(sum[:])})
	err = c.Expect(xmp.TypeReady, &xmp.Ready{})
	var pe *xmp.PeerError
	if !errors.As(err, &pe) || pe.Code != xmp.CodeUUIDExists {
		t.Fatalf("stream for a domain still running here = %v; want REJECT %s", err, xmp.CodeUUIDExists)
	}
	w.settle(t)
	if n := w.dstTS.calls.Load(); n != calls {
		t.Errorf("the refused stream reached the toolstack (%d calls)", n-calls)
	}
	if got := copiesOn(t, w.dst, uuid); len(got) != 1 || got[0].Domid != id {
		t.Errorf("copies after the refusal = %+v; want domid %d alone", got, id)
	}

	// Another host's identity is refused at HELLO, as before.
	_, c2 := rawClient(t, w)
	c2.Send(xmp.TypeHello, hello("0123456789abcdef0123456789abcdee", "web1", uuid))
	if err := c2.Expect(xmp.TypeAccept, &xmp.Accept{}); !errors.As(err, &pe) || pe.Code != xmp.CodeUUIDExists {
		t.Errorf("HELLO from src for a uuid running here = %v; want REJECT %s", err, xmp.CodeUUIDExists)
	}
}
