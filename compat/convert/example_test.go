package convert_test

import (
	"fmt"

	"github.com/xendshim/xendshim/compat/convert"
)

// Converting an xm config held in memory: the xl.cfg text starts with a
// comment block of every change, then one setting per line.
func ExampleBytes() {
	src := []byte("name = 'web'\nmemory = '512'\nvcpus = 2\non_crash = 'restart'\n" +
		"disk = [ 'phy:/dev/vg/web,xvda,w' ]\nvif = [ 'bridge=xenbr0' ]\n")
	r := convert.Bytes("web.cfg", src, convert.Options{})
	fmt.Println(r.Class())
	fmt.Print(r.XL)
	// Output:
	// clean
	// # xl config converted by xendshim from web.cfg
	//
	// name = "web"
	// type = "pv"
	// memory = 512
	// vcpus = 2
	// on_poweroff = "destroy"
	// on_reboot = "restart"
	// on_crash = "restart"
	// disk = [ "format=raw, vdev=xvda, access=rw, target=/dev/vg/web" ]
	// vif = [ "bridge=xenbr0" ]
}
