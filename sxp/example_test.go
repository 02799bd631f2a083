package sxp_test

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xendshim/xendshim/sxp"
)

func ExampleParseString() {
	v, err := sxp.ParseString(`(domain (domid 3) (name web01) (image (linux (kernel /boot/vmlinuz))))`)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(v.Name(), v.ChildText("name", ""))
	fmt.Println(v.LookupText("image/linux/kernel", ""))
	domid, _ := v.ChildValue("domid")
	n, _ := domid.AsInt()
	fmt.Println(domid.Kind(), n+1)
	// Output:
	// domain web01
	// /boot/vmlinuz
	// atom 4
}

func ExampleParseAll_error() {
	_, err := sxp.ParseAll([]byte("(vm (name 'web01')\n    (memory 512)"))
	fmt.Println(err)
	var se *sxp.SyntaxError
	if errors.As(err, &se) {
		fmt.Println(se.Line, se.Col, se.XendMsg, errors.Is(err, sxp.ErrUnexpectedEOF))
	}
	// Output:
	// sxp: 2:17 (byte 35): unexpected end of input: the list opened at 1:1 is not closed; add 1 ')'
	// 2 17 unexpected EOF true
}

func ExampleShow() {
	reply := sxp.MustFromGo([]any{"domain",
		[]any{"domid", 3},
		[]any{"name", "web01"},
		[]any{"bootloader", ""},
		[]any{"description", "it's a test"},
		[]any{"cpu_time", 1234.56789012345},
		[]any{"is_a_template", false},
	})
	fmt.Println(sxp.Show(reply))
	fmt.Println(sxp.Show(sxp.List(sxp.Atom("vcpu_avail"), sxp.Long(3))))
	// Output:
	// (domain (domid 3) (name web01) (bootloader '') (description "it's a test") (cpu_time 1234.56789012) (is_a_template False))
	// (vcpu_avail '3')
}

func ExamplePretty() {
	v, _ := sxp.ParseString(`(domain (domid 0) (image (linux (kernel '') (args 'ro root=/dev/sda1 quiet'))) (state r-----))`)
	fmt.Print(sxp.Pretty(v, sxp.PrettyWidth))
	fmt.Print(sxp.Pretty(v, 44))
	// Output:
	// (domain
	//     (domid 0)
	//     (image (linux (kernel '') (args 'ro root=/dev/sda1 quiet')))
	//     (state r-----)
	// )
	// (domain
	//     (domid 0)
	//     (image
	//         (linux
	//             (kernel '')
	//             (args 'ro root=/dev/sda1 quiet')
	//         )
	//     )
	//     (state r-----)
	// )
}

func ExampleDecoder() {
	stream := strings.NewReader("(receive (domain 7)) # header\n(data 'chunk 1') (end)")
	d := sxp.NewDecoder(stream)
	for {
		v, err := d.Decode()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(v.Name(), sxp.Show(v))
	}
	// Output:
	// receive (receive (domain 7))
	// data (data 'chunk 1')
	// end (end)
}

func ExampleValue_Children() {
	v, _ := sxp.ParseString(`(domain (device (vbd (dev xvda))) (device (vif (mac 00:16:3e:00:00:01))) (device (vbd (dev xvdb))))`)
	for _, dev := range v.Children("device") {
		kind := dev.Index(1)
		if kind.Name() == "vbd" {
			fmt.Println(kind.ChildText("dev", ""))
		}
	}
	// Output:
	// xvda
	// xvdb
}

func ExampleToGo() {
	v, _ := sxp.ParseString(`(cpus ((0 1) (2)))`)
	fmt.Printf("%#v\n", sxp.ToGo(v))
	// Output:
	// []interface {}{"cpus", []interface {}{[]interface {}{"0", "1"}, []interface {}{"2"}}}
}

func ExampleParseLibvirt() {
	body := []byte(`(domain (name web01) (description "it's mine"))''`)
	v, _ := sxp.ParseLibvirt(body)
	fmt.Println(v.LookupText("domain/name", ""))
	fmt.Println(v.LookupText("domain/description", ""))
	// Output:
	// web01
	// "it's
}
