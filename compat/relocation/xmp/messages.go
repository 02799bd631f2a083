package xmp

// Proto is the protocol version carried in HELLO.
const Proto = 1

// ALPN is the TLS application protocol name of XMP/1.
const ALPN = "xendshim-migrate/1"

// Refusal codes carried by REJECT and ABORT.
const (
	CodeProtocol   = "protocol"    // malformed or unexpected frame
	CodeAuth       = "auth"        // PSK proof or identity check failed
	CodePolicy     = "policy"      // the sender may not send this domain
	CodeQuota      = "quota"       // over the sender's memory/vCPU/concurrency quota
	CodeConfine    = "confine"     // the config names host resources policy refuses
	CodeReplay     = "replay"      // migration id seen before
	CodeUUIDExists = "uuid-exists" // a domain with this UUID already runs here
	CodeBusy       = "busy"        // another migration of this UUID is in progress
	CodeLimit      = "limit"       // size or time limit exceeded
	CodeStream     = "stream"      // the stream failed its checks (size, SHA-256)
	CodeBackend    = "backend"     // the toolstack could not create the domain
	CodeSender     = "sender"      // the sender gave up (its own failure)
)

// DomainRef names the domain being migrated.
type DomainRef struct {
	Name string `json:"name"`
	UUID string `json:"uuid"`
}

// Flags are the migration options.
type Flags struct {
	Live    bool `json:"live,omitempty"`
	Paused  bool `json:"paused,omitempty"`
	Debug   bool `json:"debug,omitempty"`
	Persist bool `json:"persist,omitempty"`
}

// Hello opens a migration (sender to receiver).
type Hello struct {
	Proto       int       `json:"proto"`
	Sender      string    `json:"sender"`
	MigrationID string    `json:"migration_id"`
	Domain      DomainRef `json:"domain"`
	Flags       Flags     `json:"flags"`
	Format      string    `json:"format"`
	MemKB       uint64    `json:"memkb"`
	VCPUs       int       `json:"vcpus"`
}

// Limits are what the receiver will take for this migration.
type Limits struct {
	MaxBytes  uint64 `json:"max_bytes"`
	DeadlineS int    `json:"deadline_s"`
}

// Accept answers HELLO when the sender may go on.
type Accept struct {
	ReceiverNonce string `json:"receiver_nonce"`
	Limits        Limits `json:"limits"`
}

// Refusal is the payload of REJECT and ABORT.
type Refusal struct {
	Code   string `json:"code"`
	Reason string `json:"reason"`
}

// ConfigOK answers CONFIG: the config passed confinement.
type ConfigOK struct {
	// Checked lists the host resources policy checked (for the audit).
	Checked []string `json:"checked,omitempty"`
}

// StreamEnd closes the DATA frames.
type StreamEnd struct {
	TotalBytes uint64 `json:"total_bytes"`
	SHA256     string `json:"sha256"`
}

// Ready says the receiver holds the domain, paused.
type Ready struct {
	Domid uint32 `json:"domid"`
}

// Go is the sender's permission to unpause.
type Go struct{}

// Report is the receiver's answer to GO.
type Report struct {
	// Status is "ok" or "error".
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
}

// Resolve asks for the outcome of a migration on a new connection.
type Resolve struct {
	MigrationID string `json:"migration_id"`
}

// Resolved outcomes.
const (
	OutcomeCommitted = "committed"
	OutcomeAborted   = "aborted"
)

// Resolved answers RESOLVE: OutcomeCommitted or OutcomeAborted.
type Resolved struct {
	Outcome string `json:"outcome"`
}

// Auth carries a PSK proof bound to the TLS session (see package secure).
type Auth struct {
	ID    string `json:"id"`
	Nonce string `json:"nonce"`
	Proof string `json:"proof,omitempty"`
}

// Tunnel asks the receiver to run a toolstack's own migration receiver
// and relay raw bytes both ways after ACCEPT (xl migrate -s, spec §2.6 P1).
type Tunnel struct {
	// Tool is "xl".
	Tool string `json:"tool"`
	// Args are the receiver options xl passed (-e, -d, -p).
	Args []string `json:"args,omitempty"`
}
