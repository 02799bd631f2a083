package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xendshim/xendshim/compat/relocation"
	"github.com/xendshim/xendshim/toolstack"
	"github.com/xendshim/xendshim/toolstack/sim"
)

// A re-executed test binary becomes `xendshim` with the arguments in
// MIGTEST_ARGS. Once the receiver's descriptors are set up it writes stray
// text to standard output and error: if those were still the socket, the
// TLS stream would break and the migration with it.
func init() {
	if os.Getenv("MIGTEST_CHILD") != "1" {
		return
	}
	var args []string
	if err := json.Unmarshal([]byte(os.Getenv("MIGTEST_ARGS")), &args); err != nil {
		fmt.Fprintln(os.Stderr, "MIGTEST_ARGS:", err)
		os.Exit(2)
	}
	migAfterSetup = func() {
		fmt.Fprintln(os.Stdout, "stray text on standard output")
		fmt.Fprintln(os.Stderr, "stray text on standard error")
	}
	os.Exit(run(context.Background(), args, os.Stdout, os.Stderr))
}

// migFixture is two simulated hosts, a PKI made with migrate-cert and a
// receiver policy.
type migFixture struct {
	dir, pki, policy   string
	srcState, dstState string
	uuid, fp           string
}

func migRunCLI(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(context.Background(), args, &out, &errb); code != 0 {
		t.Fatalf("xendshim %s = exit %d: %s%s", strings.Join(args, " "), code, out.String(), errb.String())
	}
	return out.String()
}

func newMigFixture(t *testing.T) *migFixture {
	t.Helper()
	t.Setenv("XENDSHIM_XEND_CONFIG", "")
	f := &migFixture{dir: t.TempDir()}
	f.pki = filepath.Join(f.dir, "pki")
	migRunCLI(t, "migrate-cert", "ca", "--dir", f.pki)
	migRunCLI(t, "migrate-cert", "host", "src", "--dir", f.pki)
	migRunCLI(t, "migrate-cert", "host", "dst", "--dir", f.pki)
	f.policy = filepath.Join(f.dir, "policy.toml")
	os.WriteFile(f.policy, []byte(`
kernels = ["/var/lib/xen/boot/vmlinuz-guest", "/var/lib/xen/boot/initrd-guest"]
[peer."xendshim://host/src"]
may_send = { names = ["web*"] }
quota = { max_memkb = 1048576, max_vcpus = 4 }
`), 0o644)
	f.srcState, f.dstState = filepath.Join(f.dir, "src"), filepath.Join(f.dir, "dst")
	s, err := sim.New(sim.Options{StateDir: filepath.Join(f.srcState, "sim")})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	id, err := s.Create(ctx, &toolstack.DomainConfig{
		CInfo: toolstack.CreateInfo{Type: toolstack.TypePV, Name: "web1"},
		BInfo: toolstack.BuildInfo{MaxVCPUs: 1, MaxMemKB: 131072, TargetMemKB: 131072,
			Kernel: "/var/lib/xen/boot/vmlinuz-guest", Ramdisk: "/var/lib/xen/boot/initrd-guest", PV: &toolstack.BuildInfoPV{}},
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Unpause(ctx, id)
	info, _ := s.Domain(ctx, id)
	f.uuid = info.UUID
	f.fp, _ = relocation.Fingerprint(ctx, s, id)
	return f
}

func (f *migFixture) tlsArgs(host string) []string {
	return []string{"--backend", "sim", "--cert", filepath.Join(f.pki, host+".crt"), "--key", filepath.Join(f.pki, host+".key"),
		"--ca", filepath.Join(f.pki, "ca.crt")}
}

func (f *migFixture) receiverArgs(mode string, log string) []string {
	return append([]string{"migrate-receive", mode, "--state-dir", f.dstState, "--policy", f.policy, "--log", "file:" + log}, f.tlsArgs("dst")...)
}

func (f *migFixture) migrate(t *testing.T, addr string) (string, error) {
	var out, errb bytes.Buffer
	args := append([]string{"migrate", "web1", "dst", "--addr", addr, "--state-dir", f.srcState, "--log", "file:" + filepath.Join(f.dir, "send.log")}, f.tlsArgs("src")...)
	if code := run(context.Background(), args, &out, &errb); code != 0 {
		return out.String(), fmt.Errorf("exit %d: %s", code, errb.String())
	}
	return out.String(), nil
}

// check opens both hosts afresh: the domain must run only on the receiver
// with the source's fingerprint.
func (f *migFixture) check(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	for _, h := range []struct {
		name, dir string
		want      bool
	}{{"src", f.srcState, false}, {"dst", f.dstState, true}} {
		s, err := sim.New(sim.Options{StateDir: filepath.Join(h.dir, "sim")})
		if err != nil {
			t.Fatal(err)
		}
		d, err := toolstack.Lookup(ctx, s, f.uuid)
		if (err == nil) != h.want {
			t.Fatalf("%s: Lookup(%s) = %v; want present=%v", h.name, f.uuid, err, h.want)
		}
		if h.want {
			if d.State&toolstack.StatePaused != 0 {
				t.Errorf("%s: domain is paused; want running", h.name)
			}
			if fp, _ := relocation.Fingerprint(ctx, s, d.Domid); fp != f.fp {
				t.Errorf("%s: fingerprint %.12s; want %.12s", h.name, fp, f.fp)
			}
		}
	}
}

func childCmd(t *testing.T, args []string, extraEnv ...string) *exec.Cmd {
	a, _ := json.Marshal(args)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self)
	cmd.Env = isolatedEnv(append([]string{"MIGTEST_CHILD=1", "MIGTEST_ARGS=" + string(a)}, extraEnv...)...)
	return cmd
}

// TestMigrateReceiveInetd is scenario F15: the receiver runs as inetd runs
// it, with the accepted socket on descriptors 0, 1 and 2 (as xinetd dups
// it). It writes stray text to standard output and error after setup; the
// migration still succeeds because those descriptors were moved to
// /dev/null, and the audit record is in the log file.
func TestMigrateReceiveInetd(t *testing.T) {
	f := newMigFixture(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	log := filepath.Join(f.dir, "recv.log")
	child := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			child <- err
			return
		}
		file, _ := c.(*net.TCPConn).File()
		c.Close()
		cmd := childCmd(t, f.receiverArgs("--inetd", log))
		cmd.Stdin, cmd.Stdout, cmd.Stderr = file, file, file
		err = cmd.Run()
		file.Close()
		child <- err
	}()
	out, err := f.migrate(t, ln.Addr().String())
	if err != nil {
		t.Fatalf("migrate = %v (stdout %q)", err, out)
	}
	if !strings.Contains(out, ": committed") {
		t.Errorf("migrate printed %q; want committed", out)
	}
	select {
	case err := <-child:
		if err != nil {
			t.Errorf("inetd child = %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("inetd child did not exit")
	}
	f.check(t)
	b, _ := os.ReadFile(log)
	if !strings.Contains(string(b), `"outcome":"committed"`) {
		t.Errorf("receiver log lacks the committed audit record:\n%s", b)
	}
	if strings.Contains(string(b), "PRIVATE KEY") {
		t.Error("receiver log contains key material")
	}
}

// TestMigrateReceiveInetdRefusesStderrLog: with --inetd, --log=stderr
// would write into the socket, so it is refused.
func TestMigrateReceiveInetdRefusesStderrLog(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"migrate-receive", "--inetd", "--log", "stderr"}, &out, &errb)
	if code == 0 || !strings.Contains(errb.String(), "--log=stderr with --inetd") {
		t.Errorf("migrate-receive --inetd --log stderr = exit %d, %q; want a refusal", code, errb.String())
	}
}

// TestMigrateReceiveSocketActivation: the receiver started as systemd
// starts it for a .socket unit with Accept=no (LISTEN_PID, LISTEN_FDS=1,
// the listener on descriptor 3) serves a migration and stops on SIGTERM.
func TestMigrateReceiveSocketActivation(t *testing.T) {
	f := newMigFixture(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	file, _ := ln.(*net.TCPListener).File()
	addr := ln.Addr().String()
	ln.Close()
	log := filepath.Join(f.dir, "recv.log")
	a, _ := json.Marshal(f.receiverArgs("--systemd", log))
	self, _ := os.Executable()
	// sh sets LISTEN_PID to its own pid and execs, as systemd does after
	// fork.
	cmd := exec.Command("/bin/sh", "-c", `LISTEN_PID=$$ exec "$0"`, self)
	cmd.Env = isolatedEnv("MIGTEST_CHILD=1", "MIGTEST_ARGS="+string(a), "LISTEN_FDS=1")
	cmd.ExtraFiles = []*os.File{file}
	var childErr bytes.Buffer
	cmd.Stderr = &childErr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	file.Close()
	out, err := f.migrate(t, addr)
	cmd.Process.Signal(syscall.SIGTERM)
	werr := cmd.Wait()
	if err != nil {
		b, _ := os.ReadFile(log)
		t.Fatalf("migrate = %v (stdout %q)\nreceiver: %v %s\n%s", err, out, werr, childErr.String(), b)
	}
	if werr != nil {
		t.Errorf("receiver exit after SIGTERM = %v: %s", werr, childErr.String())
	}
	f.check(t)
}

// TestMigrateResolveList: with nothing pending, migrate-resolve lists
// nothing and succeeds.
func TestMigrateResolveList(t *testing.T) {
	t.Setenv("XENDSHIM_XEND_CONFIG", "")
	out := migRunCLI(t, "migrate-resolve", "--list", "--state-dir", t.TempDir())
	if out != "" {
		t.Errorf("migrate-resolve --list = %q; want nothing", out)
	}
}

func TestMigXLReceiveArgs(t *testing.T) {
	tests := []struct {
		in      []string
		want    string
		wantErr bool
	}{
		{[]string{"xl", "migrate-receive"}, "", false},
		{[]string{"xl", "-t", "-vv", "migrate-receive", "-p", "-e"}, "-p -e", false},
		{[]string{"xl", "migrate-receive", "-r"}, "", true},
		{[]string{"xl", "migrate-receive", "--colo"}, "", true},
		{[]string{"ls", "/"}, "", true},
	}
	for _, tc := range tests {
		got, err := migXLReceiveArgs(tc.in)
		if (err != nil) != tc.wantErr || strings.Join(got, " ") != tc.want {
			t.Errorf("migXLReceiveArgs(%q) = %q, %v; want %q (error %v)", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}
