package xmlrpc

import (
	"errors"
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestFormatDouble(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		// Captured in golden/xmlrpc (spec §2.3).
		{123.456789012, "123.456789012"},
		{4.21337728, "4.21337728"},
		{61.728394506, "61.728394506"},
		{1795547903.259293, "1795547903.259293"},
		{0, "0.0"},
		// CPython 2.7 repr rules [derived].
		{math.Copysign(0, -1), "-0.0"},
		{1, "1.0"},
		{-2.5, "-2.5"},
		{0.1, "0.1"},
		{1e-4, "0.0001"},
		{1.5e-5, "1.5e-05"},
		{1e-5, "1e-05"},
		{1e15, "1000000000000000.0"},
		{9999999999999998, "9999999999999998.0"},
		{1e16, "1e+16"},
		{1.2345e100, "1.2345e+100"},
		{5e-324, "5e-324"},
		{math.MaxFloat64, "1.7976931348623157e+308"},
		{math.Inf(1), "inf"},
		{math.Inf(-1), "-inf"},
		{math.NaN(), "nan"},
	}
	for _, tt := range tests {
		if got := FormatDouble(tt.in); got != tt.want {
			t.Errorf("FormatDouble(%v) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestReprStr(t *testing.T) {
	tests := []struct{ in, want string }{
		{"0", "0"},
		{"vbd", "vbd"},
		{"", ""},
		{"a\nb\tc\rd", `a\nb\tc\rd`},
		{`back\slash`, `back\\slash`},
		{"it's", "it's"},                  // delimiter is " so ' stays
		{`say "hi"`, `say "hi"`},          // delimiter is ' so " stays
		{`both ' and "`, `both \' and "`}, // spec §2.6: golden 060-log's \047 bug
		{"\x00\x1f\x7f\xff", `\x00\x1f\x7f\xff`},
		{"caf\xc3\xa9", `caf\xc3\xa9`},
		{"<&>", "<&>"}, // XML escaping happens later, in the encoder
	}
	for _, tt := range tests {
		if got := ReprStr(tt.in); got != tt.want {
			t.Errorf("ReprStr(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestEncodeValue(t *testing.T) {
	tm := time.Date(2026, 11, 24, 19, 13, 15, 0, time.UTC)
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"string", "a<b&c>d\"'\x01", "<value><string>a&lt;b&amp;c&gt;d\"'\x01</string></value>\n"},
		{"empty string", "", "<value><string></string></value>\n"},
		{"int", 42, "<value><int>42</int></value>\n"},
		{"int32 max", int64(math.MaxInt32), "<value><int>2147483647</int></value>\n"},
		{"int32 min", math.MinInt32, "<value><int>-2147483648</int></value>\n"},
		{"uint8", uint8(7), "<value><int>7</int></value>\n"},
		{"small big.Int", big.NewInt(-5), "<value><int>-5</int></value>\n"},
		{"true", true, "<value><boolean>1</boolean></value>\n"},
		{"false", false, "<value><boolean>0</boolean></value>\n"},
		{"double", 1795547903.259293, "<value><double>1795547903.259293</double></value>\n"},
		{"nil has no newline", nil, "<value><nil/></value>"},
		{"empty list", []any{}, "<value><array><data>\n</data></array></value>\n"},
		{"nil slice is empty list", []string(nil), "<value><array><data>\n</data></array></value>\n"},
		{"list", []any{"domid", 5}, "<value><array><data>\n<value><string>domid</string></value>\n<value><int>5</int></value>\n</data></array></value>\n"},
		{"list with nil", []any{nil, 1}, "<value><array><data>\n<value><nil/></value><value><int>1</int></value>\n</data></array></value>\n"},
		{"typed slice", []int{1, 2}, "<value><array><data>\n<value><int>1</int></value>\n<value><int>2</int></value>\n</data></array></value>\n"},
		{"struct keeps order", S("weight", 256, "cap", 0), "<value><struct>\n<member>\n<name>weight</name>\n<value><int>256</int></value>\n</member>\n<member>\n<name>cap</name>\n<value><int>0</int></value>\n</member>\n</struct></value>\n"},
		{"struct key escaped", S("a<b", 1), "<value><struct>\n<member>\n<name>a&lt;b</name>\n<value><int>1</int></value>\n</member>\n</struct></value>\n"},
		{"empty struct", Struct{}, "<value><struct>\n</struct></value>\n"},
		{"map sorted", map[string]int{"b": 2, "a": 1}, "<value><struct>\n<member>\n<name>a</name>\n<value><int>1</int></value>\n</member>\n<member>\n<name>b</name>\n<value><int>2</int></value>\n</member>\n</struct></value>\n"},
		{"base64", []byte("hello"), "<value><base64>\naGVsbG8=\n</base64></value>\n"},
		{"base64 empty", []byte{}, "<value><base64>\n</base64></value>\n"},
		{"base64 wraps at 76", make([]byte, 58), "<value><base64>\n" + strings.Repeat("A", 76) + "\nAA==\n</base64></value>\n"},
		{"dateTime", tm, "<value><dateTime.iso8601>20261124T19:13:15</dateTime.iso8601></value>\n"},
		{"pointer", new(int), "<value><int>0</int></value>\n"},
		{"nil pointer", (*int)(nil), "<value><nil/></value>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AppendValue(nil, tt.in)
			if err != nil {
				t.Fatalf("AppendValue(%#v): %v", tt.in, err)
			}
			if string(got) != tt.want {
				t.Errorf("AppendValue(%#v) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestInt32Rule: an out-of-range integer anywhere turns the whole reply into
// fault 1 with xmlrpclib's text (spec §2.2, §2.5).
func TestInt32Rule(t *testing.T) {
	huge, _ := new(big.Int).SetString("340282366920938463463374607431768211455", 10)
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"int above", int64(math.MaxInt32) + 1, "int exceeds XML-RPC limits"},
		{"int below", int64(math.MinInt32) - 1, "int exceeds XML-RPC limits"},
		{"uint64", uint64(1 << 40), "int exceeds XML-RPC limits"},
		{"nested vcpu_avail", []any{"domain", []any{"vcpu_avail", (1 << 33) - 1}}, "int exceeds XML-RPC limits"},
		{"in struct", S("x", int64(1)<<40), "int exceeds XML-RPC limits"},
		{"long", huge, "long int exceeds XML-RPC limits"},
		{"unsupported type", []any{make(chan int)}, "cannot marshal <type 'chan int'> objects"},
		{"non-string map key", map[int]int{1: 1}, "dictionary key must be string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := EncodeResponse(tt.in)
			var me *MarshalError
			if !errors.As(err, &me) || me.Msg != tt.want {
				t.Fatalf("EncodeResponse(%v) error = %v; want %q", tt.in, err, tt.want)
			}
			got := string(EncodeResult(tt.in, nil))
			want := "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>1</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>" + string(appendEscaped(nil, tt.want)) + "</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n"
			if got != want {
				t.Errorf("EncodeResult(%v) = %q; want %q", tt.in, got, want)
			}
		})
	}
}

func TestEncodeFaultArrayString(t *testing.T) {
	got := string(EncodeFault(&Fault{Code: 2, String: []any{"POOL_BAD_STATE", "activated"}}))
	want := "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>2</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><array><data>\n<value><string>POOL_BAD_STATE</string></value>\n<value><string>activated</string></value>\n</data></array></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n"
	if got != want {
		t.Errorf("EncodeFault(array) = %q; want %q", got, want)
	}
	_, err := DecodeResponse([]byte(got))
	f, ok := AsFault(err)
	if !ok || f.Code != 2 || !reflect.DeepEqual(f.String, []any{"POOL_BAD_STATE", "activated"}) {
		t.Errorf("DecodeResponse(array fault) = %v; want fault 2 with the array", err)
	}
	if s := f.Error(); s != "<Fault 2: ['POOL_BAD_STATE', 'activated']>" {
		t.Errorf("Fault.Error() = %q", s)
	}
}

func TestDecodeValues(t *testing.T) {
	big20, _ := new(big.Int).SetString("99999999999999999999", 10)
	tests := []struct {
		name string
		in   string
		want any
	}{
		{"int", "<int>42</int>", 42},
		{"i4 signed", "<i4>-7</i4>", -7},
		{"i8 plus and spaces", "<i8> +9000000000 </i8>", 9000000000},
		{"beyond int64", "<int>99999999999999999999</int>", big20},
		{"boolean", "<boolean>1</boolean>", true},
		{"string entities", "<string>a&lt;b&amp;&#65;&gt;</string>", "a<b&A>"},
		{"bare value keeps spaces", " bare text ", " bare text "},
		{"empty value", "", ""},
		{"double", "<double>1.5e-05</double>", 1.5e-05},
		{"double inf", "<double>inf</double>", math.Inf(1)},
		{"nil", "<nil/>", nil},
		{"array", "<array><data>\n<value><int>1</int></value><value>x</value></data></array>", []any{1, "x"}},
		{"struct order and dups", "<struct><member><name>b</name><value>1</value></member><member><name>a</name><value><int>2</int></value></member></struct>", S("b", "1", "a", 2)},
		{"base64", "<base64>\naGVs\nbG8=\n</base64>", []byte("hello")},
		{"dateTime", "<dateTime.iso8601>20261124T19:13:15</dateTime.iso8601>", time.Date(2026, 11, 24, 19, 13, 15, 0, time.UTC)},
		{"comment ignored", "<!-- c --><int>1</int>", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := "<?xml version='1.0'?><methodCall><methodName>m</methodName><params><param><value>" + tt.in + "</value></param></params></methodCall>"
			_, args, err := DecodeCall([]byte(doc))
			if err != nil {
				t.Fatalf("DecodeCall(%q): %v", tt.in, err)
			}
			if len(args) != 1 || !reflect.DeepEqual(args[0], tt.want) {
				t.Errorf("DecodeCall(%q) = %#v; want %#v", tt.in, args, tt.want)
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	call := func(v string) string {
		return "<methodCall><methodName>m</methodName><params><param><value>" + v + "</value></param></params></methodCall>"
	}
	tests := []struct {
		name string
		doc  string
		want string // substring of the error
	}{
		{"not xml", "hello", "want <methodCall>"},
		{"empty", "", "unexpected end of document"},
		{"truncated", "<methodCall><methodName>m</methodName><params>", "unexpected end"},
		{"wrong root", "<methodResponse/>", "want <methodCall>"},
		{"no methodName", "<methodCall><params/></methodCall>", "want <methodName>"},
		{"doctype", "<!DOCTYPE methodCall [<!ENTITY a 'b'>]>" + call("&a;"), "DTDs and entity declarations"},
		{"billion laughs", `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>` + call("<string>&lol2;</string>"), "DTDs and entity declarations"},
		{"undefined entity", call("<string>&nbsp;</string>"), "entity"},
		{"external entity", call("<string>&xxe;</string>"), "entity"},
		{"processing instruction", "<?php x?>" + call("1"), "processing instruction"},
		{"unknown type", call("<float>1</float>"), "unknown value type <float>"},
		{"bad int", call("<int>12a</int>"), "bad <int> value"},
		{"hex int", call("<int>0x10</int>"), "bad <int> value"},
		{"bad boolean", call("<boolean>true</boolean>"), "bad boolean value"},
		{"bad double", call("<double>1.0.0</double>"), "bad <double> value"},
		{"hex double", call("<double>0x1p3</double>"), "bad <double> value"},
		{"bad base64", call("<base64>!!!</base64>"), "bad base64"},
		{"bad date", call("<dateTime.iso8601>yesterday</dateTime.iso8601>"), "bad dateTime.iso8601"},
		{"two types in value", call("<int>1</int><int>2</int>"), "want </value>"},
		{"text and element", call("x<int>1</int>"), "mixed"},
		{"nested element in string", call("<string><b/></string>"), "want text"},
		{"array without data", call("<array><value>1</value></array>"), "want <data>"},
		{"member without name", call("<struct><member><value>1</value></member></struct>"), "want <name>"},
		{"text in params", "<methodCall><methodName>m</methodName><params>junk</params></methodCall>", "in <params>"},
		{"trailing garbage", call("1") + "<x/>", "after the document element"},
		{"mismatched tags", "<methodCall><methodName>m</methodCall>", "element <methodName> closed by </methodCall>"},
		{"non-utf8 charset", "<?xml version='1.0' encoding='koi8-r'?>" + call("1"), "unsupported encoding"},
		{"too deep", call(strings.Repeat("<array><data><value>", 101) + strings.Repeat("</value></data></array>", 101)), "nested too deeply"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := DecodeCall([]byte(tt.doc))
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("DecodeCall(%.60q) error = %v; want a *SyntaxError", tt.doc, err)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "xmlrpc: malformed XML-RPC at line ") {
				t.Errorf("DecodeCall(%.60q) error = %q; want it to contain %q", tt.doc, err, tt.want)
			}
		})
	}
}

func TestDecodeLatin1(t *testing.T) {
	doc := "<?xml version='1.0' encoding='iso-8859-1'?><methodCall><methodName>m</methodName><params><param><value>caf\xe9</value></param></params></methodCall>"
	_, args, err := DecodeCall([]byte(doc))
	if err != nil || len(args) != 1 || args[0] != "café" {
		t.Errorf("DecodeCall(latin-1) = %q, %v; want [café]", args, err)
	}
}

func TestDecodeCallNoParams(t *testing.T) {
	m, args, err := DecodeCall([]byte("<?xml version='1.0'?>\n<methodCall>\n<methodName>system.listMethods</methodName>\n</methodCall>\n"))
	if err != nil || m != "system.listMethods" || len(args) != 0 {
		t.Errorf("DecodeCall(no params) = %q, %v, %v", m, args, err)
	}
}

func TestDecodeSizeLimit(t *testing.T) {
	_, _, err := Decoder{MaxBytes: 10}.DecodeCall([]byte("<methodCall><methodName>m</methodName></methodCall>"))
	if err == nil || !strings.Contains(err.Error(), "exceeds the limit of 10") {
		t.Errorf("DecodeCall(over MaxBytes) error = %v; want a size error", err)
	}
}
