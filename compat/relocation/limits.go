package relocation

import "time"

// Limits bound one migration. Zero fields take the defaults.
type Limits struct {
	// Handshake bounds the TLS handshake plus HELLO (default 10 s).
	Handshake time.Duration
	// Idle is the longest wait for the next frame (default 60 s).
	Idle time.Duration
	// Base and PerGiB give the wall deadline: Base + PerGiB × memory in
	// GiB (defaults 60 s and 60 s).
	Base, PerGiB time.Duration
	// BytesFactor and BytesSlack cap the stream at
	// BytesFactor × memory + BytesSlack (defaults 8 and 256 MiB).
	BytesFactor uint64
	BytesSlack  uint64
}

func (l Limits) withDefaults() Limits {
	if l.Handshake == 0 {
		l.Handshake = 10 * time.Second
	}
	if l.Idle == 0 {
		l.Idle = 60 * time.Second
	}
	if l.Base == 0 {
		l.Base = 60 * time.Second
	}
	if l.PerGiB == 0 {
		l.PerGiB = 60 * time.Second
	}
	if l.BytesFactor == 0 {
		l.BytesFactor = 8
	}
	if l.BytesSlack == 0 {
		l.BytesSlack = 256 << 20
	}
	return l
}

func (l Limits) deadline(memKB uint64) time.Duration {
	return l.Base + time.Duration(float64(l.PerGiB)*float64(memKB)/float64(1<<20))
}

func (l Limits) maxBytes(memKB uint64) uint64 {
	return l.BytesFactor*memKB*1024 + l.BytesSlack
}
