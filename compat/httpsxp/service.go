package httpsxp

import "github.com/xendshim/xendshim/sxp"

// Service is the xend service layer the resource tree carries requests to:
// xend's XendDomain, XendDomainInfo and XendNode with their semantics
// (lookup order, record rendering, the managed store, error texts).
// compat/xend implements it; see NewXendService.
//
// Results are SXP values exactly as the Python function returned them: the
// HTTP layer writes a valid result with sxp.show and writes nothing for the
// zero Value (Python None). Errors carry xend's str(exception) as their
// Error() text, which becomes the body (xend.err '…'); a domain that does
// not exist is an error wrapping toolstack.ErrNotFound.
type Service interface {
	// NodeSXP returns GET /xend/node's (node …) record.
	NodeSXP() (sxp.Value, error)
	// Dmesg returns the hypervisor console ring; DmesgClear empties it.
	Dmesg() (string, error)
	DmesgClear() error
	// XendLog returns the contents of xend.log.
	XendLog() (string, error)

	// ListNames returns the names of the domains in state (running,
	// halted, paused, …, all; case-insensitive), sorted; an unknown state
	// gives none. "halted" includes inactive managed domains.
	ListNames(state string) ([]string, error)
	// ListRecords returns the full record of every running domain,
	// sorted by name (GET /xend/domain?detail=1).
	ListRecords() ([]sxp.Value, error)
	// Lookup finds a domain as XendDomain.domain_lookup did: running name,
	// managed name, domid (Python int()), running UUID, managed UUID.
	Lookup(ref string) (DomainRef, error)
	// Record returns the domain's (domain …) record (XendDomainInfo.sxpr).
	Record(d DomainRef) (sxp.Value, error)

	// Create builds and starts a domain from an SXP config and leaves it
	// paused; it returns the new domain and its record.
	Create(config sxp.Value) (DomainRef, sxp.Value, error)
	// New defines (or redefines) a managed, inactive domain.
	New(config sxp.Value) error
	// Restore restores a saved domain from file.
	Restore(file string) (DomainRef, error)

	// DomainOp runs one of SrvDomain's operations on d; see Op.
	DomainOp(d DomainRef, op Op) (sxp.Value, error)
}

// DomainRef names a domain found by Lookup.
type DomainRef struct {
	Name string
	UUID string
	// Domid is the domain id; Active is false (and Domid meaningless) for
	// an inactive managed domain.
	Domid  int
	Active bool
}

// Op is one SrvDomain operation with its bound arguments. Name is the xend
// op name (pause, shutdown, device_create, …); the parameters of each op,
// with their types, are listed in domainOps.
type Op struct {
	Name string
	// Args holds the bound arguments by parameter name: string, int64,
	// bool or sxp.Value, as the op's parameter list declares.
	Args map[string]any
}

// Str returns a string argument ("" if absent).
func (o Op) Str(name string) string { s, _ := o.Args[name].(string); return s }

// Int returns an integer argument (0 if absent).
func (o Op) Int(name string) int64 { n, _ := o.Args[name].(int64); return n }

// Bool returns a boolean argument (false if absent).
func (o Op) Bool(name string) bool { b, _ := o.Args[name].(bool); return b }

// Sxpr returns an SXP argument (the zero Value if absent).
func (o Op) Sxpr(name string) sxp.Value { v, _ := o.Args[name].(sxp.Value); return v }
