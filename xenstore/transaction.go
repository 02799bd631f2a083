package xenstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// MaxTransactionAttempts bounds how often Transaction runs its function when
// xenstored keeps reporting conflicts (EAGAIN at commit).
const MaxTransactionAttempts = 20

// Tx is an open xenstore transaction. Its operations see a consistent
// snapshot; nothing is visible to others until the transaction commits.
type Tx struct {
	ctx context.Context
	ops ops
}

// ID returns the transaction id xenstored assigned.
func (t *Tx) ID() uint32 { return t.ops.tx }

// Read returns the value at path.
func (t *Tx) Read(path string) (string, error) { return t.ops.read(t.ctx, path) }

// Write sets the value at path, creating missing parents.
func (t *Tx) Write(path, value string) error { return t.ops.write(t.ctx, path, value) }

// Mkdir creates path with an empty value if it does not exist.
func (t *Tx) Mkdir(path string) error { return t.ops.simple(t.ctx, TypeMkdir, path) }

// Rm removes path and everything below it.
func (t *Tx) Rm(path string) error { return t.ops.simple(t.ctx, TypeRm, path) }

// Directory returns the names of path's children.
func (t *Tx) Directory(path string) ([]string, error) { return t.ops.directory(t.ctx, path) }

// GetPerms returns path's permissions.
func (t *Tx) GetPerms(path string) ([]Perm, error) { return t.ops.getPerms(t.ctx, path) }

// SetPerms replaces path's permissions.
func (t *Tx) SetPerms(path string, perms []Perm) error { return t.ops.setPerms(t.ctx, path, perms) }

// Transaction runs fn inside a transaction and commits it. When fn returns
// an error the transaction is aborted and that error returned. When the
// commit (or any operation) fails with EAGAIN — another writer touched
// what fn read — fn runs again in a new transaction, up to
// MaxTransactionAttempts times, so fn must have no effects outside the
// transaction.
func (c *Client) Transaction(ctx context.Context, fn func(*Tx) error) error {
	var last error
	for attempt := 0; attempt < MaxTransactionAttempts; attempt++ {
		if attempt > 0 {
			d := time.Duration(attempt) * time.Millisecond
			select {
			case <-time.After(d):
			case <-ctx.Done():
				return fmt.Errorf("xenstore: transaction: %w (last conflict: %v)", ctx.Err(), last)
			}
		}
		b, err := c.request(ctx, 0, TypeTransactionStart, "", []byte{0})
		if err != nil {
			return err
		}
		id, err := strconv.ParseUint(strings.TrimRight(string(b), "\x00"), 10, 32)
		if err != nil || id == 0 {
			return fmt.Errorf("xenstore: protocol error: TRANSACTION_START answered %q, not a transaction id", b)
		}
		tx := &Tx{ctx: ctx, ops: ops{c: c, tx: uint32(id)}}
		ferr := fn(tx)
		if ferr != nil {
			// Abort; an abort failure is less interesting than fn's error.
			_, _ = c.request(ctx, uint32(id), TypeTransactionEnd, "", joinNul("F"))
			if errors.Is(ferr, syscall.EAGAIN) {
				last = ferr
				continue
			}
			return ferr
		}
		_, err = c.request(ctx, uint32(id), TypeTransactionEnd, "", joinNul("T"))
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EAGAIN) {
			return err
		}
		last = err
	}
	return fmt.Errorf("xenstore: transaction gave up after %d conflicting attempts: %w", MaxTransactionAttempts, last)
}
