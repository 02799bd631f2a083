package xmlrpc

import (
	"net/http"
	"strconv"
	"time"
)

// DefaultServerHeader is the Server header value xend's BaseHTTPServer sent on the
// reference host. Clients ignore it; it is kept so that replies look like xend's.
const DefaultServerHeader = "BaseHTTP/0.3 Python/2.7.18"

// appendOK appends the header of a 200 reply exactly as xend wrote it (spec §1.3):
// status line, Server, Date, Content-Type, Content-Length, no Connection header.
func appendOK(b []byte, server string, now time.Time, bodyLen int) []byte {
	b = append(b, "HTTP/1.1 200 OK\r\nServer: "...)
	b = append(b, server...)
	b = append(b, "\r\nDate: "...)
	b = now.UTC().AppendFormat(b, http.TimeFormat)
	b = append(b, "\r\nContent-Type: text/xml\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(bodyLen), 10)
	return append(b, "\r\n\r\n"...)
}

// explanations holds BaseHTTPServer's long texts for the codes this server sends;
// 431 did not exist in Python 2.7 and has a text of its own.
var explanations = map[int]string{
	400: "Bad request syntax or unsupported method",
	408: "Request timed out; try again later.",
	411: "Client must specify Content-Length.",
	413: "Entity is too large.",
	414: "URI is too long.",
	431: "Request header fields are too large.",
	501: "Server does not support this operation",
	503: "The server cannot process the request due to a high load",
	505: "Cannot fulfill request.",
}

// appendError appends BaseHTTPServer's send_error reply: the message as reason
// phrase, its HTML error page (the message escaped as _quote_html did: & < >), "Connection: close". Unlike Python 2.7 it also sends
// Content-Length, so every reply is framed. A HEAD request gets no body.
func appendError(b []byte, server string, now time.Time, code int, message string, head bool) []byte {
	explain, ok := explanations[code]
	if !ok {
		explain = http.StatusText(code)
	}
	body := "<head>\n<title>Error response</title>\n</head>\n<body>\n<h1>Error response</h1>\n" +
		"<p>Error code " + strconv.Itoa(code) + ".\n" +
		"<p>Message: " + string(appendEscaped(nil, message)) + ".\n" +
		"<p>Error code explanation: " + strconv.Itoa(code) + " = " + explain + ".\n</body>\n"
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, ' ')
	b = append(b, sanitizeReason(message)...)
	b = append(b, "\r\nServer: "...)
	b = append(b, server...)
	b = append(b, "\r\nDate: "...)
	b = now.UTC().AppendFormat(b, http.TimeFormat)
	b = append(b, "\r\nContent-Type: text/html\r\nConnection: close\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, "\r\n\r\n"...)
	if !head {
		b = append(b, body...)
	}
	return b
}

// sanitizeReason keeps a reason phrase on one line: CR, LF and other control bytes
// from the client's input become '?'.
func sanitizeReason(s string) string {
	out := []byte(s)
	for i, c := range out {
		if c < 0x20 || c == 0x7f {
			out[i] = '?'
		}
	}
	return string(out)
}
