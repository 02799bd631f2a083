package xmlrpc

import (
	"bytes"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// sameValues compares decoded values, treating NaN as equal to itself.
func sameValues(a, b any) bool {
	ea, errA := AppendValue(nil, a)
	eb, errB := AppendValue(nil, b)
	if errA == nil && errB == nil {
		return bytes.Equal(ea, eb)
	}
	return reflect.DeepEqual(a, b)
}

// scannerAgrees decodes doc with the scanner and with encoding/xml and reports a
// disagreement: a document only one accepts, or different values.
func scannerAgrees(t *testing.T, doc []byte) {
	t.Helper()
	d := Decoder{MaxDepth: 20}
	m1, a1, err1 := d.decodeCall(doc, scannerTokens)
	m2, a2, err2 := d.decodeCall(doc, stdlibTokens)
	switch {
	case err1 == nil && err2 != nil:
		t.Fatalf("scanner accepts what encoding/xml refuses (%v):\n%q", err2, doc)
	case err1 != nil && err2 == nil:
		// The scanner is stricter than encoding/xml where expat (which xend and
		// Python clients use) is too: it refuses namespaces outright, character
		// references to characters XML does not allow (&#xD800;), attributes not
		// separated by space, an encoding declared after the start, and invalid UTF-8
		// anywhere (encoding/xml lets it pass in processing instructions).
		for _, stricter := range []string{"namespace", "invalid character entity &#", "illegal character",
			"expected space before attribute", "declared after the start", "invalid UTF-8", "expected space after <?"} {
			if strings.Contains(err1.Error(), stricter) {
				return
			}
		}
		t.Fatalf("scanner refuses (%v) what encoding/xml accepts:\n%q", err1, doc)
	case err1 == nil && (m1 != m2 || !sameValues(a1, a2)):
		t.Fatalf("scanner decodes %q %#v; encoding/xml %q %#v", m1, a1, m2, a2)
	}
}

func TestScannerMatchesStdlib(t *testing.T) {
	docs := []string{
		"<?xml version='1.0'?>\n<methodCall>\n<methodName>m</methodName>\n<params>\n<param>\n<value><string>a&amp;b&#x41;&#66;\r\nc\rd</string></value>\n</param>\n</params>\n</methodCall>\n",
		"<methodCall><methodName>m</methodName><params><param><value><![CDATA[<raw> & \r\n]]></value></param></params></methodCall>",
		"<methodCall ><methodName >m</methodName ><params><param><value a='1' b=\"&lt;\"><nil/></value></param></params></methodCall >",
		"<?xml version='1.0' encoding='ISO-8859-1'?><methodCall><methodName>caf\xe9</methodName></methodCall>",
		"<methodCall><methodName>\xff</methodName></methodCall>",
		"<methodCall><methodName>\x01</methodName></methodCall>",
		"<methodCall><methodName>&#0;</methodName></methodCall>",
		"<methodCall><methodName>&#xD800;</methodName></methodCall>",
		"<methodCall><methodName>a</methodName></methodcall>",
		"<methodCall><methodName>m</methodName><params><param><value><i4>1</i4></value></param></params></methodCall><!-- end -->\n",
		"<?xml version='1.1'?><methodCall><methodName>m</methodName></methodCall>",
		"<methodCall><methodName>m</methodName><params><param><value><string>\xe4\xb8\x96\xef\xbf\xbe</string></value></param></params></methodCall>",
	}
	// Edge cases of the XML syntax itself, wrapped in a valid call.
	for _, frag := range []string{
		"<value/>", "<value/ >", "< value>x</value>", "<value\n>x</value\n>", "<value>x</value a='1'>",
		"<value a='1'b='2'>x</value>", "<value a=1>x</value>", "<value a='<'>x</value>", "<value a='&bogus;'>x</value>",
		"<value><!-- a -- b -->x</value>", "<value><!-->x</value>", "<value><![CDATA[a]]]]><![CDATA[>b]]></value>",
		"<value>&#x;</value>", "<value>&#;</value>", "<value>&#1114112;</value>", "<value>&#x10FFFF;</value>", "<value>&#x9;&#xA;&#xD;</value>",
		"<value>a]]>b</value>", "<value><1a/></value>", "<value><v\xc3\xa4lue/></value>", "<value>x</value><?pi x?>",
		"<value><?xml-stylesheet x?>x</value>", "<value>&amp</value>", "<value>&AMP;</value>", "<value><string>a\r\n</string></value>",
		"<value><string a='\r'>x</string></value>", "<value>\xc0\x80</value>", "<value>\xed\xa0\x80</value>", "<value>\xef\xbf\xbf</value>",
	} {
		docs = append(docs, "<methodCall><methodName>m</methodName><params><param>"+frag+"</param></params></methodCall>")
	}
	docs = append(docs, "", "   ", "\xef\xbb\xbf<methodCall><methodName>m</methodName></methodCall>",
		"<?xml?><methodCall><methodName>m</methodName></methodCall>", "<?xmlx?><methodCall><methodName>m</methodName></methodCall>",
		"<methodCall><methodName>m</methodName></methodCall><methodCall/>", "<methodCall><methodName>m</methodName></methodCall>x",
		"<?xml version='1.0' encoding='latin1'?><methodCall><methodName>m</methodName></methodCall>",
		"<!-- c --><?xml version='1.0' encoding='latin1'?><methodCall><methodName>m</methodName></methodCall>")
	for i, d := range docs {
		t.Run(strconv.Itoa(i), func(t *testing.T) { scannerAgrees(t, []byte(d)) })
	}
	for _, g := range loadGolden(t) {
		_, body := splitHTTP(t, g.request)
		scannerAgrees(t, body)
		_, rbody := splitHTTP(t, g.response)
		v1, e1 := Decoder{}.decodeResponse(rbody, scannerTokens)
		v2, e2 := Decoder{}.decodeResponse(rbody, stdlibTokens)
		if !sameValues(v1, v2) || (e1 == nil) != (e2 == nil) {
			t.Errorf("%s: scanner and encoding/xml disagree on the response", g.name)
		}
	}
}

// FuzzScannerMatchesStdlib: the scanner accepts exactly what encoding/xml accepts
// (namespaces aside) and decodes it to the same values.
func FuzzScannerMatchesStdlib(f *testing.F) {
	seedGolden(f, "call")
	f.Add([]byte("<methodCall><methodName>m</methodName><params><param><value><![CDATA[x]]></value></param></params></methodCall>"))
	f.Add([]byte("<methodCall><methodName>&#x41;&lt;</methodName><params><param><value a='1'>x</value></param></params></methodCall>"))
	f.Fuzz(func(t *testing.T, data []byte) { scannerAgrees(t, data) })
}
