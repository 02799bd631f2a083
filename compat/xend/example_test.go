package xend_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/xendshim/xendshim/compat/xend"
	"github.com/xendshim/xendshim/sxp"
	"github.com/xendshim/xendshim/toolstack/sim"
)

// Example drives the Service on the simulated reference host: xm create's
// three calls, then xm list's record of the new domain.
func Example() {
	dir, _ := os.MkdirTemp("", "xend-example")
	defer os.RemoveAll(dir)
	ts, err := sim.New(sim.Options{StateDir: filepath.Join(dir, "sim"), Profile: sim.ReferenceProfile()})
	if err != nil {
		panic(err)
	}
	svc, err := xend.New(ts, xend.Options{DomainsPath: filepath.Join(dir, "domains")})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	cfg, _ := sxp.ParseString(`(vm (name web) (memory 256) (vcpus 2)
		(image (linux (kernel /var/lib/xen/boot/vmlinuz-guest) (root '/dev/xvda1 ro')))
		(device (vbd (uname file:/var/lib/xen/images/pv1.img) (dev xvda1) (mode w))))`)
	rec, err := svc.Create(ctx, cfg)
	if err != nil {
		panic(err)
	}
	fmt.Println("created:", rec.ChildText("name", ""), "status", rec.ChildText("status", ""))
	svc.WaitForDevices(ctx, xend.Name("web"))
	svc.Unpause(ctx, xend.Name("web"))

	rec, _ = svc.Domain(ctx, xend.ID(1), false)
	var fields []string
	for _, key := range []string{"domid", "name", "memory", "vcpus", "state", "status"} {
		fields = append(fields, fmt.Sprintf("(%s %s)", key, rec.ChildText(key, "")))
	}
	fmt.Println(strings.Join(fields, " "))
	img, _ := rec.Lookup("image/linux")
	fmt.Println(img.ChildText("args", ""))
	_, err = svc.Domain(ctx, xend.Name("nosuch"), false)
	fmt.Println(xend.FaultOf(err))
	// Output:
	// created: web status 1
	// (domid 1) (name web) (memory 256) (vcpus 2) (state -b----) (status 2)
	// root=/dev/xvda1 ro
	// <Fault 3: 'nosuch'>
}
