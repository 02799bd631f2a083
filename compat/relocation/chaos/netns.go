package chaos

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Netns is the test topology of specs/migration.md §4.2: three network
// namespaces joined by veth pairs, addressed from the 198.18.0.0/15
// benchmark range and never routed: src (198.18.0.1) -- mid (198.18.0.2 |
// 198.18.0.5) -- dst (198.18.0.6). src has no route to dst, so every byte
// passes whatever runs in mid (the chaos proxy).
type Netns struct {
	// Names maps a role ("src", "mid", "dst") to its namespace name.
	Names map[string]string
	// Addr maps a role to the address it listens on.
	Addr map[string]string
}

// TB is the part of testing.TB that NewNetns uses.
type TB interface {
	Helper()
	Skip(args ...any)
	Skipf(format string, args ...any)
	Fatal(args ...any)
	Cleanup(func())
}

func ipCmd(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return nil
}

// NewNetns builds the topology with namespaces named xs-<role>-<tag>-<pid>
// and removes it when the test ends. It skips the test without root or
// without iproute2.
func NewNetns(t TB, tag string) *Netns {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("network namespace tests need root (CI runs them as root)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("iproute2's ip is not installed (scripts/deps.d/50-migration.sh installs it)")
	}
	sfx := fmt.Sprintf("%s-%d", tag, os.Getpid()%100000)
	n := &Netns{Names: map[string]string{"src": "xs-src-" + sfx, "mid": "xs-mid-" + sfx, "dst": "xs-dst-" + sfx},
		Addr: map[string]string{"src": "198.18.0.1", "mid": "198.18.0.2", "dst": "198.18.0.6"}}
	for _, role := range []string{"src", "mid", "dst"} {
		ns := n.Names[role]
		if err := ipCmd("netns", "add", ns); err != nil {
			t.Skipf("cannot create network namespaces here: %v", err)
		}
		t.Cleanup(func() { ipCmd("netns", "del", ns) })
		if err := ipCmd("-n", ns, "link", "set", "lo", "up"); err != nil {
			t.Fatal(err)
		}
	}
	s, m, d := n.Names["src"], n.Names["mid"], n.Names["dst"]
	for _, st := range [][]string{
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
	} {
		if err := ipCmd(st...); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// In runs f on an OS thread that has joined namespace ns; sockets made by
// f stay in ns for life.
func In(ns string, f func() error) error {
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
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns %s: %v", ns, err)
			return
		}
		err = f()
		if unix.Setns(int(self.Fd()), unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		errc <- err
	}()
	return <-errc
}

// Listen listens on the role's address (port 0 = any) inside its namespace.
func (n *Netns) Listen(role string, port int) (ln net.Listener, err error) {
	err = In(n.Names[role], func() error {
		ln, err = net.Listen("tcp", fmt.Sprintf("%s:%d", n.Addr[role], port))
		return err
	})
	return ln, err
}

// Dial connects to addr from inside the role's namespace.
func (n *Netns) Dial(role, addr string) (c net.Conn, err error) {
	err = In(n.Names[role], func() error {
		c, err = net.DialTimeout("tcp", addr, 5*time.Second)
		return err
	})
	return c, err
}

// Command returns a command that runs argv inside the role's namespace
// (ip netns exec).
func (n *Netns) Command(role string, argv ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", n.Names[role]}, argv...)...)
}
