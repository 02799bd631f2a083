package xl

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/xendshim/xendshim/toolstack"
)

// monitorCrashExit is xl create's exit status when its background monitor
// dies after the domain was built (seen about 1 in 30 runs in xenlab).
const monitorCrashExit = 3

// Create implements toolstack.Toolstack: the config is rendered as xl.cfg
// (XLConfig) and given to `xl create -p`. When xl exits with status 3 but
// printed no libxl error and a new domain of that name exists, the domain
// was built and only xl's monitor died: Create succeeds and logs it.
func (b *Backend) Create(ctx context.Context, cfg *toolstack.DomainConfig) (toolstack.Domid, error) {
	const op = "create"
	if cfg == nil {
		return 0, fail(toolstack.ErrInvalid, op, nil, "no configuration")
	}
	name := cfg.CInfo.Name
	if err := b.checkConfig(ctx, cfg); err != nil {
		return 0, err
	}
	text, err := XLConfig(cfg)
	if err != nil {
		return 0, wrapClass(toolstack.ErrInvalid, op, name, err)
	}
	b.hostMu.Lock()
	defer b.hostMu.Unlock()
	defer b.cache.invalidate()
	before, err := b.listDomains(ctx, false)
	if err != nil {
		return 0, err
	}
	for _, d := range before {
		if d.Name == name {
			return 0, fail(toolstack.ErrExists, op, name, "a domain named %q exists (id %d)", name, d.Domid)
		}
		if cfg.CInfo.UUID != "" && strings.EqualFold(d.UUID, cfg.CInfo.UUID) {
			return 0, fail(toolstack.ErrExists, op, name, "domain %q (id %d) has UUID %s", d.Name, d.Domid, d.UUID)
		}
	}
	path, err := b.writeConfig(name, text)
	if err != nil {
		return 0, wrapClass(toolstack.ErrBadState, op, name, err)
	}
	defer os.Remove(path)
	args := []string{"create", "-p"}
	if b.opts.NoMonitor {
		args = append(args, "-e")
	}
	args = append(args, path)
	res, err := b.xlT(ctx, b.opts.LongTimeout, op, name, args...)
	if err != nil && !(res.ExitCode == monitorCrashExit && !hasLibxlError(res.Stderr)) {
		return 0, err
	}
	id, lerr := b.findNew(ctx, name, before)
	if lerr != nil {
		if err != nil {
			return 0, err
		}
		return 0, lerr
	}
	if err != nil {
		b.opts.Logf("xl backend: xl create of %q exited %d but domain %d exists: xl's monitor died; continuing (%s)",
			name, res.ExitCode, id, strings.TrimSpace(string(res.Stderr)))
	}
	if err != nil || b.opts.NoMonitor {
		b.unmon.add(id)
	}
	if err := b.createVSCSIs(ctx, id, cfg); err != nil { // vscsi.go: xl has no vscsi
		return 0, err
	}
	return id, nil
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// checkConfig refuses what xl would refuse later or get wrong silently:
// no name, a malformed UUID or MAC, a target above the maximum, and more
// memory than the host has at all.
func (b *Backend) checkConfig(ctx context.Context, cfg *toolstack.DomainConfig) error {
	const op = "create"
	name := cfg.CInfo.Name
	if name == "" {
		return fail(toolstack.ErrInvalid, op, nil, "the domain has no name (c_info.name)")
	}
	if strings.ContainsAny(name, "\x00\n/") {
		return fail(toolstack.ErrInvalid, op, name, "name %q holds '/', NUL or newline", name)
	}
	if u := cfg.CInfo.UUID; u != "" && !uuidRE.MatchString(u) {
		return fail(toolstack.ErrInvalid, op, name, "uuid %q is not of the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", u)
	}
	bi := &cfg.BInfo
	if bi.MaxMemKB > 0 && bi.TargetMemKB > bi.MaxMemKB {
		return fail(toolstack.ErrInvalid, op, name, "memory target %d KiB is above the maximum %d KiB", bi.TargetMemKB, bi.MaxMemKB)
	}
	for _, n := range cfg.NICs {
		if n.MAC != "" && !validMAC(n.MAC) {
			return fail(toolstack.ErrInvalid, op, name, "MAC address %q is not valid (want six hex pairs, unicast)", n.MAC)
		}
	}
	for _, d := range cfg.Disks {
		if _, err := VdevNumber(d.Vdev); err != nil {
			return wrapClass(toolstack.ErrInvalid, op, name, err)
		}
	}
	if _, total, err := b.hostFacts(ctx); err == nil && total > 0 && max(bi.TargetMemKB, bi.MaxMemKB) > total {
		return fail(toolstack.ErrNoMemory, op, name, "%d KiB asked, the host has %d KiB in all", max(bi.TargetMemKB, bi.MaxMemKB), total)
	}
	return nil
}

func (b *Backend) writeConfig(name, text any) (string, error) {
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	safe := strings.Map(func(r rune) rune {
		if r == '/' || r < 0x20 {
			return '_'
		}
		return r
	}, domString(name))
	path := filepath.Join(b.cfgDir, safe+"-"+hex.EncodeToString(rnd[:])+".cfg")
	var data []byte
	switch t := text.(type) {
	case []byte:
		data = t
	case string:
		data = []byte(t)
	}
	return path, os.WriteFile(path, data, 0o600)
}

// findNew returns the domid of the domain called name that was not in before.
func (b *Backend) findNew(ctx context.Context, name string, before []toolstack.DomainInfo) (toolstack.Domid, error) {
	old := map[toolstack.Domid]bool{}
	for _, d := range before {
		old[d.Domid] = true
	}
	now, err := b.listDomains(ctx, false)
	if err != nil {
		return 0, err
	}
	for _, d := range now {
		if !old[d.Domid] && (name == "" || d.Name == name) {
			return d.Domid, nil
		}
	}
	return 0, fail(toolstack.ErrBadState, "create", name, "xl reported no error but no new domain %q is listed", name)
}

func notDom0(op string, id toolstack.Domid) error {
	if id == 0 {
		return fail(toolstack.ErrInvalid, op, id, "not allowed on the control domain (dom0)")
	}
	return nil
}

// row returns the domain's `xl list -v` line.
func (b *Backend) row(ctx context.Context, op string, id toolstack.Domid) (ListRow, error) {
	rows, err := b.listRows(ctx, op, id, "list", "-v", did(id))
	if err != nil {
		return ListRow{}, err
	}
	if len(rows) != 1 {
		return ListRow{}, fail(toolstack.ErrBadState, op, id, "xl list -v %d printed %d domains", id, len(rows))
	}
	return rows[0], nil
}

// maxUnpause bounds how often Unpause undoes pauses stacked by others.
const maxUnpause = 8

// Pause implements toolstack.Toolstack with `xl pause`. The hypervisor
// counts pauses, so a paused domain is left as it is: one Unpause then
// resumes it, as in xend.
func (b *Backend) Pause(ctx context.Context, id toolstack.Domid) error {
	const op = "pause"
	if err := notDom0(op, id); err != nil {
		return err
	}
	if err := b.exists(ctx, op, id); err != nil {
		return err
	}
	unlock := b.domLock(id)
	defer unlock()
	defer b.cache.invalidate()
	r, err := b.row(ctx, op, id)
	if err != nil {
		return err
	}
	if r.State&toolstack.StatePaused != 0 {
		return nil
	}
	_, err = b.xl(ctx, op, id, "pause", did(id))
	return err
}

// Unpause implements toolstack.Toolstack with `xl unpause`, repeated while
// the domain stays paused (pauses stack in the hypervisor: xl create -p,
// xl pause, a debugger), at most maxUnpause times.
func (b *Backend) Unpause(ctx context.Context, id toolstack.Domid) error {
	const op = "unpause"
	if err := notDom0(op, id); err != nil {
		return err
	}
	if err := b.exists(ctx, op, id); err != nil {
		return err
	}
	unlock := b.domLock(id)
	defer unlock()
	defer b.cache.invalidate()
	for i := 0; i < maxUnpause; i++ {
		r, err := b.row(ctx, op, id)
		if err != nil {
			return err
		}
		if r.State&toolstack.StatePaused == 0 {
			return nil
		}
		if _, err := b.xl(ctx, op, id, "unpause", did(id)); err != nil {
			return err
		}
	}
	return fail(toolstack.ErrBadState, op, id, "still paused after %d unpause calls", maxUnpause)
}

// Shutdown implements toolstack.Toolstack: poweroff and halt run `xl
// shutdown -F` (-F: ACPI power button for HVM guests without PV drivers),
// reboot `xl reboot -F`; suspend and crash are written to the guest's
// control/shutdown node, as xend did.
func (b *Backend) Shutdown(ctx context.Context, id toolstack.Domid, req toolstack.ShutdownRequest) error {
	const op = "shutdown"
	if !req.Valid() {
		return fail(toolstack.ErrInvalid, op, id, "reason %q is not one of poweroff, reboot, suspend, crash, halt", req)
	}
	if err := notDom0(op, id); err != nil {
		return err
	}
	switch req {
	case toolstack.RequestPoweroff, toolstack.RequestHalt:
		return b.change(ctx, op, id, "shutdown", "-F", did(id))
	case toolstack.RequestReboot:
		return b.change(ctx, op, id, "reboot", "-F", did(id))
	}
	xs := b.store()
	if xs == nil {
		return fail(toolstack.ErrUnsupported, op, id, "%s needs xenstore, which is unreachable", req)
	}
	if err := b.exists(ctx, op, id); err != nil {
		return err
	}
	unlock := b.domLock(id)
	defer unlock()
	defer b.cache.invalidate()
	if err := xs.Write(ctx, "/local/domain/"+did(id)+"/control/shutdown", string(req)); err != nil {
		return wrapClass(toolstack.ErrBadState, op, id, err)
	}
	return nil
}

// Reboot implements toolstack.Toolstack.
func (b *Backend) Reboot(ctx context.Context, id toolstack.Domid) error {
	return b.Shutdown(ctx, id, toolstack.RequestReboot)
}

// Destroy implements toolstack.Toolstack with `xl destroy`.
func (b *Backend) Destroy(ctx context.Context, id toolstack.Domid) error {
	if err := notDom0("destroy", id); err != nil {
		return err
	}
	if err := b.change(ctx, "destroy", id, "destroy", did(id)); err != nil {
		return err
	}
	b.vscsiGone(ctx, id) // vscsi.go: PVSCSI LUNs are xendshim's to tear down
	return nil
}

// Reset implements toolstack.Toolstack: the domain's current config (same
// name and UUID) is kept, the domain destroyed and created again, running.
func (b *Backend) Reset(ctx context.Context, id toolstack.Domid) (toolstack.Domid, error) {
	if err := notDom0("reset", id); err != nil {
		return 0, err
	}
	cfg, err := b.DomainConfig(ctx, id)
	if err != nil {
		return 0, err
	}
	cfg.CInfo.Domid = 0
	if err := b.Destroy(ctx, id); err != nil {
		return 0, err
	}
	nid, err := b.Create(ctx, cfg)
	if err != nil {
		return 0, err
	}
	return nid, b.Unpause(ctx, nid)
}

// Rename implements toolstack.Toolstack with `xl rename`.
func (b *Backend) Rename(ctx context.Context, id toolstack.Domid, name string) error {
	if name == "" || strings.ContainsAny(name, "\x00\n/") {
		return fail(toolstack.ErrInvalid, "rename", id, "new name %q is empty or holds '/', NUL or newline", name)
	}
	b.hostMu.Lock()
	defer b.hostMu.Unlock()
	doms, err := b.listDomains(ctx, false)
	if err != nil {
		return err
	}
	for _, d := range doms {
		if d.Name == name && d.Domid != id {
			return fail(toolstack.ErrExists, "rename", id, "domain %d is called %q already", d.Domid, name)
		}
	}
	return b.change(ctx, "rename", id, "rename", did(id), name)
}

// SendSysrq implements toolstack.Toolstack with `xl sysrq`.
func (b *Backend) SendSysrq(ctx context.Context, id toolstack.Domid, key byte) error {
	if key <= ' ' || key > '~' {
		return fail(toolstack.ErrInvalid, "sysrq", id, "key %q is not a printable character", key)
	}
	return b.change(ctx, "sysrq", id, "sysrq", did(id), string(rune(key)))
}

// SendTrigger implements toolstack.Toolstack with `xl trigger`.
func (b *Backend) SendTrigger(ctx context.Context, id toolstack.Domid, t toolstack.Trigger, vcpu int) error {
	if !t.Valid() {
		return fail(toolstack.ErrInvalid, "trigger", id, "trigger %q is not one of nmi, reset, init, power, sleep, s3resume", t)
	}
	d, err := b.Domain(ctx, id)
	if err != nil {
		return err
	}
	if vcpu < 0 || vcpu >= d.MaxVCPUs {
		return fail(toolstack.ErrInvalid, "trigger", id, "vCPU %d does not exist (the domain has %d)", vcpu, d.MaxVCPUs)
	}
	return b.change(ctx, "trigger", id, "trigger", did(id), string(t), strconv.Itoa(vcpu))
}
