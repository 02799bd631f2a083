// Package secure authenticates both ends of a xendshim migration connection
// with TLS 1.3 (specs/migration.md §3.3). Three modes:
//
//   - ModeCA: mutual X.509 against a dedicated migration CA. A host is named
//     by the URI SAN "xendshim://host/<name>" in its certificate; the sender
//     requires the receiver's certificate to carry the name it dialled, and
//     the receiver learns the sender's identity from the same SAN.
//   - ModePinned: self-signed certificates whose SPKI SHA-256 pins each side
//     knows in advance (like ssh known_hosts). Identity "spki:sha256/<b64>".
//   - ModePSK: for sites without any PKI. Both sides use throw-away
//     certificates and then prove knowledge of a per-pair pre-shared key
//     with HMAC-SHA256 over the TLS exporter (RFC 8446 §7.5), so a relay
//     between two TLS sessions cannot pass the proof on. crypto/tls has no
//     external PSK support (golang/go#6379), hence this construction.
//     Identity "psk:<id>".
//
// There is no unauthenticated mode: every connection is TLS 1.3 with ALPN
// xendshim-migrate/1 and an authenticated peer, or it fails.
package secure
