package httpsxp

import (
	"github.com/xendshim/xendshim/sxp"
)

// opTables maps each resource to its POST ops (spec §3.3, §3.4 and the
// node, dmesg and vnet ops). A resource without a table knows no op.
var opTables = map[kind]map[string]*opSpec{
	resDomainDir: domainDirOps,
	resDomain:    domainOps,
	resNode:      nodeOps,
	resDmesg:     dmesgOps,
	resVnetDir:   vnetOps,
}

// domainDirOps are SrvDomainDir's ops on /xend/domain.
var domainDirOps = map[string]*opSpec{
	"create": {run: opCreate},
	"new": {run: func(cl *call, _ target, _ formValues) (sxp.Value, error) {
		config, err := parseConfigArg(cl.req.Args)
		if err != nil {
			return sxp.Value{}, err
		}
		if err := cl.srv.svc.New(config); err != nil {
			return sxp.Value{}, xendErr("Error creating domain: " + errText(err))
		}
		return sxp.Value{}, nil
	}},
	"restore": {thread: true, run: opRestore},
	"list": {run: func(cl *call, _ target, _ formValues) (sxp.Value, error) {
		recs, err := cl.srv.svc.ListRecords()
		if err != nil {
			return sxp.Value{}, err
		}
		return sxp.List(recs...), nil
	}},
}

// opCreate is SrvDomainDir.op_create: parse the first value of config,
// build the domain (left paused), answer "201 created" with a Location of
// "…/xend/domain//NAME" and the new record.
func opCreate(cl *call, _ target, _ formValues) (sxp.Value, error) {
	config, err := parseConfigArg(cl.req.Args)
	if err != nil {
		return sxp.Value{}, err
	}
	d, rec, err := cl.srv.svc.Create(config)
	if err != nil {
		return sxp.Value{}, xendErr("Error creating domain: " + errText(err))
	}
	url, err := cl.prePathURL()
	if err != nil {
		return sxp.Value{}, err
	}
	cl.resp.SetStatus(201, "created")
	cl.resp.SetHeader("Location", url+"/"+d.Name)
	return rec, nil
}

// opRestore is SrvDomainDir.op_restore, a thread op: "201 Created" with a
// Location and no body; a failure keeps status 200 with (xend.err …).
func opRestore(cl *call, _ target, _ formValues) (sxp.Value, error) {
	file, ok := cl.req.Args.First("file")
	if !ok {
		return sxp.Value{}, xendErr("'file'") // KeyError
	}
	d, err := cl.srv.svc.Restore(file)
	if err != nil {
		return sxp.Value{}, err
	}
	url, err := cl.prePathURL()
	if err != nil {
		return sxp.Value{}, err
	}
	cl.resp.SetStatus(201, "Created")
	cl.resp.SetHeader("Location", url+"/"+d.Name)
	return sxp.Value{}, nil
}

// domainOp returns an op that hands its bound arguments to the service.
func domainOp(name string) opFunc {
	return func(cl *call, t target, args formValues) (sxp.Value, error) {
		return cl.srv.svc.DomainOp(t.dom, Op{Name: name, Args: args})
	}
}

// handArgs returns an op written by hand in xend: it reads the named
// arguments from req.args directly (first value wins, no "Too many
// values"); a missing one is Python's KeyError, whose str() is the quoted
// key. Kinds coerce like FormFn.
func handArgs(name string, params ...param) opFunc {
	run := domainOp(name)
	return func(cl *call, t target, _ formValues) (sxp.Value, error) {
		args := formValues{}
		for _, p := range params {
			v, ok := cl.req.Args.First(p.name)
			if !ok {
				return sxp.Value{}, xendErr(sxp.Quote(p.name))
			}
			c, err := coerce(p.kind, v)
			if err != nil {
				return sxp.Value{}, err
			}
			args[p.name] = c
		}
		return run(cl, t, args)
	}
}

func ps(names ...string) []param {
	out := make([]param, 0, len(names))
	for _, n := range names {
		k := argStr
		if i := len(n) - 2; i > 0 && n[i] == ':' {
			switch n[i+1] {
			case 'i':
				k = argInt
			case 'b':
				k = argBool
			case 'x':
				k = argSxpr
			}
			n = n[:i]
		}
		out = append(out, param{name: n, kind: k})
	}
	return out
}

// domainOps are SrvDomain's ops on /xend/domain/<d> (spec §3.4). The
// sedf and credit2 scheduler ops and the legacy configure op are left out
// (501): the shim's hosts run the credit scheduler, which libvirt drives
// through domain_sched_credit_*. The
// implicit "dom" parameter of xend's FormFns is the domain the path
// selected; a form value named dom does not override it here (xend let it,
// which let one domain's URL act on another).
var domainOps = map[string]*opSpec{
	"pause":    {params: ps(), run: domainOp("pause")},
	"unpause":  {params: ps(), run: domainOp("unpause")},
	"shutdown": {accept: true, run: handArgs("shutdown", ps("reason")...)},
	"destroy":  {accept: true, run: domainOp("destroy")},
	"start":    {accept: true, run: domainOp("start")}, // paused is ignored, as in xend
	"delete":   {accept: true, run: domainOp("delete")},
	"reset":    {accept: true, run: domainOp("reset")},
	"rename":   {accept: true, run: handArgs("rename", ps("name")...)},
	"sysrq":    {accept: true, run: handArgs("sysrq", ps("key:i")...)},
	"save":     {accept: true, thread: true, run: handArgs("save", ps("file")...)},
	// dump: libvirt never sends reset (and old libvirt sends live twice),
	// so real xend always failed coredumps from libvirt (spec §6 item 14).
	// The shim defaults reset to 0 and takes the last live.
	"dump":             {accept: true, thread: true, run: opDump},
	"migrate":          {thread: true, params: ps("destination", "live:i", "port:i", "node:i", "ssl:i", "change_home_server:b"), run: domainOp("migrate")},
	"pincpu":           {params: ps("vcpu", "cpumap"), run: domainOp("pincpu")},
	"set_vcpus":        {params: ps("vcpus:i"), run: domainOp("set_vcpus")},
	"maxmem_set":       {params: ps("memory:i"), run: domainOp("maxmem_set")},
	"mem_target_set":   {params: ps("target:i"), run: domainOp("mem_target_set")},
	"vcpuinfo":         {params: ps(), run: domainOp("vcpuinfo")},
	"wait_for_devices": {accept: true, run: domainOp("wait_for_devices")},
	"devices":          {params: ps("type"), run: domainOp("devices")},
	"device_create":    {params: ps("config:x"), run: domainOp("device_create")},
	"device_configure": {params: ps("config:x", "dev"), run: domainOp("device_configure")},
	"device_destroy":   {params: ps("type", "dev", "force:i", "rm_cfg:i"), run: domainOp("device_destroy")},

	"domain_sched_credit_get": {params: ps(), run: domainOp("domain_sched_credit_get")},
	"domain_sched_credit_set": {params: ps("weight:i", "cap:i"), run: domainOp("domain_sched_credit_set")},
}

// dumpParams are SrvDomain.op_dump's FormFn parameters, all required.
var dumpParams = ps("file", "live:i", "crash:i", "reset:i")

// opDump binds dump's arguments the libvirt-friendly way described above;
// file, live and crash stay required. With Options.StrictXend it binds
// them as xend did, so libvirt's dumps fail with "Missing parameter: reset".
func opDump(cl *call, t target, _ formValues) (sxp.Value, error) {
	a := cl.req.Args
	if cl.srv.opts.StrictXend {
		args, err := bindForm(a, dumpParams, nil)
		if err != nil {
			return sxp.Value{}, err
		}
		return domainOp("dump")(cl, t, args)
	}
	args := formValues{"reset": int64(0)}
	for _, p := range dumpParams {
		vs := a.Get(p.name)
		if len(vs) == 0 {
			if p.name == "reset" {
				continue
			}
			return sxp.Value{}, xendErr("Missing parameter: " + p.name)
		}
		v, err := coerce(p.kind, vs[len(vs)-1])
		if err != nil {
			return sxp.Value{}, err
		}
		args[p.name] = v
	}
	return domainOp("dump")(cl, t, args)
}

// nodeOps are SrvNode's ops. Host shutdown and reboot are refused: the
// shim does not power off the machine it runs on for an HTTP request.
var nodeOps = map[string]*opSpec{
	"shutdown": {run: refuse("host shutdown over xend's HTTP interface is not supported by xendshim; use the host's own tools")},
	"reboot":   {run: refuse("host reboot over xend's HTTP interface is not supported by xendshim; use the host's own tools")},
}

// dmesgOps are SrvDmesg's ops: clear's result (0) was not written.
var dmesgOps = map[string]*opSpec{
	"clear": {run: func(cl *call, _ target, _ formValues) (sxp.Value, error) {
		return sxp.Value{}, cl.srv.svc.DmesgClear()
	}},
}

// vnetOps are SrvVnetDir's ops. xendshim has no vnet support (vnets
// needed a kernel module that no current kernel has).
var vnetOps = map[string]*opSpec{
	"create": {params: ps("config:x"), run: refuse("vnets are not supported by xendshim")},
}

func refuse(msg string) opFunc {
	return func(*call, target, formValues) (sxp.Value, error) { return sxp.Value{}, xendErr(msg) }
}
