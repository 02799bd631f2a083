package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xendshim/xendshim/compat/relocation"
	"github.com/xendshim/xendshim/compat/relocation/chaos"
	"github.com/xendshim/xendshim/toolstack"
	"github.com/xendshim/xendshim/toolstack/sim"
)

// addGuest creates and starts another guest on the source host.
func (f *migFixture) addGuest(t *testing.T, name string) (uuid, fp string) {
	t.Helper()
	ctx := context.Background()
	s, err := sim.New(sim.Options{StateDir: filepath.Join(f.srcState, "sim")})
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.Create(ctx, &toolstack.DomainConfig{
		CInfo: toolstack.CreateInfo{Type: toolstack.TypePV, Name: name},
		BInfo: toolstack.BuildInfo{MaxVCPUs: 1, MaxMemKB: 65536, TargetMemKB: 65536,
			Kernel: "/var/lib/xen/boot/vmlinuz-guest", Ramdisk: "/var/lib/xen/boot/initrd-guest", PV: &toolstack.BuildInfoPV{}},
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Unpause(ctx, id)
	info, _ := s.Domain(ctx, id)
	fp, _ = relocation.Fingerprint(ctx, s, id)
	return info.UUID, fp
}

// where reports on which host(s) a UUID is and whether the copies run and
// keep fingerprint fp.
func (f *migFixture) where(t *testing.T, uuid, fp string) (string, bool) {
	t.Helper()
	ctx := context.Background()
	var at []string
	ok := true
	for _, h := range []struct{ name, dir string }{{"src", f.srcState}, {"dst", f.dstState}} {
		s, err := sim.New(sim.Options{StateDir: filepath.Join(h.dir, "sim")})
		if err != nil {
			t.Fatal(err)
		}
		d, err := toolstack.Lookup(ctx, s, uuid)
		if err != nil {
			continue
		}
		at = append(at, h.name)
		got, _ := relocation.Fingerprint(ctx, s, d.Domid)
		ok = ok && d.State&toolstack.StatePaused == 0 && got == fp
	}
	return strings.Join(at, "+"), ok && len(at) == 1
}

// TestMigrateNetnsProcesses: two xendshim processes — `migrate-receive
// --listen` in one network namespace, `migrate` in another — joined only
// through the chaos proxy in a third. A clean migration commits; a
// connection cut in the stream and a sender with a certificate from
// another CA leave their domain running once, at home.
func TestMigrateNetnsProcesses(t *testing.T) {
	n := chaos.NewNetns(t, "c")
	f := newMigFixture(t)
	uuid2, fp2 := f.addGuest(t, "web2")
	uuid3, fp3 := f.addGuest(t, "web3")
	rogue := filepath.Join(f.dir, "rogue")
	migRunCLI(t, "migrate-cert", "ca", "--dir", rogue)
	migRunCLI(t, "migrate-cert", "host", "src", "--dir", rogue)
	self, _ := os.Executable()
	child := func(role string, args []string) (*bytes.Buffer, *bytes.Buffer, func() error, func() error) {
		a, _ := json.Marshal(args)
		cmd := n.Command(role, self)
		cmd.Env = isolatedEnv("MIGTEST_CHILD=1", "MIGTEST_ARGS="+string(a))
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		return &out, &errb, cmd.Start, cmd.Wait
	}

	recvLog := filepath.Join(f.dir, "recv.log")
	rargs := append([]string{"migrate-receive", "--listen", "198.18.0.6:8005", "--state-dir", f.dstState,
		"--policy", f.policy, "--log", "file:" + recvLog}, f.tlsArgs("dst")...)
	a, _ := json.Marshal(rargs)
	recv := n.Command("dst", self)
	recv.Env = isolatedEnv("MIGTEST_CHILD=1", "MIGTEST_ARGS="+string(a))
	var recvErr bytes.Buffer
	recv.Stderr = &recvErr
	if err := recv.Start(); err != nil {
		t.Fatal(err)
	}
	defer recv.Process.Kill()
	for i := 0; ; i++ {
		c, err := n.Dial("mid", "198.18.0.6:8005")
		if err == nil {
			c.Close()
			break
		}
		if i > 100 {
			t.Fatalf("receiver never listened: %s", recvErr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	pl, err := n.Listen("mid", 8005)
	if err != nil {
		t.Fatal(err)
	}
	proxy := &chaos.Proxy{Target: "198.18.0.6:8005", Dial: func(a string) (net.Conn, error) { return n.Dial("mid", a) }}
	ctx, cancel := context.WithCancel(context.Background())
	proxied := make(chan struct{})
	go func() { proxy.Serve(ctx, pl); close(proxied) }()
	defer func() { cancel(); <-proxied }()

	send := func(name, pki string) (string, error) {
		args := []string{"migrate", name, "dst", "--addr", "198.18.0.2:8005", "--state-dir", f.srcState,
			"--log", "file:" + filepath.Join(f.dir, "send.log"), "--backend", "sim",
			"--cert", filepath.Join(pki, "src.crt"), "--key", filepath.Join(pki, "src.key"), "--ca", filepath.Join(f.pki, "ca.crt")}
		out, errb, start, wait := child("src", args)
		if err := start(); err != nil {
			return "", err
		}
		err := wait()
		return strings.TrimSpace(out.String() + " " + errb.String()), err
	}
	type result struct {
		id, fault, exit, where string
		ok                     bool
	}
	var rows []result
	// N1: clean.
	out, err := send("web1", f.pki)
	if err != nil || !strings.Contains(out, "committed") {
		t.Errorf("clean migration of web1 = %v: %s", err, out)
	}
	up, _ := proxy.Bytes(1)
	rows = append(rows, result{id: "N1", fault: "none", exit: fmt.Sprint(err)})
	// F3: cut the second connection at 85% of a clean session's upstream bytes.
	proxy.SetFaults([]chaos.Fault{{Conn: 2, Dir: chaos.Up, After: up * 85 / 100, Kind: chaos.Reset}})
	out, err = send("web2", f.pki)
	if err == nil {
		t.Errorf("migration of web2 through a cut connection succeeded: %s", out)
	}
	rows = append(rows, result{id: "F3", fault: fmt.Sprintf("RST after %d upstream bytes", up*85/100), exit: fmt.Sprint(err)})
	proxy.SetFaults(nil)
	// F8: client certificate from another CA.
	out, err = send("web3", rogue)
	if err == nil {
		t.Errorf("migration of web3 with a rogue certificate succeeded: %s", out)
	}
	rows = append(rows, result{id: "F8", fault: "client cert from a rogue CA", exit: fmt.Sprint(err)})

	recv.Process.Signal(syscall.SIGTERM)
	if err := recv.Wait(); err != nil {
		t.Errorf("receiver exit after SIGTERM = %v: %s", err, recvErr.String())
	}
	for i, want := range []struct{ uuid, fp, at string }{{f.uuid, f.fp, "dst"}, {uuid2, fp2, "src"}, {uuid3, fp3, "src"}} {
		at, ok := f.where(t, want.uuid, want.fp)
		rows[i].where, rows[i].ok = at, ok && at == want.at
		if !rows[i].ok {
			t.Errorf("%s: domain on %q (running with its fingerprint: %v); want running once on %s", rows[i].id, at, ok, want.at)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\ntwo xendshim processes in network namespaces (src -- mid chaos proxy -- dst)\n%-4s %-40s %-6s %-6s %s\n", "ID", "fault", "copy", "ok", "sender exit")
	for _, r := range rows {
		fmt.Fprintf(&b, "%-4s %-40s %-6s %-6v %s\n", r.id, r.fault, r.where, r.ok, r.exit)
	}
	t.Log(b.String())
}
