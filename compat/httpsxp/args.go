package httpsxp

import (
	"errors"
	"strings"

	"github.com/xendshim/xendshim/sxp"
)

// argKind is the coercion xend's Args class applied to a form value.
type argKind uint8

const (
	argStr  argKind = iota // str(v)
	argInt                 // int(v): decimal, surrounding whitespace allowed
	argBool                // v.lower() in on/yes/1/true
	argSxpr                // exactly one SXP value
)

// param is one parameter of a FormFn-bound op, in xend's declared order.
type param struct {
	name string
	kind argKind
}

// formValues are bound arguments: string, int64, bool or sxp.Value.
type formValues = map[string]any

// xendError is an error whose text is exactly what xend put in
// (xend.err '…'): an XendError or ArgError raised by the HTTP layer itself.
type xendError struct{ msg string }

func (e *xendError) Error() string { return e.msg }

func xendErr(msg string) error { return &xendError{msg: msg} }

// bindForm binds a request's arguments to an op's parameters the way xend's
// FormFn did (spec §3, "Argument binding"):
//   - form keys that are not parameters (op included) are ignored;
//   - a parameter given more than once → "Too many values for p" (checked
//     in the form dict's order);
//   - values are coerced in the order of a fresh dict built from them, and
//     a failure gives Python's message ("invalid literal for int() ...");
//   - then every parameter must be present → "Missing parameter: p".
//
// implicit holds values filled in by the resource (the domain as "dom");
// a form value of the same name overrides it.
func bindForm(args *Args, params []param, implicit formValues) (formValues, error) {
	kinds := make(map[string]argKind, len(params))
	for _, p := range params {
		kinds[p.name] = p.kind
	}
	raw := map[string]string{}
	var order pyDict
	for _, k := range args.Names() {
		if _, ok := kinds[k]; !ok {
			continue
		}
		switch v := args.Get(k); len(v) {
		case 0:
			continue
		case 1:
			raw[k] = v[0]
			order.insert(k)
		default:
			return nil, xendErr("Too many values for " + k)
		}
	}
	out := formValues{}
	for k, v := range implicit {
		out[k] = v
	}
	for _, k := range order.keys() {
		v, err := coerce(kinds[k], raw[k])
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	for _, p := range params {
		if _, ok := out[p.name]; !ok {
			return nil, xendErr("Missing parameter: " + p.name)
		}
	}
	return out, nil
}

// coerce converts one form value as Args.coerce did.
func coerce(kind argKind, v string) (any, error) {
	switch kind {
	case argInt:
		n, err := pyInt(v)
		if err != nil {
			return nil, xendErr(err.Error())
		}
		return n, nil
	case argBool:
		switch strings.ToLower(v) {
		case "on", "yes", "1", "true":
			return true, nil
		}
		return false, nil
	case argSxpr:
		return parseSxprArg(v)
	}
	return v, nil
}

// parseSxprArg parses a typed sxpr argument: exactly one value. xend said
// "Too many sxprs" for none or several, "Coercion to sxpr failed" for a
// parse error, and a Python TypeError for input ending inside a list or
// string (its parse returned None there).
func parseSxprArg(v string) (sxp.Value, error) {
	vals, err := sxp.ParseAllString(v)
	var se *sxp.SyntaxError
	if err != nil && errors.As(err, &se) {
		if se.XendSilent || errors.Is(err, sxp.ErrUnexpectedEOF) {
			return sxp.Value{}, xendErr("object of type 'NoneType' has no len()")
		}
		return sxp.Value{}, xendErr("Coercion to sxpr failed")
	}
	if err != nil || len(vals) != 1 {
		return sxp.Value{}, xendErr("Too many sxprs")
	}
	return pyStrings(vals[0]), nil
}

// pyStrings turns the quoted strings of parsed input into plain byte
// strings. xend's parser gave Python str for both 'x' and x, and sxp.show
// printed such a str bare when atom-like: a config field sent as
// (uname 'phy:/dev/x') comes back as (uname phy:/dev/x) (golden http/049).
func pyStrings(v sxp.Value) sxp.Value {
	switch v.Kind() {
	case sxp.KindQuoted:
		return sxp.Atom(v.Text())
	case sxp.KindList:
		items := make([]sxp.Value, v.Len())
		for i, x := range v.Items() {
			items[i] = pyStrings(x)
		}
		return sxp.List(items...)
	}
	return v
}

// parseConfigArg reads the config argument of op=create and op=new as
// SrvDomainDir did: the first top-level value; the messages are xend's.
func parseConfigArg(args *Args) (sxp.Value, error) {
	s, ok := args.First("config")
	if !ok {
		return sxp.Value{}, xendErr("Configuration error 'NoneType' object has no attribute '__getitem__'")
	}
	vals, err := sxp.ParseAllString(s)
	if err != nil {
		var se *sxp.SyntaxError
		if errors.As(err, &se) && !se.XendSilent {
			msg := se.XendMsg
			if msg == "" {
				msg = se.Msg
			}
			return sxp.Value{}, xendErr("Invalid configuration " + msg)
		}
	}
	if len(vals) == 0 {
		return sxp.Value{}, xendErr("Configuration error list index out of range")
	}
	return pyStrings(vals[0]), nil
}
