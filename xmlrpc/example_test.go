package xmlrpc_test

import (
	"context"
	"fmt"

	"github.com/xendshim/xendshim/xmlrpc"
)

// A method with a Python-style default, called with too few arguments, answered
// with the TypeError text xend's Python produced.
func ExampleDispatcher() {
	d := xmlrpc.NewDispatcher(xmlrpc.ReprStrings())
	d.Register("xend.domain.pause", []xmlrpc.Param{xmlrpc.Required("dom"), xmlrpc.Optional("state", false)},
		func(ctx context.Context, args []any) (any, error) { return nil, nil },
		xmlrpc.PyName("domain_pause"), xmlrpc.BoundMethod())
	_, err := d.Call(context.Background(), "xend.domain.pause", nil)
	fmt.Println(err)
	// Output: <Fault 1: 'domain_pause() takes at least 2 arguments (1 given)'>
}

// The bytes of a reply, laid out as CPython 2.7's xmlrpclib wrote them.
func ExampleEncodeResponse() {
	body, _ := xmlrpc.EncodeResponse(xmlrpc.S("cap", 0, "weight", 256))
	fmt.Print(string(body))
	// Output:
	// <?xml version='1.0'?>
	// <methodResponse>
	// <params>
	// <param>
	// <value><struct>
	// <member>
	// <name>cap</name>
	// <value><int>0</int></value>
	// </member>
	// <member>
	// <name>weight</name>
	// <value><int>256</int></value>
	// </member>
	// </struct></value>
	// </param>
	// </params>
	// </methodResponse>
}
