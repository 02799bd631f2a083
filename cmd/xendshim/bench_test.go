package main

import (
	"net"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// BenchmarkServeStartToReady measures how long `xendshim serve` on the
// simulated host takes from exec until its XML-RPC socket accepts, plus a
// clean SIGTERM shutdown.
func BenchmarkServeStartToReady(b *testing.B) {
	for b.Loop() {
		dir := b.TempDir()
		sock := filepath.Join(dir, "run", "xmlrpc.sock")
		cmd := exec.Command(binary, "serve", "--backend", "sim", "--state-dir", filepath.Join(dir, "state"),
			"--xmlrpc-socket", sock, "--http-socket", "")
		cmd.Env = isolatedEnv()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		for {
			if c, err := net.Dial("unix", sock); err == nil {
				c.Close()
				break
			}
			time.Sleep(time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			b.Fatal(err)
		}
	}
}
