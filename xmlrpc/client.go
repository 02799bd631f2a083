package xmlrpc

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	kolo "github.com/kolo/xmlrpc"
)

// ProtocolError is an HTTP reply other than 200, as xmlrpclib's ProtocolError:
// xm printed "Xend has probably crashed!  ProtocolError(<code>, <msg>)."
type ProtocolError struct {
	URL     string
	Code    int
	Message string
}

// Error implements error.
func (e *ProtocolError) Error() string {
	return fmt.Sprintf("xmlrpc: %s: HTTP %d %s", e.URL, e.Code, e.Message)
}

// Client calls an XML-RPC server. It is safe for concurrent use.
//
// URLs (spec §1.2):
//
//	httpu:///var/run/xend/xmlrpc.sock   HTTP over a UNIX stream socket
//	http://host:8006/                   HTTP over TCP (path defaults to /RPC2)
//	https://host:8006/                  HTTPS; see WithTLSConfig
//
// Call encodes requests with EncodeCall (the bytes xm's xmlrpclib sent, nil
// included) and decodes replies with the strict Decoder, so ordered structs, nil and
// array faultStrings survive. Kolo returns a github.com/kolo/xmlrpc client on the
// same transport for callers that want replies unmarshalled into Go structs; kolo
// itself cannot send nil, keep struct order or read an array faultString, all of
// which xend uses, hence the two.
type Client struct {
	url       string // as given, for messages
	endpoint  string // the HTTP URL requests go to
	transport *http.Transport
	http      *http.Client
	maxReply  int64
}

// ClientOption configures a Client.
type ClientOption func(*clientConfig)

type clientConfig struct {
	tls      *tls.Config
	timeout  time.Duration
	maxReply int64
}

// WithTLSConfig sets the TLS configuration for https:// URLs (root CAs, client
// certificate). Without it the system roots are used.
func WithTLSConfig(c *tls.Config) ClientOption { return func(cc *clientConfig) { cc.tls = c } }

// WithTimeout bounds each call, connection included (default: none; use the
// context of Call). xend calls such as waitForDevices legitimately take minutes.
func WithTimeout(d time.Duration) ClientOption { return func(cc *clientConfig) { cc.timeout = d } }

// WithMaxReply bounds the size of a reply body (default DefaultMaxDecodeBytes).
func WithMaxReply(n int64) ClientOption { return func(cc *clientConfig) { cc.maxReply = n } }

// NewClient returns a Client for an httpu://, http:// or https:// URL.
func NewClient(rawURL string, opts ...ClientOption) (*Client, error) {
	cfg := clientConfig{maxReply: DefaultMaxDecodeBytes}
	for _, o := range opts {
		o(&cfg)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("xmlrpc: bad server URL %q: %w", rawURL, err)
	}
	tr := &http.Transport{
		Proxy:               nil,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     30 * time.Second,
		TLSClientConfig:     cfg.tls,
		DisableCompression:  true,
	}
	c := &Client{url: rawURL, transport: tr, maxReply: cfg.maxReply}
	switch u.Scheme {
	case "httpu":
		path := u.Path
		if u.Host != "" || !strings.HasPrefix(path, "/") {
			return nil, fmt.Errorf("xmlrpc: bad server URL %q: want httpu:///absolute/socket/path", rawURL)
		}
		var d net.Dialer
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			return d.DialContext(ctx, "unix", path)
		}
		// The Host header cannot carry the socket path through net/http; the server
		// ignores it anyway.
		c.endpoint = "http://localhost/RPC2"
	case "http", "https":
		if u.Host == "" {
			return nil, fmt.Errorf("xmlrpc: bad server URL %q: no host", rawURL)
		}
		if u.Path == "" || u.Path == "/" {
			u.Path = "/RPC2"
		}
		c.endpoint = u.String()
	default:
		return nil, fmt.Errorf("xmlrpc: bad server URL %q: scheme %q not supported (want httpu, http or https)", rawURL, u.Scheme)
	}
	c.http = &http.Client{Transport: tr, Timeout: cfg.timeout}
	return c, nil
}

// Call calls method with positional args and returns the decoded result. A fault
// reply is returned as a *Fault; a non-200 reply as a *ProtocolError; anything
// else is a transport or decoding error.
func (c *Client) Call(ctx context.Context, method string, args ...any) (any, error) {
	body, err := EncodeCall(method, args)
	if err != nil {
		return nil, fmt.Errorf("xmlrpc: encoding call to %s: %w", method, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("xmlrpc: %w", err)
	}
	req.Header.Set("Content-Type", "text/xml")
	req.Header.Set("User-Agent", "xendshim-xmlrpc")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("xmlrpc: calling %s on %s: %w", method, c.url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		msg := strings.TrimPrefix(resp.Status, fmt.Sprint(resp.StatusCode))
		return nil, &ProtocolError{URL: c.url, Code: resp.StatusCode, Message: strings.TrimSpace(msg)}
	}
	reply, err := io.ReadAll(io.LimitReader(resp.Body, c.maxReply+1))
	if err != nil {
		return nil, fmt.Errorf("xmlrpc: reading reply to %s from %s: %w", method, c.url, err)
	}
	if int64(len(reply)) > c.maxReply {
		return nil, fmt.Errorf("xmlrpc: reply to %s from %s exceeds %d bytes", method, c.url, c.maxReply)
	}
	v, err := Decoder{MaxBytes: int(c.maxReply)}.DecodeResponse(reply)
	if err != nil {
		if _, ok := AsFault(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("xmlrpc: reply to %s from %s: %w", method, c.url, err)
	}
	return v, nil
}

// Kolo returns a github.com/kolo/xmlrpc client that talks to the same server over
// the same transport, for unmarshalling replies into Go structs. Its faults are
// kolo.FaultError values.
func (c *Client) Kolo() (*kolo.Client, error) {
	return kolo.NewClient(c.endpoint, c.transport)
}

// Close releases idle connections.
func (c *Client) Close() error {
	c.transport.CloseIdleConnections()
	return nil
}
