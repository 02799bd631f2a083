package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xendshim/xendshim/toolstack"
	"github.com/xendshim/xendshim/toolstack/xlsave"
)

const migXLBanner = "xl migration receiver ready, send binary domain data.\n"

// With MIGTEST_FAKEXL=1 the test binary is `xl migrate-receive`: banner,
// save header, stream to EOF; it records the config and the stream's hash
// in $MIGTEST_XLOUT.
func init() {
	if os.Getenv("MIGTEST_FAKEXL") != "1" {
		return
	}
	os.Stdout.Write([]byte(migXLBanner))
	_, js, err := xlsave.ReadHeader(os.Stdin)
	if err != nil {
		os.Exit(1)
	}
	h := sha256.New()
	io.Copy(h, os.Stdin)
	os.WriteFile(os.Getenv("MIGTEST_XLOUT"), []byte(fmt.Sprintf("%s %x %s", js, h.Sum(nil), strings.Join(os.Args[1:], " "))), 0o644)
	os.Stdout.Write([]byte("domain received, ready to unpause\x00"))
	os.Exit(0)
}

func migXLImage(cfg *toolstack.DomainConfig, stream []byte) []byte {
	js, _ := json.Marshal(cfg)
	return append(xlsave.AppendHeader(nil, js), stream...)
}

// TestMigrateConnectXL: `xl migrate -s "xendshim migrate-connect ..."` as
// xl runs it (the rune's argv, xl's stream on stdin/stdout) to a receiver
// under inetd with --xl, whose `xl` is a fake on PATH.
func TestMigrateConnectXL(t *testing.T) {
	f := newMigFixture(t)
	self, _ := os.Executable()
	bindir := t.TempDir()
	os.WriteFile(filepath.Join(bindir, "xl"), []byte("#!/bin/sh\nMIGTEST_FAKEXL=1 exec "+self+" \"$@\"\n"), 0o755)
	xlout := filepath.Join(f.dir, "xl.out")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	child := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			child <- err
			return
		}
		file, _ := c.(*net.TCPConn).File()
		c.Close()
		cmd := childCmd(t, append(f.receiverArgs("--inetd", filepath.Join(f.dir, "recv.log")), "--xl"),
			"PATH="+bindir+":"+os.Getenv("PATH"), "MIGTEST_XLOUT="+xlout)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = file, file, file
		child <- cmd.Run()
		file.Close()
	}()
	cfg := &toolstack.DomainConfig{CInfo: toolstack.CreateInfo{Type: toolstack.TypePV, Name: "web9", UUID: "11111111-2222-3333-4444-555555555599"},
		BInfo: toolstack.BuildInfo{MaxVCPUs: 1, MaxMemKB: 65536, Kernel: "/var/lib/xen/boot/vmlinuz-guest"}}
	stream := bytes.Repeat([]byte("libxl v2 "), 10000)
	args := append([]string{"migrate-connect", "--addr", ln.Addr().String(), "--log", "file:" + filepath.Join(f.dir, "connect.log")}, f.tlsArgs("src")...)
	args = append(args, "dst", "xl", "-t", "migrate-receive", "-p")
	cmd := childCmd(t, args)
	cmd.Stdin = bytes.NewReader(migXLImage(cfg, stream))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("migrate-connect = %v: %s", err, errb.String())
	}
	select {
	case err := <-child:
		if err != nil {
			t.Errorf("receiver = %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("receiver did not exit")
	}
	if !strings.HasPrefix(out.String(), migXLBanner) || !strings.Contains(out.String(), "ready to unpause") {
		t.Errorf("xl sender side read %q; want the banner and ready message, nothing else", out.String())
	}
	rec, _ := os.ReadFile(xlout)
	sum := sha256.Sum256(stream)
	if !strings.Contains(string(rec), fmt.Sprintf(" %x migrate-receive -p", sum)) || !strings.Contains(string(rec), `"name":"web9"`) {
		t.Errorf("fake xl recorded %q; want the config, the stream hash and -p", rec)
	}
}
