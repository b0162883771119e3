package main

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestJSON: one short round prints positive rates for every loop this CPU
// runs and every thread count asked for.
func TestJSON(t *testing.T) {
	var out, errs bytes.Buffer
	if st := run([]string{"-rounds", "1", "-mib", "4", "-threads", "1,2", "-format", "json"}, &out, &errs); st != 0 {
		t.Fatalf("status %d: %s", st, errs.String())
	}
	var rep Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.FMA) != len(loops()) {
		t.Errorf("got loops %v, want %d", rep.FMA, len(loops()))
	}
	for _, th := range []string{"1", "2"} {
		if f := rep.Read[th]; !(f.Median > 0 && f.Min <= f.Median && f.Median <= f.Max) {
			t.Errorf("read on %s threads: %+v", th, f)
		}
		for name, m := range rep.FMA {
			if f := m[th]; !(f.Median > 0) {
				t.Errorf("%s on %s threads: %+v", name, th, f)
			}
		}
	}
}

// TestSum: the streaming read adds every value of whole 256-byte blocks.
func TestSum(t *testing.T) {
	b := make([]float32, 64*5+3)
	for i := range b {
		b[i] = float32(i % 5)
	}
	want := float32(0)
	for _, v := range b[:64*5] {
		want += v
	}
	if got := sum(b); got != want {
		t.Errorf("sum = %v, want %v", got, want)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{"-threads", "0"}, {"-rounds", "0"}, {"-format", "xml"}, {"-nope"}} {
		var out, errs bytes.Buffer
		if st := run(args, &out, &errs); st != 2 || errs.Len() == 0 {
			t.Errorf("%v: status %d, stderr %q", args, st, errs.String())
		}
	}
}
