package relocation

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"slices"
	"sync"

	"github.com/xendshim/xendshim/compat/relocation/policy"
	"github.com/xendshim/xendshim/compat/relocation/secure"
	"github.com/xendshim/xendshim/compat/relocation/xmp"
	"github.com/xendshim/xendshim/toolstack"
	"github.com/xendshim/xendshim/toolstack/xlsave"
)

// XLTunnel lets `xl migrate -s "xendshim migrate-connect ..."` use the
// secure transport: the receiver runs `xl migrate-receive`, authorises and
// confines the config in xl's header before passing it on, then relays raw
// bytes both ways. The exactly-once commit stays xl's own (its GO
// handshake), not XMP/1's.
type XLTunnel struct {
	// Command runs xl (default ["xl"]); "migrate-receive" and the options
	// are appended.
	Command []string
	// Env, if set, is the command's environment.
	Env []string
}

func (r *Receiver) tunnel(ctx context.Context, tc net.Conn, c *xmp.Conn, peer string, m xmp.Tunnel, a *audit) error {
	a.enter("tunnel")
	if r.XL == nil || m.Tool != "xl" {
		return refuse(xmp.CodeProtocol, "this receiver does not tunnel %q migrations", m.Tool)
	}
	for _, o := range m.Args {
		if !slices.Contains([]string{"-e", "-d", "-p"}, o) {
			return refuse(xmp.CodeProtocol, "xl migrate-receive option %q is not accepted (only -e, -d, -p)", o)
		}
	}
	if p, _ := r.Policy.Peer(peer); p == nil {
		return refuse(xmp.CodePolicy, "identity %s has no [peer] entry", peer)
	}
	argv := append(append(slices.Clone(r.XL.Command), "migrate-receive"), m.Args...)
	if len(r.XL.Command) == 0 {
		argv = append([]string{"xl", "migrate-receive"}, m.Args...)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = r.XL.Env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr // never the socket
	in, err := cmd.StdinPipe()
	if err != nil {
		return refuse(xmp.CodeBackend, "%v", err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return refuse(xmp.CodeBackend, "%v", err)
	}
	if err := c.Send(xmp.TypeAccept, xmp.Accept{}); err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", argv[0], err)
	}
	waited := false
	defer func() {
		if !waited {
			cmd.Process.Kill()
			cmd.Wait()
		}
		if stderr.Len() > 0 && r.Log != nil {
			r.Log.Info("xl migrate-receive said", "peer_identity", peer, "stderr", stderr.String())
		}
	}()
	// After ACCEPT the connection is a raw relay: no more frames, so
	// refusals close the connection instead (xl's sender then resumes its
	// domain, as on any failure before its GO).
	plain := func(err error) error { return fmt.Errorf("%s", err) }
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // xl's banner, ready and report go to the sender
		defer wg.Done()
		io.Copy(tc, out)
		if cw, ok := tc.(interface{ CloseWrite() error }); ok {
			cw.CloseWrite()
		}
	}()
	src := c.Reader()
	raw, js, err := xlsave.ReadHeader(src)
	if err != nil {
		in.Close()
		return plain(err)
	}
	var cfg toolstack.DomainConfig
	if err := xmp.DecodeStrict(js, &cfg); err != nil {
		in.Close()
		a.decision = "deny"
		return plain(fmt.Errorf("xl config: %v", err))
	}
	a.uuid, a.name = cfg.CInfo.UUID, cfg.CInfo.Name
	req := policy.Request{Name: cfg.CInfo.Name, UUID: cfg.CInfo.UUID, MemKB: cfg.BInfo.MaxMemKB, VCPUs: cfg.BInfo.MaxVCPUs}
	grant, err := r.Policy.Authorize(peer, req, 0)
	if err == nil {
		_, rule := r.Policy.Peer(peer)
		a.rule = "peer " + rule
		err = checkPrepared(r.Prepared, grant, a, cfg.CInfo.UUID, peer)
	}
	if err == nil {
		a.checked, err = r.Policy.Confine(grant, a.rule, &cfg, req)
	}
	if err != nil {
		in.Close()
		return plain(r.denied(err, a))
	}
	a.decision = "allow"
	a.enter("stream")
	if _, err := in.Write(raw); err != nil {
		return fmt.Errorf("xl migrate-receive: %w", err)
	}
	n, err := io.Copy(in, src)
	a.bytes = uint64(n) + uint64(len(raw))
	in.Close()
	wg.Wait()
	werr := cmd.Wait()
	waited = true
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("relaying to xl: %w", err)
	}
	if werr != nil {
		return fmt.Errorf("xl migrate-receive: %v", werr)
	}
	a.outcome = "relayed"
	usePrepared(r.Prepared, grant, a, cfg.CInfo.UUID)
	return nil
}

// XLConnect is the sending side of the xl tunnel: it authenticates to the
// receiver dest at addr, asks it to run `xl migrate-receive args`, and
// relays xl's stream from in to the receiver and the receiver's answers to
// out until both directions end.
func XLConnect(ctx context.Context, ep *secure.Endpoint, dial func(ctx context.Context, addr string) (net.Conn, error), dest, addr string, args []string, in io.Reader, out io.Writer) error {
	s := &Sender{Endpoint: ep, Dial: dial}
	tc, c, _, err := s.dial(ctx, addr, dest)
	if err != nil {
		return err
	}
	defer tc.Close()
	if err := c.Send(xmp.TypeTunnel, xmp.Tunnel{Tool: "xl", Args: args}); err != nil {
		return err
	}
	if err := c.Expect(xmp.TypeAccept, &xmp.Accept{}); err != nil {
		return fmt.Errorf("relocation: %s refused the xl tunnel: %w", dest, err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := io.Copy(tc, in)
		if cw, ok := tc.(interface{ CloseWrite() error }); ok {
			cw.CloseWrite()
		}
		errc <- err
	}()
	_, err = io.Copy(out, c.Reader())
	if err != nil {
		return err
	}
	// The receiver closed its side: xl's receiver is done (or refused).
	select {
	case werr := <-errc:
		return werr
	default:
		return nil
	}
}
