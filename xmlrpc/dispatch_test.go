package xmlrpc

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
)

func TestArityError(t *testing.T) {
	tests := []struct {
		name      string
		pyName    string
		nparams   int
		ndefaults int
		variadic  bool
		given     int
		want      string
	}{
		{"too few with default (spec §2.1)", "domain_pause", 3, 1, false, 1, "domain_pause() takes at least 2 arguments (1 given)"},
		{"too many with default", "domain_pause", 3, 1, false, 4, "domain_pause() takes at most 3 arguments (4 given)"},
		{"exactly one", "domain_create", 1, 0, false, 0, "domain_create() takes exactly 1 argument (0 given)"},
		{"exactly one, two given", "domain_create", 1, 0, false, 2, "domain_create() takes exactly 1 argument (2 given)"},
		{"exactly three", "domains_with_state", 3, 0, false, 1, "domains_with_state() takes exactly 3 arguments (1 given)"},
		{"no arguments", "log", 0, 0, false, 1, "log() takes no arguments (1 given)"},
		{"lambda varargs", "<lambda>", 1, 0, true, 0, "<lambda>() takes at least 1 argument (0 given)"},
		{"bound no-arg method", "system_listMethods", 1, 0, false, 2, "system_listMethods() takes exactly 1 argument (2 given)"},
		{"all defaults, too many", "domains", 2, 2, false, 3, "domains() takes at most 2 arguments (3 given)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ArityError(tt.pyName, tt.nparams, tt.ndefaults, tt.variadic, tt.given)
			if got != tt.want {
				t.Errorf("ArityError(%q, %d, %d, %v, %d) = %q; want %q", tt.pyName, tt.nparams, tt.ndefaults, tt.variadic, tt.given, got, tt.want)
			}
		})
	}
}

func testDispatcher() *Dispatcher {
	d := NewDispatcher(ReprStrings())
	d.Register("xend.domain.pause", []Param{Required("dom"), Optional("state", false)},
		func(ctx context.Context, args []any) (any, error) { return args, nil },
		PyName("domain_pause"), BoundMethod(), Doc("Pause domain."))
	d.Register("xend.domain.create", []Param{Required("config")},
		func(ctx context.Context, args []any) (any, error) { return nil, nil }, PyName("domain_create"))
	d.Register("xend.domain.shutdown", []Param{Required("dom")},
		func(ctx context.Context, args []any) (any, error) { return args, nil }, PyName("<lambda>"), Variadic())
	d.Register("xend.domain.destroy", []Param{Required("dom")},
		func(ctx context.Context, args []any) (any, error) {
			return nil, fmt.Errorf("lookup: %w", &Fault{Code: 3, String: args[0]})
		})
	d.Register("xend.plain.error", nil,
		func(ctx context.Context, args []any) (any, error) {
			return nil, errors.New("ab is not convertible to a character")
		})
	d.Register("xend.panics", nil,
		func(ctx context.Context, args []any) (any, error) { panic("boom") })
	d.Register("xend.node.log", nil,
		func(ctx context.Context, args []any) (any, error) { return "a\nb 'c'", nil })
	d.Register("xend.list.strings", nil,
		func(ctx context.Context, args []any) (any, error) { return []any{"a\nb"}, nil })
	return d
}

func TestDispatcherCall(t *testing.T) {
	d := testDispatcher()
	ctx := context.Background()
	tests := []struct {
		name      string
		method    string
		args      []any
		want      any
		wantFault *Fault
	}{
		{"default filled", "xend.domain.pause", []any{"pv1"}, []any{"pv1", false}, nil},
		{"all given", "xend.domain.pause", []any{"pv1", true}, []any{"pv1", true}, nil},
		{"too few", "xend.domain.pause", nil, nil, &Fault{1, "domain_pause() takes at least 2 arguments (1 given)"}},
		{"too many", "xend.domain.pause", []any{1, 2, 3}, nil, &Fault{1, "domain_pause() takes at most 3 arguments (4 given)"}},
		{"unbound exact", "xend.domain.create", []any{}, nil, &Fault{1, "domain_create() takes exactly 1 argument (0 given)"}},
		{"variadic extra", "xend.domain.shutdown", []any{"pv1", "reboot"}, []any{"pv1", "reboot"}, nil},
		{"wrapped fault passes", "xend.domain.destroy", []any{"nosuch"}, nil, &Fault{3, "nosuch"}},
		{"plain error is fault 1", "xend.plain.error", nil, nil, &Fault{1, "ab is not convertible to a character"}},
		{"panic is fault 1", "xend.panics", nil, nil, &Fault{1, "internal error in xend.panics: boom"}},
		{"top-level string repr", "xend.node.log", nil, `a\nb 'c'`, nil},
		{"nested string untouched", "xend.list.strings", nil, []any{"a\nb"}, nil},
		{"unknown method", "xend.nosuch", []any{1}, MethodUnknown("xend.nosuch"), nil},
		{"multicall is unknown", "system.multicall", nil, MethodUnknown("system.multicall"), nil},
		{"methodHelp", "system.methodHelp", []any{"xend.domain.pause"}, "Pause domain.", nil},
		{"methodHelp unknown", "system.methodHelp", []any{"nope"}, "", nil},
		{"methodSignature", "system.methodSignature", []any{"x"}, "signatures not supported", nil},
		{"methodHelp arity", "system.methodHelp", nil, nil, &Fault{1, "system_methodHelp() takes exactly 2 arguments (1 given)"}},
		{"listMethods", "system.listMethods", nil, []any{"system.listMethods", "system.methodHelp", "system.methodSignature",
			"xend.domain.create", "xend.domain.destroy", "xend.domain.pause", "xend.domain.shutdown", "xend.list.strings",
			"xend.node.log", "xend.panics", "xend.plain.error"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := d.Call(ctx, tt.method, tt.args)
			if tt.wantFault != nil {
				f, ok := AsFault(err)
				if !ok || f.Code != tt.wantFault.Code || !reflect.DeepEqual(f.String, tt.wantFault.String) {
					t.Fatalf("Call(%s, %v) error = %v; want %v", tt.method, tt.args, err, tt.wantFault)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Call(%s, %v) = %#v, %v; want %#v", tt.method, tt.args, got, err, tt.want)
			}
		})
	}
}

// TestMethodUnknownBytes checks the unknown-method reply against spec §3.1.
func TestMethodUnknownBytes(t *testing.T) {
	got, err := AppendValue(nil, MethodUnknown("xend.nosuch"))
	want := "<value><struct>\n<member>\n<name>Status</name>\n<value><string>Failure</string></value>\n</member>\n<member>\n<name>ErrorDescription</name>\n<value><array><data>\n<value><string>MESSAGE_METHOD_UNKNOWN</string></value>\n<value><string>xend.nosuch</string></value>\n</data></array></value>\n</member>\n</struct></value>\n"
	if err != nil || string(got) != want {
		t.Errorf("AppendValue(MethodUnknown) = %q, %v; want %q", got, err, want)
	}
}

func TestRegisterPanics(t *testing.T) {
	h := func(ctx context.Context, args []any) (any, error) { return nil, nil }
	tests := []struct {
		name string
		fn   func(d *Dispatcher)
	}{
		{"duplicate", func(d *Dispatcher) { d.Register("system.listMethods", nil, h) }},
		{"required after optional", func(d *Dispatcher) { d.Register("m", []Param{Optional("a", 1), Required("b")}, h) }},
		{"nil handler", func(d *Dispatcher) { d.Register("m", nil, nil) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("Register(%s) did not panic", tt.name)
				}
			}()
			tt.fn(NewDispatcher())
		})
	}
}
