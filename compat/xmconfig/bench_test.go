package xmconfig

import (
	"os"
	"testing"
)

// BenchmarkCorpus measures parse + evaluate + type filter throughput over
// every xm/xl file of the corpus (bytes per second via b.SetBytes).
func BenchmarkCorpus(b *testing.B) {
	var srcs [][]byte
	var names []string
	total := 0
	for _, p := range corpusFiles(b) {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		srcs = append(srcs, data)
		names = append(names, p)
		total += len(data)
	}
	b.SetBytes(int64(total))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j, s := range srcs {
			_, _ = Load(names[j], s, EvalOptions{Vars: map[string]string{"vmid": "3"}})
		}
	}
}
