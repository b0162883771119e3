package compiler

import "strings"

// nearest returns the word of words closest to w in edit distance, ignoring
// case, when it is close enough to be a plausible typo: at most 2 edits, and
// fewer than the length of w.
func nearest(w string, words []string) (string, bool) {
	best, bestD := "", 3
	lower := strings.ToLower(w)
	for _, cand := range words {
		if d := editDistance(lower, cand); d < bestD && d < len(w) {
			best, bestD = cand, d
		}
	}
	return best, best != ""
}

// Nearest is nearest for other packages: cnnc suggests the command or flag
// a mistyped one was probably meant to be with it.
func Nearest(w string, words []string) (string, bool) { return nearest(w, words) }

// editDistance is the Levenshtein distance between a and b, counting a swap
// of two neighbouring letters as one edit ("cnov" is one edit from "conv").
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 1 << 30 // not a typo of any keyword
	}
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
