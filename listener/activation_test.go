package listener

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// childEnv tells the re-executed test binary to act as an activated service.
const childEnv = "XENDSHIM_LISTENER_TEST_CHILD"

// TestMain lets the test binary act as the socket-activated child: it reads
// its sockets with FromSystemd, accepts one connection on each and writes back
// the socket's name and what the environment still holds.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(activatedChild())
	}
	os.Exit(m.Run())
}

func activatedChild() int {
	acts, err := FromSystemd()
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	for _, a := range acts {
		c, err := a.Listener.Accept()
		if err != nil {
			fmt.Fprintln(os.Stderr, "child accept:", err)
			return 3
		}
		fmt.Fprintf(c, "name=%s env=%q\n", a.Name, os.Getenv("LISTEN_FDS")+os.Getenv("LISTEN_PID"))
		c.Close()
	}
	return 0
}

func TestFromSystemdReexec(t *testing.T) {
	tcp, err := TCP("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer tcp.Close()
	sockPath := t.TempDir() + "/a/xmlrpc.sock"
	unix, err := Unix(sockPath)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close()
	tf, _ := tcp.(*net.TCPListener).File()
	uf, _ := unix.File()
	defer tf.Close()
	defer uf.Close()

	// systemd sets LISTEN_PID after fork; a shell sets it to its own pid and
	// execs the service in place, keeping the pid.
	cmd := exec.Command("/bin/sh", "-c", `LISTEN_PID=$$ exec "$0" -test.run=^$`, os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"=1", "LISTEN_FDS=2", "LISTEN_FDNAMES=relocation:xmlrpc")
	cmd.ExtraFiles = []*os.File{tf, uf} // fds 3 and 4
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for _, dial := range []struct{ network, addr, want string }{
		{"tcp", tcp.Addr().String(), `name=relocation env=""`},
		{"unix", sockPath, `name=xmlrpc env=""`},
	} {
		c, err := net.Dial(dial.network, dial.addr)
		if err != nil {
			t.Fatalf("dial %s: %v", dial.addr, err)
		}
		line, err := bufio.NewReader(c).ReadString('\n')
		c.Close()
		if got := strings.TrimSpace(line); got != dial.want {
			t.Errorf("child on %s %s said %q (%v); want %q", dial.network, dial.addr, got, err, dial.want)
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("child: %v; stderr: %s", err, stderr.String())
	}
}

func TestFromSystemdIgnoresOtherPID(t *testing.T) {
	t.Setenv("LISTEN_PID", "1")
	t.Setenv("LISTEN_FDS", "1")
	acts, err := FromSystemd()
	if err != nil || len(acts) != 0 {
		t.Errorf("FromSystemd() with LISTEN_PID=1 = %v, %v; want nothing", acts, err)
	}
	if v, ok := os.LookupEnv("LISTEN_FDS"); ok {
		t.Errorf("LISTEN_FDS still set to %q; want it removed", v)
	}
}

func TestFromSystemdBadValues(t *testing.T) {
	for _, tc := range []struct{ pid, fds string }{
		{"abc", "1"},
		{fmt.Sprint(os.Getpid()), "x"},
		{fmt.Sprint(os.Getpid()), "-1"},
	} {
		t.Run(tc.pid+"/"+tc.fds, func(t *testing.T) {
			t.Setenv("LISTEN_PID", tc.pid)
			t.Setenv("LISTEN_FDS", tc.fds)
			if _, err := FromSystemd(); err == nil {
				t.Errorf("FromSystemd(LISTEN_PID=%s LISTEN_FDS=%s) succeeded; want error", tc.pid, tc.fds)
			}
		})
	}
}
