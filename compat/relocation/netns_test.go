package relocation_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// netns is three network namespaces joined by veth pairs, addressed from
// the 198.18.0.0/15 benchmark range and never routed (specs/migration.md
// §4.2): src (198.18.0.1) -- mid (198.18.0.2 | 198.18.0.5) -- dst
// (198.18.0.6). src has no route to dst, so every byte passes the chaos
// proxy in mid. Sockets are made inside a namespace by a goroutine locked
// to an OS thread that has joined it with setns(2); a socket keeps its
// namespace for life.
type netns struct {
	names map[string]string // role -> namespace name
	addr  map[string]string // role -> address
}

func ipCmd(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return nil
}

func setupNetns(t *testing.T) *netns {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("network namespace tests need root (CI runs them as root)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("iproute2's ip is not installed (scripts/deps.d/50-migration.sh installs it)")
	}
	sfx := fmt.Sprintf("%d", os.Getpid()%100000)
	n := &netns{names: map[string]string{"src": "xs-src-" + sfx, "mid": "xs-mid-" + sfx, "dst": "xs-dst-" + sfx},
		addr: map[string]string{"src": "198.18.0.1", "mid": "198.18.0.2", "dst": "198.18.0.6"}}
	for _, ns := range n.names {
		if err := ipCmd("netns", "add", ns); err != nil {
			t.Skipf("cannot create network namespaces here: %v", err)
		}
		t.Cleanup(func() { ipCmd("netns", "del", ns) })
		if err := ipCmd("-n", ns, "link", "set", "lo", "up"); err != nil {
			t.Fatal(err)
		}
	}
	s, m, d := n.names["src"], n.names["mid"], n.names["dst"]
	steps := [][]string{
		{"link", "add", "s0", "netns", s, "type", "veth", "peer", "name", "m0", "netns", m},
		{"link", "add", "d0", "netns", d, "type", "veth", "peer", "name", "m1", "netns", m},
		{"-n", s, "addr", "add", "198.18.0.1/30", "dev", "s0"},
		{"-n", m, "addr", "add", "198.18.0.2/30", "dev", "m0"},
		{"-n", d, "addr", "add", "198.18.0.6/30", "dev", "d0"},
		{"-n", m, "addr", "add", "198.18.0.5/30", "dev", "m1"},
		{"-n", s, "link", "set", "s0", "up"},
		{"-n", m, "link", "set", "m0", "up"},
		{"-n", m, "link", "set", "m1", "up"},
		{"-n", d, "link", "set", "d0", "up"},
	}
	for _, st := range steps {
		if err := ipCmd(st...); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// in runs f on a thread that has joined namespace ns.
func in(ns string, f func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// The thread is not unlocked if restoring fails: Go then
		// discards it when the goroutine ends.
		self, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			errc <- err
			return
		}
		defer self.Close()
		target, err := os.Open("/run/netns/" + ns)
		if err != nil {
			errc <- err
			return
		}
		defer target.Close()
		if e := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); e != nil {
			errc <- fmt.Errorf("setns %s: %v", ns, e)
			return
		}
		err = f()
		if e := unix.Setns(int(self.Fd()), unix.CLONE_NEWNET); e == nil {
			runtime.UnlockOSThread()
		}
		errc <- err
	}()
	return <-errc
}

func (n *netns) listen(role string) (ln net.Listener, err error) {
	err = in(n.names[role], func() error {
		ln, err = net.Listen("tcp", n.addr[role]+":0")
		return err
	})
	return ln, err
}

func (n *netns) dial(role, addr string) (c net.Conn, err error) {
	err = in(n.names[role], func() error {
		c, err = net.DialTimeout("tcp", addr, 5*time.Second)
		return err
	})
	return c, err
}

// TestMatrixNetns runs the scenario matrix with the sender, the chaos
// proxy and the receiver in three network namespaces.
func TestMatrixNetns(t *testing.T) {
	n := setupNetns(t)
	// The topology is real: src cannot reach dst except through mid.
	if c, err := n.dial("src", "198.18.0.6:9"); err == nil {
		c.Close()
		t.Fatal("src reached 198.18.0.6 directly; the namespaces are not isolated")
	}
	runMatrix(t, n, "scenario matrix, network namespaces src -- mid (chaos proxy) -- dst")
}
