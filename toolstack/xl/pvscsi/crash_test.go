package pvscsi

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/xendshim/xendshim/toolstack"
	"github.com/xendshim/xendshim/xenstore"
)

// TestCrashBetweenSteps kills a process (this test binary, re-executed as
// TestCrashChild) with SIGKILL in the middle of an attach: after the
// journal record, after the kernel target was made in configfs (before
// any xenstore node), and after the xenstore nodes were written. The host
// is left half done; a new controller's Reconcile (what xendshim runs at
// start) must undo it all: no kernel object, no xenstore node, no journal
// record, never a half-exported LUN.
func TestCrashBetweenSteps(t *testing.T) {
	tests := []struct {
		step     string
		objects  int  // configfs objects the crash leaves
		xenstore bool // controller nodes the crash leaves
		phase    string
	}{
		{"journal", 0, false, PhaseConfigfs},
		{"configfs", 1, false, PhaseConfigfs},
		{"xenstore", 1, true, PhaseXenstore},
	}
	for _, tt := range tests {
		t.Run(tt.step, func(t *testing.T) {
			e := newEnv(t)
			sock := filepath.Join(t.TempDir(), "xs.sock")
			if err := e.srv.ListenUnix(sock); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), "PVSCSI_CRASH_AT="+tt.step, "PVSCSI_CRASH_SOCK="+sock,
				"PVSCSI_CRASH_DIRS="+e.root+string(os.PathListSeparator)+e.sys+string(os.PathListSeparator)+e.dev+string(os.PathListSeparator)+e.state)
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("child = %v; want it killed\n%s", err, out)
			}
			if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("child ended with %v; want SIGKILL at step %s\n%s", err, tt.step, out)
			}

			// what the crash left
			j := e.journal()
			if len(j) != 1 || j[0].Phase != tt.phase {
				t.Fatalf("journal after crash at %s = %+v; want one record in phase %s", tt.step, j, tt.phase)
			}
			if got := e.ourObjects(); len(got) != tt.objects {
				t.Errorf("configfs after crash at %s = %v; want %d objects", tt.step, got, tt.objects)
			}
			if got := e.has(backendPath(testDomid, 0)); got != tt.xenstore {
				t.Errorf("backend in xenstore after crash at %s = %v; want %v", tt.step, got, tt.xenstore)
			}

			// the next start
			rep, err := e.controller(e.xs).Reconcile(context.Background())
			if err != nil {
				t.Fatalf("Reconcile after crash at %s = %v", tt.step, err)
			}
			if len(rep.Undone) != 1 || len(rep.Kept)+len(rep.Gone)+len(rep.Finished)+len(rep.Orphans) != 0 {
				t.Errorf("Reconcile report = %+v; want the one attach undone", rep)
			}
			if got := e.ourObjects(); len(got) != 0 {
				t.Errorf("configfs after Reconcile = %v; want none of xendshim's objects", got)
			}
			if e.has(backendPath(testDomid, 0)) || e.has(frontendPath(testDomid, 0)) {
				t.Errorf("controller nodes left in xenstore after Reconcile")
			}
			if got := e.journal(); len(got) != 0 {
				t.Errorf("journal after Reconcile = %+v; want empty", got)
			}
			// and the LUN can be given again
			e.startDrivers(true)
			if _, err := e.c.Attach(context.Background(), testDomid, toolstack.DeviceVSCSI{Devid: 0, LUNs: lunsOf("2:0:0:0", "0:0:0:0")}); err != nil {
				t.Errorf("Attach after Reconcile = %v", err)
			}
		})
	}
}

// TestCrashChild is the process TestCrashBetweenSteps kills; it does
// nothing when run on its own.
func TestCrashChild(t *testing.T) {
	step := os.Getenv("PVSCSI_CRASH_AT")
	if step == "" {
		t.Skip("helper process of TestCrashBetweenSteps")
	}
	dirs := filepath.SplitList(os.Getenv("PVSCSI_CRASH_DIRS"))
	xs, err := xenstore.Dial(os.Getenv("PVSCSI_CRASH_SOCK"))
	if err != nil || len(dirs) != 4 {
		t.Fatalf("child setup: %v %v", err, dirs)
	}
	c, err := New(Options{Xenstore: xs, ConfigFS: dirs[0], FS: &fakeFS{}, SysFS: dirs[1], DevDir: dirs[2], StateDir: dirs[3],
		Timeout: 5 * time.Second, Poll: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	c.hook = func(s string) {
		if s == step {
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		}
	}
	_, err = c.Attach(context.Background(), testDomid, toolstack.DeviceVSCSI{Devid: 0, LUNs: lunsOf("2:0:0:0", "0:0:0:0")})
	t.Fatalf("Attach returned %v; the crash at %q did not happen", err, step)
}
