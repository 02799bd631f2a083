package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xendshim/xendshim/journald/journaldtest"
)

// TestMigLogJournal: --log journal sends records to journald's native
// socket (a fake one here) as structured fields, also with --inetd, where
// the log must not touch descriptors 0-2.
func TestMigLogJournal(t *testing.T) {
	for _, inetd := range []bool{false, true} {
		s := journaldtest.NewServer(t)
		l := migLogging{spec: "journal", journalSocket: s.Path}
		var stderr bytes.Buffer
		log, closeLog, err := l.open(&stderr, inetd, "")
		if err != nil {
			t.Fatalf("open(journal, inetd=%v) = %v", inetd, err)
		}
		log.Info("migration committed", "migration_id", "m-42", "outcome", "committed")
		closeLog()
		r := s.Next(t, 10*time.Second)
		for name, want := range map[string]string{"MESSAGE": "migration committed", "PRIORITY": "6",
			"SYSLOG_IDENTIFIER": "xendshim-migrate", "COMPONENT": "migrate", "MIGRATION_ID": "m-42", "OUTCOME": "committed"} {
			if got, _ := r.Get(name); got != want {
				t.Errorf("inetd=%v: journal field %s = %q; want %q (record %q, err %v)", inetd, name, got, want, r.Fields, r.Err)
			}
		}
		if stderr.Len() != 0 {
			t.Errorf("inetd=%v: --log journal wrote %q to standard error", inetd, stderr.String())
		}
	}
}

// TestMigLogJournalMissingSocket: without journald the command stops at
// startup and says what to use instead.
func TestMigLogJournalMissingSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "socket")
	l := migLogging{spec: "journal", journalSocket: path}
	_, _, err := l.open(&bytes.Buffer{}, false, "")
	want := "journald socket " + path + ": no such file; is systemd-journald running? use --log=syslog or --log=file:PATH"
	if err == nil || err.Error() != want {
		t.Errorf("open(journal, missing socket) = %v; want %q", err, want)
	}
}

// TestMigLogUnknownListsJournal: the refusal of an unknown --log names
// every accepted form.
func TestMigLogUnknownListsJournal(t *testing.T) {
	l := migLogging{spec: "journald"}
	_, _, err := l.open(&bytes.Buffer{}, false, "")
	if err == nil || !strings.Contains(err.Error(), "want stderr, file:PATH, syslog or journal") {
		t.Errorf("open(journald) = %v; want a refusal listing journal", err)
	}
}

// TestMigrateReceiveLogJournal runs the command: migrate-receive with
// --log journal --journal-socket logs its startup failure (a missing
// policy file) to the fake journald as an error record.
func TestMigrateReceiveLogJournal(t *testing.T) {
	t.Setenv("XENDSHIM_XEND_CONFIG", "")
	s := journaldtest.NewServer(t)
	dir := t.TempDir()
	var out, errb bytes.Buffer
	args := []string{"migrate-receive", "--listen", "127.0.0.1:0", "--backend", "sim", "--state-dir", dir,
		"--policy", filepath.Join(dir, "no-policy.toml"), "--log", "journal", "--journal-socket", s.Path}
	if code := run(context.Background(), args, &out, &errb); code == 0 {
		t.Fatalf("migrate-receive without a policy file = exit 0; want a failure")
	}
	// The backend logs first ("simulated host ready"); the failure follows.
	var r journaldtest.Record
	for msg := ""; msg != "migrate-receive cannot start"; msg, _ = r.Get("MESSAGE") {
		r = s.Next(t, 10*time.Second)
		if r.Err != nil {
			t.Fatalf("fake journald: %v", r.Err)
		}
	}
	prio, _ := r.Get("PRIORITY")
	errText, _ := r.Get("ERR")
	if prio != "3" || !strings.Contains(errText, "no-policy.toml") {
		t.Errorf("journal record = %q; want PRIORITY 3 and ERR naming the policy file", r.Fields)
	}
	if out.Len() != 0 {
		t.Errorf("migrate-receive wrote %q to standard output", out.String())
	}
}
