// Package journaldtest provides a fake systemd-journald for tests: a
// datagram socket in a temporary directory that receives native-protocol
// records, inline or as a memfd passed with SCM_RIGHTS, and decodes them.
package journaldtest

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/xendshim/xendshim/journald"
)

// maxDatagram bounds one received datagram; it exceeds the largest send
// buffer journald.Conn asks for, doubled by the kernel.
const maxDatagram = 32 << 20

// Record is one received record.
type Record struct {
	Fields []journald.Field
	// Memfd is true when the record came as a descriptor; Seals are the
	// seals it carried (F_GET_SEALS).
	Memfd bool
	Seals int
	// Err is why the datagram could not be read or decoded.
	Err error
}

// Get returns the value of the first field called name, and whether there
// was one.
func (r Record) Get(name string) (string, bool) {
	for _, f := range r.Fields {
		if f.Name == name {
			return f.Value, true
		}
	}
	return "", false
}

// Server is a fake journald listening on Path until the test ends.
type Server struct {
	// Path is the socket; pass it to journald.WithSocket.
	Path    string
	records chan Record
	conn    *net.UnixConn
}

// NewServer starts a Server in a fresh directory under the system's
// temporary directory (t.TempDir paths can exceed the 108 bytes a socket
// path may have). Empty datagrams (journald.Dial's probe) are dropped.
func NewServer(t testing.TB) *Server {
	t.Helper()
	dir, err := os.MkdirTemp("", "journaldtest")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Path: filepath.Join(dir, "socket"), records: make(chan Record, 64)}
	s.conn, err = net.ListenUnixgram("unixgram", &net.UnixAddr{Name: s.Path, Net: "unixgram"})
	if err != nil {
		os.RemoveAll(dir)
		t.Fatal(err)
	}
	s.conn.SetReadBuffer(maxDatagram)
	done := make(chan struct{})
	go s.serve(done)
	t.Cleanup(func() {
		s.conn.Close()
		<-done
		os.RemoveAll(dir)
	})
	return s
}

// Next returns the next record, failing the test after timeout.
func (s *Server) Next(t testing.TB, timeout time.Duration) Record {
	t.Helper()
	select {
	case r := <-s.records:
		return r
	case <-time.After(timeout):
		t.Fatalf("journaldtest: no record within %v", timeout)
		return Record{}
	}
}

// Pending returns the records received so far without waiting.
func (s *Server) Pending() []Record {
	var rs []Record
	for {
		select {
		case r := <-s.records:
			rs = append(rs, r)
		default:
			return rs
		}
	}
}

func (s *Server) serve(done chan struct{}) {
	defer close(done)
	buf := make([]byte, maxDatagram)
	oob := make([]byte, unix.CmsgSpace(4*4))
	for {
		n, oobn, flags, _, err := s.conn.ReadMsgUnix(buf, oob)
		if err != nil {
			return
		}
		var r Record
		switch {
		case flags&unix.MSG_TRUNC != 0 || flags&unix.MSG_CTRUNC != 0:
			r.Err = fmt.Errorf("datagram truncated (flags %#x)", flags)
		case oobn > 0:
			r = readMemfd(oob[:oobn], n)
		case n == 0:
			continue
		default:
			r.Fields, r.Err = journald.Decode(buf[:n])
		}
		s.records <- r
	}
}

// readMemfd takes the descriptor of a large record, as journald does: it
// must come alone, in an empty datagram, and be sealed.
func readMemfd(oob []byte, n int) Record {
	r := Record{Memfd: true}
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil || len(msgs) != 1 {
		r.Err = fmt.Errorf("control messages: %d, %v", len(msgs), err)
		return r
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil {
		r.Err = err
		return r
	}
	if len(fds) == 0 {
		r.Err = fmt.Errorf("SCM_RIGHTS without a descriptor")
		return r
	}
	for _, fd := range fds[1:] {
		unix.Close(fd)
	}
	f := os.NewFile(uintptr(fds[0]), "memfd")
	defer f.Close()
	if len(fds) != 1 || n != 0 {
		r.Err = fmt.Errorf("%d descriptors with a %d-byte payload; want one and none", len(fds), n)
		return r
	}
	r.Seals, err = unix.FcntlInt(f.Fd(), unix.F_GET_SEALS, 0)
	if err != nil {
		r.Err = fmt.Errorf("F_GET_SEALS: %w", err)
		return r
	}
	fi, err := f.Stat()
	if err != nil {
		r.Err = err
		return r
	}
	b, err := io.ReadAll(io.NewSectionReader(f, 0, fi.Size()))
	if err != nil {
		r.Err = err
		return r
	}
	r.Fields, r.Err = journald.Decode(b)
	return r
}
