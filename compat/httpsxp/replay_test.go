package httpsxp

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xendshim/xendshim/compat/xend"
	"github.com/xendshim/xendshim/toolstack/sim"
)

// deviations are the captures where the shim, unless Options.StrictXend
// is set, answers differently from xend on purpose. Each names the file
// under testdata/deviations holding the shim's expected reply, and why.
var deviations = map[string]string{
	// libvirt's coredump never sends reset, so xend 4.4 answered
	// "Missing parameter: reset" to every virsh dump (spec §6 item 14).
	// The shim defaults reset to 0 and dumps the core.
	"043-coredump-no-reset": "dump succeeds: reset defaults to 0 for libvirt",
}

// goldenEntry is one line of testdata/golden/index.tsv.
type goldenEntry struct {
	num, name string
}

func readIndex(t *testing.T) []goldenEntry {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "golden", "index.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	var out []goldenEntry
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if i == 0 {
			continue // header
		}
		f := strings.Split(line, "\t")
		out = append(out, goldenEntry{f[0], f[1]})
	}
	return out
}

// newReplayServer starts the HTTP/SXP server on a fresh simulator loaded
// with the reference host, behind compat/xend, on a UNIX socket.
func newReplayServer(t testing.TB) string {
	t.Helper()
	return newReplayServerOpts(t, Options{})
}

// newReplayServerOpts is newReplayServer with server options.
func newReplayServerOpts(t testing.TB, opts Options) string {
	t.Helper()
	dir := t.TempDir()
	// The reference profile is reference-host.json (toolstack/sim checks
	// its embedded copy is the shared one) with its guest kernel's notes.
	ts, err := sim.New(sim.Options{StateDir: filepath.Join(dir, "sim"), Profile: sim.ReferenceProfile(), NoSync: true, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := xend.New(ts, xend.Options{DomainsPath: filepath.Join(dir, "domains"), LogPath: filepath.Join(dir, "xend.log"), StrictXend: true})
	if err != nil {
		t.Fatal(err)
	}
	path, _ := startServerOpts(t, NewXendService(svc), opts)
	return path
}

// roundTrip sends one captured request on its own connection and reads one
// reply, framed by Content-length as libvirt reads it.
func roundTrip(path string, req []byte) ([]byte, error) {
	c, err := net.Dial("unix", path)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.Write(req); err != nil {
		return nil, err
	}
	br := bufio.NewReader(c)
	var head bytes.Buffer
	n := -1
	for {
		line, err := br.ReadString('\n')
		head.WriteString(line)
		if err != nil {
			return head.Bytes(), fmt.Errorf("reading headers: %w", err)
		}
		if line == "\r\n" {
			break
		}
		if v, ok := strings.CutPrefix(line, "Content-length: "); ok {
			n, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	if n < 0 {
		return head.Bytes(), nil
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(br, body); err != nil {
		return head.Bytes(), fmt.Errorf("reading body: %w", err)
	}
	return append(head.Bytes(), body...), nil
}

// masker replaces what varies by run (golden/README.md): generated UUIDs
// and MACs by order of first appearance, start_time and cpu_time keeping
// their shape, and Content-length once checked against the body.
type masker struct {
	fixed map[string]bool
	seen  map[string]string
}

var (
	uuidRe    = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	macRe     = regexp.MustCompile(`00:16:3e:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}`)
	timeRe    = regexp.MustCompile(`\((start_time|cpu_time) ([0-9.e+-]+)\)`)
	contLenRe = regexp.MustCompile(`(?m)^Content-length: (\d+)\r$`)
)

func newMasker(requests [][]byte) *masker {
	m := &masker{fixed: map[string]bool{"00000000-0000-0000-0000-000000000000": true}, seen: map[string]string{}}
	for _, r := range requests {
		dec := unquote(string(r))
		for _, u := range uuidRe.FindAllString(dec, -1) {
			m.fixed[u] = true
		}
		for _, mac := range macRe.FindAllString(dec, -1) {
			m.fixed[mac] = true
		}
	}
	return m
}

func numShape(s string) string {
	switch {
	case strings.ContainsAny(s, "e"):
		return "<exp>"
	case strings.Contains(s, "."):
		return "<decimal>"
	}
	return "<int>"
}

// mask returns the masked reply, or an error if Content-length lies.
func (m *masker) mask(reply []byte, side string) (string, error) {
	s := string(reply)
	head, body, ok := strings.Cut(s, "\r\n\r\n")
	if ok {
		if sub := contLenRe.FindStringSubmatch(head); sub != nil {
			if n, _ := strconv.Atoi(sub[1]); n != len(body) {
				return "", fmt.Errorf("Content-length %d, body %d bytes", n, len(body))
			}
			head = contLenRe.ReplaceAllString(head, "Content-length: <len>\r")
		}
		s = head + "\r\n\r\n" + body
	}
	rep := func(re *regexp.Regexp, label string) {
		s = re.ReplaceAllStringFunc(s, func(v string) string {
			if m.fixed[v] {
				return v
			}
			key := side + v
			if p, ok := m.seen[key]; ok {
				return p
			}
			n := 1
			for k := range m.seen {
				if strings.HasPrefix(k, side) && strings.Contains(m.seen[k], label) {
					n++
				}
			}
			p := fmt.Sprintf("<%s-%d>", label, n)
			m.seen[key] = p
			return p
		})
	}
	rep(uuidRe, "uuid")
	rep(macRe, "mac")
	s = timeRe.ReplaceAllStringFunc(s, func(v string) string {
		sub := timeRe.FindStringSubmatch(v)
		return "(" + sub[1] + " " + numShape(sub[2]) + ")"
	})
	return s, nil
}

// TestGoldenReplay replays testdata/golden (libvirt's requests to xend
// 4.4.4, in capture order) against the shim on a fresh simulated reference
// host, and compares every reply byte for byte after masking: with
// StrictXend every reply must be xend's; by default the listed deviations
// must give the shim's own reply instead.
func TestGoldenReplay(t *testing.T) {
	for _, strict := range []bool{true, false} {
		t.Run(fmt.Sprintf("StrictXend=%v", strict), func(t *testing.T) { replayGolden(t, strict) })
	}
}

func replayGolden(t *testing.T, strict bool) {
	entries := readIndex(t)
	var reqs [][]byte
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("testdata", "golden", e.num+"-"+e.name+".request.http"))
		if err != nil {
			t.Fatal(err)
		}
		reqs = append(reqs, b)
	}
	path := newReplayServerOpts(t, Options{StrictXend: strict})
	m := newMasker(reqs)
	same, deviated := 0, 0
	for i, e := range entries {
		id := e.num + "-" + e.name
		wantFile := filepath.Join("testdata", "golden", id+".response.http")
		_, deviates := deviations[id]
		deviates = deviates && !strict
		if deviates {
			wantFile = filepath.Join("testdata", "deviations", id+".response.http")
		}
		wantRaw, err := os.ReadFile(wantFile)
		if err != nil {
			t.Fatal(err)
		}
		gotRaw, err := roundTrip(path, reqs[i])
		if err != nil {
			t.Errorf("%s: %v (got %q)", id, err, gotRaw)
			continue
		}
		want, err := m.mask(wantRaw, "want")
		if err != nil {
			t.Fatalf("%s: capture: %v", id, err)
		}
		got, err := m.mask(gotRaw, "got")
		if err != nil {
			t.Errorf("%s: reply: %v", id, err)
			continue
		}
		if got != want {
			t.Errorf("%s: reply differs after masking: %s", id, firstDiff(got, want))
			continue
		}
		if deviates {
			deviated++
		} else {
			same++
		}
	}
	if strict {
		t.Logf("golden replay (StrictXend): %d/%d byte-identical to xend after masking", same, len(entries))
	} else {
		t.Logf("golden replay: %d/%d byte-identical to xend after masking, %d/%d as the listed deliberate deviations", same, len(entries), deviated, len(deviations))
	}
	if same+deviated != len(entries) {
		t.Errorf("golden replay: %d/%d matched; want all", same+deviated, len(entries))
	}
}

// firstDiff shows where got and want part, with some context.
func firstDiff(got, want string) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-60)
	return fmt.Sprintf("at byte %d\n got: …%q\nwant: …%q", i, got[from:min(len(got), i+100)], want[from:min(len(want), i+100)])
}
