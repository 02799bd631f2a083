package xend

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xendshim/xendshim/sxp"
	"github.com/xendshim/xendshim/toolstack/sim"
)

// crashChildEnv makes the test binary run crashChild instead of the tests.
const crashChildEnv = "XEND_CRASH_CHILD_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(dir)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// crashChild defines and deletes managed domains as fast as it can and
// prints each acknowledged operation, until it is killed.
func crashChild(dir string) {
	sm, err := sim.New(sim.Options{StateDir: filepath.Join(dir, "sim"), Profile: sim.ReferenceProfile()})
	if err != nil {
		fmt.Println("error", err)
		return
	}
	svc, err := New(sm, Options{DomainsPath: filepath.Join(dir, "domains")})
	if err != nil {
		fmt.Println("error", err)
		return
	}
	ctx := context.Background()
	w := bufio.NewWriter(os.Stdout)
	for i := 0; ; i++ {
		uuid := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		cfg := sxp.List(sxp.Atom("vm"), kv("name", sxp.Atom(fmt.Sprintf("burst%d", i))), kv("uuid", sxp.Atom(uuid)),
			kv("memory", sxp.Int(64)), kv("description", sxp.Atom(strings.Repeat("x", i%300))))
		if err := svc.New(ctx, cfg); err != nil {
			fmt.Fprintln(w, "error", err)
			w.Flush()
			return
		}
		fmt.Fprintln(w, "new", uuid)
		w.Flush()
		if i%2 == 1 {
			prev := fmt.Sprintf("00000000-0000-4000-8000-%012d", i-1)
			if err := svc.Delete(ctx, Name(prev)); err != nil {
				fmt.Fprintln(w, "error", err)
				w.Flush()
				return
			}
			fmt.Fprintln(w, "del", prev)
			w.Flush()
		}
	}
}

// TestKillDuringNewDelete SIGKILLs a process in the middle of a burst of
// new and delete calls, then checks that the store it left holds every
// acknowledged domain, none that was acknowledged deleted, and nothing
// corrupt.
func TestKillDuringNewDelete(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[string]bool{} // uuid -> exists
	last := ""                 // the last acknowledged line
	sc := bufio.NewScanner(out)
	deadline := time.Now().Add(1500 * time.Millisecond)
	ops := 0
	killed := false
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 2 && f[0] == "new":
			acked[f[1]] = true
		case len(f) == 2 && f[0] == "del":
			acked[f[1]] = false
		default:
			t.Fatalf("child: %s", sc.Text())
		}
		last = sc.Text()
		ops++
		if !killed && ops >= 40 && time.Now().After(deadline) {
			// Kill mid-burst, then read the acknowledgements the child
			// wrote before it died: the pipe holds them until EOF.
			cmd.Process.Signal(syscall.SIGKILL)
			killed = true
		}
	}
	cmd.Wait()
	if ops < 40 {
		t.Fatalf("child acknowledged only %d operations", ops)
	}

	var problems []string
	svc, err := New(nil, Options{DomainsPath: filepath.Join(dir, "domains"),
		Logf: func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Errorf("store after kill -9 has problems: %v", problems)
	}
	// The operation after the last acknowledged one was in flight when the
	// child died: it may or may not have happened. After "new <odd i>"
	// the child deletes domain i-1.
	inFlight := ""
	if f := strings.Fields(last); len(f) == 2 && f[0] == "new" {
		var i int
		fmt.Sscanf(f[1][len(f[1])-12:], "%d", &i)
		if i%2 == 1 {
			inFlight = fmt.Sprintf("00000000-0000-4000-8000-%012d", i-1)
		}
	}
	for uuid, exists := range acked {
		if uuid == inFlight {
			continue
		}
		_, got := svc.recs[uuid]
		if got != exists {
			t.Errorf("after kill -9: domain %s present = %v; want %v (last acknowledged)", uuid, got, exists)
		}
	}
	t.Logf("killed after %d acknowledged operations; store holds %d domains", ops, len(svc.recs))
}
