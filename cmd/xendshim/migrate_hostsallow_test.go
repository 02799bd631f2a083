package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMigrateReceiveLegacyHostsAllow: the xend relocation listener of
// migrate-receive filters peers through xend-relocation-hosts-allow
// patterns, from --legacy-hosts-allow or else from the configuration. The
// policy admits 127.0.0.0/8 as a cidr peer, so only the filter can turn
// the test client (127.0.0.1) away: a refused peer is closed without a
// byte, an admitted one gets xend's answer to "help".
func TestMigrateReceiveLegacyHostsAllow(t *testing.T) {
	f := newMigFixture(t)
	os.WriteFile(f.policy, []byte(`
[peer."xendshim://host/src"]
may_send = { names = ["web*"] }

[peer."cidr:127.0.0.0/8"]
may_send = { names = ["legacy-*"] }
`), 0o644)
	for _, c := range []struct {
		name  string
		flags []string
		env   string // XENDSHIM_RELOCATION_HOSTS_ALLOW: the configuration's value
		reply string // "" = closed without a reply
	}{
		{"flag_admits_ip", []string{"--legacy-hosts-allow", `^192\.0\.2\. 127\.0\.0\.1`}, "", "(ok (help quit receive sslreceive))\n"},
		{"flag_refuses", []string{"--legacy-hosts-allow", `^192\.0\.2\.`}, "", ""},
		{"config_refuses", nil, `^198\.51\.100\.`, ""},
		{"flag_overrides_config", []string{"--legacy-hosts-allow", `127\.`}, `^198\.51\.100\.`, "(ok (help quit receive sslreceive))\n"},
		{"no_patterns_admit_all", nil, "", "(ok (help quit receive sslreceive))\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("XENDSHIM_RELOCATION_HOSTS_ALLOW", c.env)
			addr := freeAddr(t)
			log := filepath.Join(f.dir, c.name+".log")
			args := append(f.receiverArgs("--listen=127.0.0.1:0", log), "--legacy-listen", addr)
			args = append(args, c.flags...)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan string, 1)
			go func() {
				var out, errb bytes.Buffer
				run(ctx, args, &out, &errb)
				done <- errb.String()
			}()
			defer func() {
				cancel()
				select {
				case <-done:
				case <-time.After(20 * time.Second):
					t.Error("migrate-receive did not stop")
				}
			}()
			conn := dialRetry(t, addr, done)
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			if _, err := conn.Write([]byte("help\n")); err != nil && c.reply != "" {
				t.Fatal(err)
			}
			buf := make([]byte, len("(ok (help quit receive sslreceive))\n"))
			n, err := io.ReadFull(conn, buf)
			got := string(buf[:n])
			if c.reply == "" {
				if n != 0 || err == nil || os.IsTimeout(err) {
					t.Errorf("refused peer read %q, %v; want EOF and no bytes", got, err)
				}
				b, _ := os.ReadFile(log)
				if !strings.Contains(string(b), "rejected connection") {
					t.Errorf("receiver log lacks the rejection:\n%s", b)
				}
			} else if got != c.reply {
				t.Errorf("reply to help = %q, %v; want %q", got, err, c.reply)
			}
		})
	}
}

// TestMigrateReceiveLegacyHostsAllowErrors: a pattern that does not compile
// stops migrate-receive at startup with an error naming it, and the flag
// without --legacy-listen is a usage error.
func TestMigrateReceiveLegacyHostsAllowErrors(t *testing.T) {
	t.Setenv("XENDSHIM_XEND_CONFIG", "")
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"bad_pattern", []string{"--legacy-listen", "127.0.0.1:0", "--legacy-hosts-allow", `ok\. ((`}, `--legacy-hosts-allow "ok\\. ((": listener: hosts-allow pattern "(("`},
		{"without_legacy_listen", []string{"--legacy-hosts-allow", `^10\.`}, "give --legacy-listen ADDR too"},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"migrate-receive", "--listen", "127.0.0.1:0", "--backend", "sim", "--state-dir", dir,
				"--log", "file:" + filepath.Join(dir, "recv.log")}, c.args...)
			var out, errb bytes.Buffer
			code := run(context.Background(), args, &out, &errb)
			if code == 0 || !strings.Contains(errb.String(), c.want) {
				t.Errorf("migrate-receive %s = exit %d, %q; want a failure containing %q", strings.Join(c.args, " "), code, errb.String(), c.want)
			}
		})
	}
}

// freeAddr returns a loopback address with a port nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// dialRetry connects to addr once the receiver listens; it fails the test
// if the receiver exits first.
func dialRetry(t *testing.T, addr string, exited chan string) net.Conn {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			return c
		}
		select {
		case msg := <-exited:
			exited <- msg
			t.Fatalf("migrate-receive exited before listening: %s", msg)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing listens on %s: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
