package xl

import (
	"context"
	"strconv"

	"github.com/xendshim/xendshim/toolstack"
)

// Console implements toolstack.Toolstack from xenstore
// (/local/domain/N/console/tty and .../port).
func (b *Backend) Console(ctx context.Context, id toolstack.Domid) (toolstack.ConsoleInfo, error) {
	if err := b.exists(ctx, "console", id); err != nil {
		return toolstack.ConsoleInfo{}, err
	}
	home := "/local/domain/" + did(id) + "/console"
	c := toolstack.ConsoleInfo{TTY: b.xsRead(ctx, home+"/tty")}
	c.Port, _ = strconv.Atoi(b.xsRead(ctx, home+"/port"))
	return c, nil
}

// VNC implements toolstack.Toolstack: the port qemu published in xenstore
// (/local/domain/N/console/vnc-port) and the listen address of the vfb
// backend or the HVM config. ErrNotFound without a display configured,
// ErrUnsupported when one is configured but no device model published a
// port.
func (b *Backend) VNC(ctx context.Context, id toolstack.Domid) (toolstack.VNCEndpoint, error) {
	const op = "vnc"
	cfg, err := b.DomainConfig(ctx, id)
	if err != nil {
		return toolstack.VNCEndpoint{}, err
	}
	var vnc *toolstack.VNCInfo
	for _, v := range cfg.VFBs {
		if v.VNC != nil && v.VNC.Enable.Or(true) {
			vnc = v.VNC
			break
		}
	}
	if vnc == nil && cfg.BInfo.HVM != nil && cfg.BInfo.HVM.VNC != nil && cfg.BInfo.HVM.VNC.Enable.Or(true) {
		vnc = cfg.BInfo.HVM.VNC
	}
	if vnc == nil {
		return toolstack.VNCEndpoint{}, fail(toolstack.ErrNotFound, op, id, "the domain has no VNC display configured")
	}
	port, err := strconv.Atoi(b.xsRead(ctx, "/local/domain/"+did(id)+"/console/vnc-port"))
	if err != nil || port <= 0 {
		return toolstack.VNCEndpoint{}, fail(toolstack.ErrUnsupported, op, id, "no device model published a VNC port (is qemu-system-xen installed?)")
	}
	listen := vnc.Listen
	if l := b.xsRead(ctx, "/local/domain/0/backend/vfb/"+did(id)+"/0/vnclisten"); l != "" {
		listen = l
	}
	if listen == "" {
		listen = "127.0.0.1"
	}
	return toolstack.VNCEndpoint{Listen: listen, Port: port, Display: port - 5900}, nil
}
