package xl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Result is what one xl invocation produced.
type Result struct {
	Stdout   []byte
	Stderr   []byte
	ExitCode int
}

// Runner runs xl with arguments. The real one (ExecRunner) starts the
// binary; tests substitute a fake that answers from captured outputs.
// Run returns an error only when xl could not be run or was stopped by
// ctx; a non-zero exit status is reported in Result.ExitCode.
type Runner interface {
	Run(ctx context.Context, args ...string) (Result, error)
}

// ExecRunner runs the xl binary at Path.
type ExecRunner struct {
	// Path is the xl binary ("xl" looks it up in $PATH).
	Path string
	// WaitDelay bounds how long Run waits for xl's output pipes to close
	// after xl exits (xl create forks a monitor that may keep them); 0
	// means 2 s.
	WaitDelay time.Duration
}

// Run implements Runner. When ctx ends, xl's process group is killed.
func (r ExecRunner) Run(ctx context.Context, args ...string) (Result, error) {
	path := r.Path
	if path == "" {
		path = "xl"
	}
	cmd := exec.CommandContext(ctx, path, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		// xl create's monitor calls setsid, so it is not in this group.
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	cmd.WaitDelay = r.WaitDelay
	if cmd.WaitDelay == 0 {
		cmd.WaitDelay = 2 * time.Second
	}
	err := cmd.Run()
	res := Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
	var ee *exec.ExitError
	switch {
	case err == nil:
		return res, nil
	case ctx.Err() != nil:
		return res, fmt.Errorf("xl %s: stopped after %v: %w", strings.Join(args, " "), ctx.Err(), ctx.Err())
	case errors.As(err, &ee):
		res.ExitCode = ee.ExitCode()
		if res.ExitCode < 0 {
			return res, fmt.Errorf("xl %s: %v", strings.Join(args, " "), err)
		}
		return res, nil
	case errors.Is(err, exec.ErrWaitDelay):
		// xl exited 0 but a child kept its output open; the output we have is xl's.
		return res, nil
	}
	return res, fmt.Errorf("xl %s: %w", strings.Join(args, " "), err)
}

// CommandError is xl failing: the command line, its exit status and what it
// printed on stderr. It is the Cause of the *toolstack.Error the backend
// returns.
type CommandError struct {
	Args     []string
	ExitCode int
	Stderr   string
}

// Error formats as "xl pause tiny: exit status 1: <last stderr lines>".
func (e *CommandError) Error() string {
	return fmt.Sprintf("xl %s: exit status %d: %s", strings.Join(e.Args, " "), e.ExitCode, e.Message())
}

// Message returns xl's stderr without the noise lines ("Parsing config
// from ...", "xc: progress: ..."), joined with "; ".
func (e *CommandError) Message() string {
	var keep []string
	for _, l := range strings.Split(e.Stderr, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "Parsing config from") || strings.HasPrefix(l, "xc: progress") || strings.HasPrefix(l, "xc: info") {
			continue
		}
		keep = append(keep, l)
	}
	if len(keep) == 0 {
		return "(no message)"
	}
	return strings.Join(keep, "; ")
}
