// Package toolstack holds the domain model and the Toolstack interface that
// every protocol layer of xendshim translates onto.
//
// The model is shaped like libxl's IDL: DomainConfig mirrors
// libxl_domain_config and marshals to JSON in exactly the shape `xl list -l`
// prints (keys, nesting, "True"/"False" defbools, "type.pv" keyed unions).
// What libxl lacks and xend had (PVSCSI, the xend lifecycle keys, the
// description) lives under the "xend" key, which xl never prints and libxl's
// parser ignores.
//
// Runtime facts (DomainInfo, HostInfo, DeviceState) are separate from the
// configuration: a config says what was asked for, the runtime types say what
// the hypervisor reports now.
//
// # Terms
//
//   - domid: the hypervisor's number for a running domain. Domain 0 is the
//     control domain. New domains get increasing ids; an id is not reused
//     while the toolstack runs (the simulator never reuses one).
//   - name: unique among live domains (ErrExists on a clash). Names are
//     looked up with FindByName; the interface itself works on domids.
//   - uuid: the domain's handle, stable across save/restore and migration.
//
// # Errors
//
// Every error a Toolstack returns wraps one of the class sentinels
// (ErrNotFound, ErrExists, ErrInvalid, ErrBadState, ErrNoMemory,
// ErrUnsupported) with %w, next to the operation and the domain, usually as
// an *Error. Protocol layers test the class with errors.Is and map it to a
// xend fault or an HTTP status in one place.
//
// # Implementations
//
// toolstack/sim is an embedded simulated host (a product feature, not only a
// test double); toolstack/xl drives the real host through xl and xenstore.
// Only cmd/xendshim chooses between them. toolstack/toolstacktest is the
// conformance suite both must pass.
package toolstack
