package secure

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"net"

	"github.com/xendshim/xendshim/compat/relocation/xmp"
)

// pskExchange proves both sides hold the pair's key, bound to this TLS
// session's exporter. The receiver proves first, so a sender never gives
// a proof to an impostor; each proof covers the role, both ids and both
// nonces.
func (e *Endpoint) pskExchange(tc *tls.Conn, server bool, dest string) (Identity, error) {
	cs := tc.ConnectionState()
	ekm, err := cs.ExportKeyingMaterial(exporterLabel, nil, 32)
	if err != nil {
		return "", authErr("tls exporter: %v", err)
	}
	// Unbuffered: the frames after the exchange belong to the caller.
	c := unbuffered{tc}
	nonce := make([]byte, 16)
	rand.Read(nonce)
	if !server {
		key, ok := e.PSKs[dest]
		if !ok {
			return "", authErr("no pre-shared key for %q", dest)
		}
		if err := c.Send(xmp.TypeAuth, xmp.Auth{ID: e.PSKID, Nonce: hex.EncodeToString(nonce)}); err != nil {
			return "", err
		}
		var a xmp.Auth
		if err := c.Expect(xmp.TypeAuth, &a); err != nil {
			return "", authErr("receiver's proof: %v", err)
		}
		if a.ID != dest {
			return "", authErr("receiver says it is %q; dialled %q", a.ID, dest)
		}
		want := proof(key, ekm, "receiver", e.PSKID, dest, hex.EncodeToString(nonce), a.Nonce)
		got, _ := hex.DecodeString(a.Proof)
		if !hmac.Equal(want, got) {
			return "", authErr("receiver's key proof does not match the key shared with %q", dest)
		}
		mine := proof(key, ekm, "sender", e.PSKID, dest, hex.EncodeToString(nonce), a.Nonce)
		if err := c.Send(xmp.TypeAuth, xmp.Auth{ID: e.PSKID, Nonce: hex.EncodeToString(nonce), Proof: hex.EncodeToString(mine)}); err != nil {
			return "", err
		}
		return Identity("psk:" + dest), nil
	}
	var a xmp.Auth
	if err := c.Expect(xmp.TypeAuth, &a); err != nil {
		return "", authErr("sender's hello: %v", err)
	}
	key, ok := e.PSKs[a.ID]
	if !ok {
		return "", authErr("no pre-shared key for sender %q", a.ID)
	}
	mine := proof(key, ekm, "receiver", a.ID, e.PSKID, a.Nonce, hex.EncodeToString(nonce))
	if err := c.Send(xmp.TypeAuth, xmp.Auth{ID: e.PSKID, Nonce: hex.EncodeToString(nonce), Proof: hex.EncodeToString(mine)}); err != nil {
		return "", err
	}
	var b xmp.Auth
	if err := c.Expect(xmp.TypeAuth, &b); err != nil {
		return "", authErr("sender's proof: %v", err)
	}
	want := proof(key, ekm, "sender", a.ID, e.PSKID, a.Nonce, hex.EncodeToString(nonce))
	got, _ := hex.DecodeString(b.Proof)
	if b.ID != a.ID || !hmac.Equal(want, got) {
		return "", authErr("sender %q's key proof does not match", a.ID)
	}
	return Identity("psk:" + a.ID), nil
}

func proof(key, ekm []byte, role, sender, receiver, ns, nr string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(ekm)
	for _, s := range []string{role, sender, receiver, ns, nr} {
		m.Write([]byte{0})
		m.Write([]byte(s))
	}
	return m.Sum(nil)
}

// unbuffered reads frames without reading ahead.
type unbuffered struct{ c net.Conn }

func (u unbuffered) Send(t xmp.Type, v any) error { return xmp.WriteMessage(u.c, t, v) }

func (u unbuffered) Expect(t xmp.Type, v any) error {
	f, err := xmp.ReadFrame(u.c)
	if err != nil {
		return err
	}
	return f.As(t, v)
}
