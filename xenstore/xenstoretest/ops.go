package xenstoretest

import (
	"strconv"
	"strings"

	"github.com/xendshim/xendshim/xenstore"
)

// exec runs one request with s.mu held. It returns the reply, the watch
// events it caused, and events to send after both (a new watch's first fire).
func (s *Server) exec(c *conn, m xenstore.Msg, reply func([]byte) xenstore.Msg, fail func(string) xenstore.Msg) (xenstore.Msg, []outEvent, []outEvent) {
	args := split(m.Payload)
	root := s.root
	var tx *txn
	if m.TxID != 0 {
		tx = s.txs[m.TxID]
		if tx == nil {
			return fail("ENOENT"), nil, nil
		}
		root = tx.root
	}
	ok := reply(nul("OK"))
	changed := func(paths ...string) []outEvent {
		if tx != nil {
			tx.changed = append(tx.changed, paths...)
			return nil
		}
		s.gen++
		return s.eventsLocked(paths)
	}
	path := args[0]
	validPath := strings.HasPrefix(path, "/") && !strings.Contains(path, "//") && (path == "/" || !strings.HasSuffix(path, "/"))
	switch m.Type {
	case xenstore.TypeRead:
		if !validPath {
			return fail("EINVAL"), nil, nil
		}
		n := lookup(root, path)
		if n == nil {
			return fail("ENOENT"), nil, nil
		}
		return reply([]byte(n.value)), nil, nil
	case xenstore.TypeWrite:
		i := strings.IndexByte(string(m.Payload), 0)
		if i < 0 || !validPath {
			return fail("EINVAL"), nil, nil
		}
		write(root, path, string(m.Payload[i+1:]))
		return ok, changed(path), nil
	case xenstore.TypeMkdir:
		if !validPath {
			return fail("EINVAL"), nil, nil
		}
		if lookup(root, path) != nil {
			return ok, nil, nil
		}
		write(root, path, "")
		return ok, changed(path), nil
	case xenstore.TypeRm:
		if !validPath || path == "/" {
			return fail("EINVAL"), nil, nil
		}
		if lookup(root, path) == nil {
			if lookup(root, parent(path)) == nil {
				return fail("ENOENT"), nil, nil
			}
			return ok, nil, nil
		}
		return ok, changed(remove(root, path)...), nil
	case xenstore.TypeDirectory:
		n := lookup(root, path)
		if n == nil {
			return fail("ENOENT"), nil, nil
		}
		p := nul(n.order...)
		if len(p) > xenstore.MaxPayload {
			return fail("E2BIG"), nil, nil
		}
		return reply(p), nil, nil
	case xenstore.TypeDirectoryPart:
		n := lookup(root, path)
		if n == nil || len(args) < 2 {
			return fail("ENOENT"), nil, nil
		}
		off, err := strconv.Atoi(args[1])
		if err != nil {
			return fail("EINVAL"), nil, nil
		}
		all := nul(n.order...)
		if off > len(all) {
			return fail("EINVAL"), nil, nil
		}
		gen := nul(strconv.FormatUint(s.gen, 10))
		room := xenstore.MaxPayload - len(gen) - 1
		chunk := all[off:]
		last := true
		if len(chunk) > room {
			// cut after the last whole name that fits
			cut := strings.LastIndexByte(string(chunk[:room]), 0) + 1
			chunk = chunk[:cut]
			last = false
		}
		p := append(gen, chunk...)
		if last {
			p = append(p, 0)
		}
		return reply(p), nil, nil
	case xenstore.TypeGetPerms:
		n := lookup(root, path)
		if n == nil {
			return fail("ENOENT"), nil, nil
		}
		var ps []string
		for _, p := range n.perms {
			ps = append(ps, p.String())
		}
		return reply(nul(ps...)), nil, nil
	case xenstore.TypeSetPerms:
		n := lookup(root, path)
		if n == nil {
			return fail("ENOENT"), nil, nil
		}
		perms, err := xenstore.ParsePerms(args[1:])
		if err != nil || len(perms) == 0 {
			return fail("EINVAL"), nil, nil
		}
		n.perms = perms
		return ok, changed(path), nil
	case xenstore.TypeWatch:
		if len(args) < 2 {
			return fail("EINVAL"), nil, nil
		}
		for _, w := range s.watches {
			if w.conn == c && w.token == args[1] && w.path == path {
				return fail("EEXIST"), nil, nil
			}
		}
		s.watches = append(s.watches, watch{conn: c, path: path, token: args[1]})
		first := []outEvent{{c, xenstore.Msg{Type: xenstore.TypeWatchEvent, Payload: nul(path, args[1])}}}
		return ok, nil, first
	case xenstore.TypeUnwatch:
		if len(args) < 2 {
			return fail("EINVAL"), nil, nil
		}
		for i, w := range s.watches {
			if w.conn == c && w.token == args[1] && w.path == path {
				s.watches = append(s.watches[:i], s.watches[i+1:]...)
				return ok, nil, nil
			}
		}
		return fail("ENOENT"), nil, nil
	case xenstore.TypeTransactionStart:
		if m.TxID != 0 {
			return fail("EBUSY"), nil, nil
		}
		s.nextTx++
		s.txs[s.nextTx] = &txn{root: s.root.clone(), startGen: s.gen}
		return reply(nul(strconv.FormatUint(uint64(s.nextTx), 10))), nil, nil
	case xenstore.TypeTransactionEnd:
		if tx == nil {
			return fail("ENOENT"), nil, nil
		}
		delete(s.txs, m.TxID)
		if path != "T" {
			return ok, nil, nil
		}
		if s.conflicts > 0 {
			s.conflicts--
			return fail("EAGAIN"), nil, nil
		}
		if s.gen != tx.startGen {
			return fail("EAGAIN"), nil, nil
		}
		s.root = tx.root
		if len(tx.changed) == 0 {
			return ok, nil, nil
		}
		s.gen++
		return ok, s.eventsLocked(tx.changed), nil
	case xenstore.TypeGetDomainPath:
		return reply(nul("/local/domain/" + path)), nil, nil
	case xenstore.TypeIsDomainIntroduced:
		return reply(nul("T")), nil, nil
	}
	return fail("ENOSYS"), nil, nil
}
