package convert

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/xendshim/xendshim/compat/xmconfig"
)

// benchInputs returns the corpus xm/xl files, or the converted xl.cfg
// texts written to a temporary directory when converted is true.
func benchInputs(b *testing.B, converted bool) []string {
	root := corpusDir(b)
	var out []string
	dir := b.TempDir()
	for _, rel := range corpusFiles(b, root) {
		if strings.HasPrefix(rel, "sxp/") {
			continue
		}
		if !converted {
			out = append(out, filepath.Join(root, rel))
			continue
		}
		r := convertCorpusFile(root, rel, templateVars)
		if r.Err != nil {
			continue
		}
		p := filepath.Join(dir, strings.ReplaceAll(rel, "/", "_"))
		if err := os.WriteFile(p, []byte(r.XL), 0o644); err != nil {
			b.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// benchXlu runs libxlutil (xl's parser) over files in the xlucheck helper
// and reports its throughput as the xlu-MB/s metric.
func benchXlu(b *testing.B, files []string) {
	bin := xlucheck(b)
	rounds := b.N
	out, err := exec.Command(bin, append([]string{"-bench", fmt.Sprint(rounds)}, files...)...).Output()
	if err != nil {
		b.Fatal(err)
	}
	var bytes int64
	var secs, cpu float64
	if _, err := fmt.Sscan(string(out), &bytes, &secs, &cpu); err != nil || secs <= 0 || cpu <= 0 {
		b.Fatalf("xlucheck -bench printed %q", out)
	}
	b.ReportMetric(float64(bytes)/secs/1e6, "xlu-MB/s")
	b.ReportMetric(float64(bytes)/cpu/1e6, "cpu-MB/s")
}

func benchOurs(b *testing.B, files []string) {
	var srcs [][]byte
	total := 0
	for _, f := range files {
		d, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		srcs = append(srcs, d)
		total += len(d)
	}
	b.SetBytes(int64(total))
	b.ResetTimer()
	cpu0 := cpuSeconds()
	for i := 0; i < b.N; i++ {
		for j, s := range srcs {
			_, _ = xmconfig.Load(files[j], s, xmconfig.EvalOptions{Vars: templateVars})
		}
	}
	if cpu := cpuSeconds() - cpu0; cpu > 0 {
		b.ReportMetric(float64(total)*float64(b.N)/cpu/1e6, "cpu-MB/s")
	}
}

// cpuSeconds is the process's user+system CPU time (all threads, so GC
// work counts too).
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

// BenchmarkCorpusXmconfig: parse + evaluate + filter of the corpus's xm/xl files.
func BenchmarkCorpusXmconfig(b *testing.B) { benchOurs(b, benchInputs(b, false)) }

// BenchmarkCorpusLibxlutil: xl's parser on the same files (it stops at the
// first Python construct of an xm file).
func BenchmarkCorpusLibxlutil(b *testing.B) { benchXlu(b, benchInputs(b, false)) }

// BenchmarkConvertedXmconfig: our reader on the emitted xl.cfg files.
func BenchmarkConvertedXmconfig(b *testing.B) { benchOurs(b, benchInputs(b, true)) }

// BenchmarkConvertedLibxlutil: xl's parser on the emitted xl.cfg files,
// which it reads in full.
func BenchmarkConvertedLibxlutil(b *testing.B) { benchXlu(b, benchInputs(b, true)) }
