package convert

import (
	"fmt"
	"strings"
)

// maxDiffLines bounds the quadratic line diff; xl.cfg files are tiny.
const maxDiffLines = 5000

// Diff returns a unified-style line diff from old to new ("" when equal),
// labelled with the two names: lines only in old start with "-", lines
// only in new with "+", and shared lines near a change with " ".
func Diff(oldName, old, newName, new string) string {
	if old == new {
		return ""
	}
	a := strings.SplitAfter(old, "\n")
	b := strings.SplitAfter(new, "\n")
	if len(a) > maxDiffLines || len(b) > maxDiffLines {
		return fmt.Sprintf("--- %s\n+++ %s\n(files too long to compare line by line)\n", oldName, newName)
	}
	// LCS table
	n, m := len(a), len(b)
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else if lcs[i+1][j] >= lcs[i][j+1] {
				lcs[i][j] = lcs[i+1][j]
			} else {
				lcs[i][j] = lcs[i][j+1]
			}
		}
	}
	type line struct {
		op   byte
		text string
	}
	var lines []line
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			lines = append(lines, line{' ', a[i]})
			i++
			j++
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			lines = append(lines, line{'-', a[i]})
			i++
		default:
			lines = append(lines, line{'+', b[j]})
			j++
		}
	}
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", oldName, newName)
	const context = 2
	for k, l := range lines {
		near := false
		for d := -context; d <= context; d++ {
			if k+d >= 0 && k+d < len(lines) && lines[k+d].op != ' ' {
				near = true
				break
			}
		}
		if !near {
			continue
		}
		t := l.text
		if t == "" {
			continue
		}
		if !strings.HasSuffix(t, "\n") {
			t += "\n\\ No newline at end of file\n"
		}
		out.WriteByte(l.op)
		out.WriteString(t)
	}
	return out.String()
}
