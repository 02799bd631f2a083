package xmlrpc

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Handler implements one XML-RPC method. args holds exactly one value per declared
// Param, with omitted trailing parameters already replaced by their defaults, plus
// any extra positional arguments of a Variadic method. Values are those of the
// package's value model (see value.go).
//
// A Handler returns the result value, or an error: a *Fault (possibly wrapped)
// becomes that fault; any other error becomes fault 1 (FaultInternal) with the
// error's text, which is how xend answered every non-Fault exception.
type Handler func(ctx context.Context, args []any) (any, error)

// Param declares one positional parameter of a method.
type Param struct {
	// Name is the parameter's name, used only in documentation.
	Name string
	// Optional marks a parameter with a Python default; Default is then its value.
	Optional bool
	// Default is the value passed to the Handler when the caller omits the
	// parameter. It is ignored unless Optional is set.
	Default any
}

// Required declares a parameter without a default.
func Required(name string) Param { return Param{Name: name} }

// Optional declares a parameter with a Python-style default value (nil stands for
// Python's None).
func Optional(name string, def any) Param { return Param{Name: name, Optional: true, Default: def} }

// MethodOption adjusts how a registered method reports itself.
type MethodOption func(*method)

// PyName sets the Python function name used in TypeError texts, e.g. "domain_pause"
// for xend.domain.pause or "<lambda>" for xend's lambda dispatchers. Without it the
// last dot-separated part of the method name is used.
func PyName(name string) MethodOption { return func(m *method) { m.pyName = name } }

// BoundMethod makes the method count an implicit self argument, as a bound Python
// method does: domain_pause(self, domid, state=False) called with no argument
// fails with "domain_pause() takes at least 2 arguments (1 given)".
func BoundMethod() MethodOption { return func(m *method) { m.self = true } }

// Variadic makes the method accept extra positional arguments (*args); they are
// appended to args after the declared parameters.
func Variadic() MethodOption { return func(m *method) { m.variadic = true } }

// Doc sets the docstring that system.methodHelp returns for the method.
func Doc(text string) MethodOption { return func(m *method) { m.doc = text } }

type method struct {
	name     string
	pyName   string
	params   []Param
	self     bool
	variadic bool
	doc      string
	fn       Handler
}

// Dispatcher routes decoded calls to registered methods. It implements Service.
// It is safe for concurrent use; methods may be registered while serving.
type Dispatcher struct {
	mu          sync.RWMutex
	methods     map[string]*method
	reprStrings bool
}

// DispatcherOption configures a Dispatcher.
type DispatcherOption func(*Dispatcher)

// ReprStrings makes the Dispatcher replace a top-level string result s with
// Python's repr(s)[1:-1], as xend's xmlrpclib2 server did (spec §2.6). Strings
// nested in arrays or structs are left alone, as are fault strings.
func ReprStrings() DispatcherOption { return func(d *Dispatcher) { d.reprStrings = true } }

// NewDispatcher returns a Dispatcher with system.listMethods, system.methodHelp and
// system.methodSignature registered, as SimpleXMLRPCServer's
// register_introspection_functions did (bound methods of the server).
func NewDispatcher(opts ...DispatcherOption) *Dispatcher {
	d := &Dispatcher{methods: make(map[string]*method)}
	for _, o := range opts {
		o(d)
	}
	d.Register("system.listMethods", nil, d.listMethods,
		PyName("system_listMethods"), BoundMethod(),
		Doc("system.listMethods() => ['add', 'subtract', 'multiple']\n\nReturns a list of the methods supported by the server."))
	d.Register("system.methodHelp", []Param{Required("method_name")}, d.methodHelp,
		PyName("system_methodHelp"), BoundMethod(),
		Doc("system.methodHelp('add') => \"Adds two integers together\"\n\nReturns a string containing documentation for the specified method."))
	d.Register("system.methodSignature", []Param{Required("method_name")}, d.methodSignature,
		PyName("system_methodSignature"), BoundMethod(),
		Doc("system.methodSignature('add') => [double, int, int]\n\nReturns a list describing the signature of the method. In the\nabove example, the add method takes two integers as arguments\nand returns a double result.\n\nThis server does NOT support system.methodSignature."))
	return d
}

// Register adds a method. params lists its positional parameters in order; every
// Optional parameter must come after the required ones, as in Python. Register
// panics on a duplicate name or a required parameter after an optional one, since
// both are programming errors (like http.ServeMux).
func (d *Dispatcher) Register(name string, params []Param, fn Handler, opts ...MethodOption) {
	if name == "" || fn == nil {
		panic("xmlrpc: Register needs a name and a handler")
	}
	seenOptional := false
	for _, p := range params {
		if p.Optional {
			seenOptional = true
		} else if seenOptional {
			panic(fmt.Sprintf("xmlrpc: Register(%q): required parameter %q follows an optional one", name, p.Name))
		}
	}
	m := &method{name: name, params: append([]Param(nil), params...), fn: fn}
	m.pyName = name[strings.LastIndex(name, ".")+1:]
	for _, o := range opts {
		o(m)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, dup := d.methods[name]; dup {
		panic(fmt.Sprintf("xmlrpc: method %q registered twice", name))
	}
	d.methods[name] = m
}

// Methods returns the registered method names, sorted bytewise (what
// system.listMethods returns).
func (d *Dispatcher) Methods() []string {
	d.mu.RLock()
	defer d.mu.RUnlock()
	names := make([]string, 0, len(d.methods))
	for n := range d.methods {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// MethodUnknown returns the successful reply xend gave for a method that is not
// registered (spec §3.1): {Status: 'Failure', ErrorDescription:
// ['MESSAGE_METHOD_UNKNOWN', name]}. It is not a fault.
func MethodUnknown(name string) Struct {
	return Struct{
		{Name: "Status", Value: "Failure"},
		{Name: "ErrorDescription", Value: []any{"MESSAGE_METHOD_UNKNOWN", name}},
	}
}

// Call implements Service. It checks the arity against the declared parameters,
// fills in defaults and runs the method. Wrong arity gives fault 1 with CPython
// 2.7's TypeError text; an unknown name gives MethodUnknown(name) as the result;
// a panicking handler gives fault 1 instead of crashing the server.
func (d *Dispatcher) Call(ctx context.Context, name string, args []any) (result any, err error) {
	d.mu.RLock()
	m := d.methods[name]
	d.mu.RUnlock()
	if m == nil {
		return MethodUnknown(name), nil
	}
	full, err := m.bind(args)
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			result = nil
			err = &Fault{Code: FaultInternal, String: fmt.Sprintf("internal error in %s: %v", name, r)}
		}
	}()
	result, err = m.fn(ctx, full)
	if err != nil {
		if f, ok := AsFault(err); ok {
			return nil, f
		}
		return nil, &Fault{Code: FaultInternal, String: err.Error()}
	}
	if s, ok := result.(string); ok && d.reprStrings {
		result = ReprStr(s)
	}
	return result, nil
}

// bind checks the number of positional arguments and returns them completed with
// defaults, or fault 1 with the TypeError CPython 2.7 raised.
func (m *method) bind(args []any) ([]any, error) {
	n := len(m.params)
	defaults := 0
	for _, p := range m.params {
		if p.Optional {
			defaults++
		}
	}
	if len(args) < n-defaults || (len(args) > n && !m.variadic) {
		self := 0
		if m.self {
			self = 1
		}
		return nil, &Fault{Code: FaultInternal,
			String: ArityError(m.pyName, n+self, defaults, m.variadic, len(args)+self)}
	}
	full := make([]any, 0, max(n, len(args)))
	full = append(full, args...)
	for i := len(args); i < n; i++ {
		full = append(full, m.params[i].Default)
	}
	return full, nil
}

// ArityError returns the TypeError text CPython 2.7 raised (ceval.c) when a function
// called pyName with nparams positional parameters, ndefaults of them with defaults,
// and *args if variadic, is called with given positional arguments. Counts include
// self for bound methods. Examples:
//
//	domain_pause() takes at least 2 arguments (1 given)
//	domain_create() takes exactly 1 argument (2 given)
//	f() takes no arguments (1 given)
func ArityError(pyName string, nparams, ndefaults int, variadic bool, given int) string {
	if nparams == 0 && !variadic {
		return fmt.Sprintf("%s() takes no arguments (%d given)", pyName, given)
	}
	plural := func(k int) string {
		if k == 1 {
			return ""
		}
		return "s"
	}
	if given > nparams && !variadic {
		how := "exactly"
		if ndefaults > 0 {
			how = "at most"
		}
		return fmt.Sprintf("%s() takes %s %d argument%s (%d given)", pyName, how, nparams, plural(nparams), given)
	}
	m := nparams - ndefaults
	how := "exactly"
	if ndefaults > 0 || variadic {
		how = "at least"
	}
	return fmt.Sprintf("%s() takes %s %d argument%s (%d given)", pyName, how, m, plural(m), given)
}

func (d *Dispatcher) listMethods(ctx context.Context, args []any) (any, error) {
	names := d.Methods()
	out := make([]any, len(names))
	for i, n := range names {
		out[i] = n
	}
	return out, nil
}

// methodHelp returns the docstring of a registered method, or "" (spec §5.7).
func (d *Dispatcher) methodHelp(ctx context.Context, args []any) (any, error) {
	name, _ := args[0].(string)
	d.mu.RLock()
	m := d.methods[name]
	d.mu.RUnlock()
	if m == nil {
		return "", nil
	}
	return m.doc, nil
}

// methodSignature always answers "signatures not supported", as xend did.
func (d *Dispatcher) methodSignature(ctx context.Context, args []any) (any, error) {
	return "signatures not supported", nil
}
