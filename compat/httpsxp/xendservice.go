package httpsxp

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/xendshim/xendshim/compat/xend"
	"github.com/xendshim/xendshim/sxp"
	"github.com/xendshim/xendshim/toolstack"
)

// NewXendService returns the Service of the HTTP/SXP interface on top of
// compat/xend's Service, which owns xend's semantics (lookup, records,
// errors and their str() texts, dump, migration through its
// Options.Migrate). What this adapter adds is only what SrvDomain itself
// did: which identifier each op passed on (the domid or the name), and the
// Python return values that became reply bodies (0, True, a dict repr).
func NewXendService(svc *xend.Service) Service {
	return &xendService{svc: svc, timeout: 10 * time.Minute}
}

type xendService struct {
	svc     *xend.Service
	timeout time.Duration
}

func (x *xendService) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), x.timeout)
}

// xendText makes an error print as Python's str() of the exception xend
// raised (xend.PythonStr), which is what SrvDomain's replies showed.
type xendText struct{ err error }

func (e xendText) Error() string    { return e.err.Error() }
func (e xendText) Unwrap() error    { return e.err }
func (e xendText) XendText() string { return xend.PythonStr(e.err) }

// wrap classes compat/xend's errors for the HTTP layer.
func wrap(err error) error {
	if err == nil {
		return nil
	}
	if xend.IsInvalidDomain(err) {
		return fmt.Errorf("%w: %w", toolstack.ErrNotFound, xendText{err})
	}
	return xendText{err}
}

func (x *xendService) NodeSXP() (sxp.Value, error) {
	ctx, cancel := x.ctx()
	defer cancel()
	v, err := x.svc.NodeInfo(ctx, true)
	if err != nil {
		return sxp.Value{}, wrap(err)
	}
	return sxp.List(append([]sxp.Value{sxp.Atom("node")}, v.Items()...)...), nil
}

func (x *xendService) Dmesg() (string, error) {
	ctx, cancel := x.ctx()
	defer cancel()
	s, err := x.svc.Dmesg(ctx, false)
	return s, wrap(err)
}

func (x *xendService) DmesgClear() error {
	ctx, cancel := x.ctx()
	defer cancel()
	_, err := x.svc.Dmesg(ctx, true)
	return wrap(err)
}

func (x *xendService) XendLog() (string, error) {
	ctx, cancel := x.ctx()
	defer cancel()
	s, err := x.svc.Log(ctx)
	return s, wrap(err)
}

func (x *xendService) ListNames(state string) ([]string, error) {
	ctx, cancel := x.ctx()
	defer cancel()
	names, err := x.svc.DomainNamesWithState(ctx, state)
	return names, wrap(err)
}

func (x *xendService) ListRecords() ([]sxp.Value, error) {
	ctx, cancel := x.ctx()
	defer cancel()
	recs, err := x.svc.DomainsWithState(ctx, "running", true)
	return recs, wrap(err)
}

// refOf reads a DomainRef off a (domain …) record.
func refOf(rec sxp.Value) DomainRef {
	d := DomainRef{Name: rec.ChildText("name", ""), UUID: rec.ChildText("uuid", "")}
	if v, ok := rec.ChildValue("domid"); ok {
		if n, err := v.AsInt(); err == nil {
			d.Domid, d.Active = int(n), true
		}
	}
	return d
}

func (x *xendService) Lookup(ref string) (DomainRef, error) {
	ctx, cancel := x.ctx()
	defer cancel()
	rec, err := x.svc.Domain(ctx, xend.Name(ref), false)
	if err != nil {
		return DomainRef{}, wrap(err)
	}
	return refOf(rec), nil
}

func (x *xendService) Record(d DomainRef) (sxp.Value, error) {
	ctx, cancel := x.ctx()
	defer cancel()
	rec, err := x.svc.Domain(ctx, ident(d), true)
	return rec, wrap(err)
}

func (x *xendService) Create(config sxp.Value) (DomainRef, sxp.Value, error) {
	ctx, cancel := x.ctx()
	defer cancel()
	rec, err := x.svc.Create(ctx, config)
	if err != nil {
		return DomainRef{}, sxp.Value{}, wrap(err)
	}
	return refOf(rec), rec, nil
}

func (x *xendService) New(config sxp.Value) error {
	ctx, cancel := x.ctx()
	defer cancel()
	return wrap(x.svc.New(ctx, config))
}

func (x *xendService) Restore(file string) (DomainRef, error) {
	ctx, cancel := x.ctx()
	defer cancel()
	rec, err := x.svc.Restore(ctx, file, false)
	if err != nil {
		return DomainRef{}, wrap(err)
	}
	return refOf(rec), nil
}

// ident names d for compat/xend: the domain's name, which lookup tries
// first and which is unique.
func ident(d DomainRef) xend.Ident { return xend.Name(d.Name) }

// byID names d the way SrvDomain passed self.dom.domid to XendDomain: the
// domid when active (error texts say "domain 0"), else the name.
func byID(d DomainRef) xend.Ident {
	if d.Active {
		return xend.ID(d.Domid)
	}
	return ident(d)
}

func (x *xendService) DomainOp(d DomainRef, op Op) (sxp.Value, error) {
	ctx, cancel := x.ctx()
	defer cancel()
	v, err := x.domainOp(ctx, d, op)
	return v, wrap(err)
}

var none = sxp.Value{}

func (x *xendService) domainOp(ctx context.Context, d DomainRef, op Op) (sxp.Value, error) {
	s := x.svc
	switch op.Name {
	case "pause":
		_, err := s.Pause(ctx, byID(d))
		return none, err
	case "unpause":
		return none, s.Unpause(ctx, byID(d))
	case "shutdown":
		return none, s.Shutdown(ctx, ident(d), op.Str("reason"))
	case "destroy":
		return none, s.Destroy(ctx, byID(d))
	case "start":
		return none, s.Start(ctx, ident(d), false)
	case "delete":
		return none, s.Delete(ctx, ident(d))
	case "reset":
		return none, s.Reset(ctx, ident(d))
	case "rename":
		return none, s.SetName(ctx, ident(d), op.Str("name"))
	case "sysrq":
		return none, s.SendSysrq(ctx, ident(d), strconv.FormatInt(op.Int("key"), 10))
	case "save":
		return none, s.Save(ctx, byID(d), op.Str("file"), false)
	case "dump":
		// domain_dump(self.dom.domid, file, live, crash, reset).
		return none, s.Dump(ctx, byID(d), op.Str("file"), op.Int("live") != 0, op.Int("crash") != 0, op.Int("reset") != 0)
	case "migrate":
		return none, s.Migrate(ctx, byID(d), migration(op))
	case "pincpu":
		// domain_pincpu returned xc's rc, 0.
		if err := s.PinVCPU(ctx, ident(d), op.Str("vcpu"), op.Str("cpumap")); err != nil {
			return none, err
		}
		return sxp.Int(0), nil
	case "set_vcpus":
		return none, s.SetVCPUCount(ctx, ident(d), int(op.Int("vcpus")))
	case "maxmem_set":
		// xc.domain_setmaxmem's 0 for a running domain; None otherwise.
		if err := s.SetMaxMem(ctx, byID(d), int(op.Int("memory"))); err != nil {
			return none, err
		}
		if d.Active {
			return sxp.Int(0), nil
		}
		return none, nil
	case "mem_target_set":
		return none, s.SetMemoryTarget(ctx, ident(d), int(op.Int("target")))
	case "vcpuinfo":
		return s.VCPUInfo(ctx, ident(d))
	case "wait_for_devices":
		return none, s.WaitForDevices(ctx, ident(d))
	case "devices":
		return s.DeviceSxprs(ctx, ident(d), op.Str("type"))
	case "device_create":
		return s.DeviceCreate(ctx, ident(d), op.Sxpr("config"))
	case "device_configure":
		// domain_device_configure(dom, config, devid): the device is
		// found from config, as xend's DevController did.
		return none, s.DeviceConfigure(ctx, ident(d), op.Sxpr("config"))
	case "device_destroy":
		return none, s.DestroyDevice(ctx, ident(d), op.Str("type"), op.Str("dev"), op.Int("force") != 0, op.Int("rm_cfg") != 0)
	case "domain_sched_credit_get":
		w, c, err := s.SchedCredit(ctx, ident(d))
		if err != nil {
			return none, err
		}
		// A Python dict, shown with repr quoting (spec §6 item 16).
		return sxp.Quoted(fmt.Sprintf("{'cap': %d, 'weight': %d}", c, w)), nil
	case "domain_sched_credit_set":
		w, c := int(op.Int("weight")), int(op.Int("cap"))
		if err := s.SetSchedCredit(ctx, ident(d), &w, &c); err != nil {
			return none, err
		}
		return sxp.Int(0), nil
	}
	return none, fmt.Errorf("op %s is not implemented by xendshim", op.Name)
}

// migration binds op=migrate's arguments as domain_migrate took them:
// port 0 means the relocation port, node -1 no NUMA hint.
func migration(op Op) xend.Migration {
	m := xend.Migration{Host: op.Str("destination"), Port: int(op.Int("port")),
		Live: op.Int("live") != 0, SSL: op.Int("ssl") != 0, ChangeHome: op.Bool("change_home_server"), Node: -1}
	if _, ok := op.Args["node"]; ok {
		m.Node = int(op.Int("node"))
	}
	return m
}
