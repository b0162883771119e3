// Command peak measures this machine's limits, to judge cnnc's kernels by:
// the float32 multiply-add rate of a register-blocked FMA loop (12
// independent chains of AVX2, and of AVX-512 where the CPU has it) and the
// bandwidth of a streaming read of 1 GiB, each on 1 and 2 threads (or those
// -threads lists). Each figure is the median of -rounds rounds, with the
// lowest and highest; the rounds alternate the measurements, so that all of
// them see the same machine conditions.
//
// Usage:
//
//	go run ./bench/peak [-rounds 5] [-threads 1,2] [-mib 1024] [-format text|json]
//
// GFLOP/s count 2 flops a multiply-add; GB/s are 10⁹ bytes a second.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// fmaLoop is an assembly loop of n iterations of flops flops each.
type fmaLoop struct {
	name  string
	flops float64
	run   func(n uintptr)
}

// Figure is a median over rounds, with the lowest and highest round.
type Figure struct {
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
}

// Report is what peak prints with -format json: GFLOP/s by loop and by
// thread count, GB/s by thread count.
type Report struct {
	CPU    string                       `json:"cpu"`
	Rounds int                          `json:"rounds"`
	MiB    int                          `json:"read_mib"`
	FMA    map[string]map[string]Figure `json:"fma_gflops"`
	Read   map[string]Figure            `json:"read_gbs"`
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("peak", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rounds := fs.Int("rounds", 5, "rounds of every measurement")
	threadList := fs.String("threads", "1,2", "thread counts, comma-separated")
	mib := fs.Int("mib", 1024, "MiB of memory the streaming read reads")
	format := fs.String("format", "text", "text or json")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	threads, err := parseThreads(*threadList)
	if err == nil && (*rounds < 1 || *mib < 1) {
		err = fmt.Errorf("want -rounds and -mib at least 1, got %d and %d", *rounds, *mib)
	}
	if err == nil && *format != "text" && *format != "json" {
		err = fmt.Errorf("unknown format %q (want text or json)", *format)
	}
	if err != nil {
		fmt.Fprintf(stderr, "peak: %v\n", err)
		return 2
	}
	rep := measure(threads, *rounds, *mib)
	if *format == "json" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		fmt.Fprintln(stdout, string(b))
		return 0
	}
	fmt.Fprintf(stdout, "%s; medians of %d rounds (lowest–highest)\n", rep.CPU, rep.Rounds)
	for _, l := range loops() {
		for _, t := range threads {
			f := rep.FMA[l.name][strconv.Itoa(t)]
			fmt.Fprintf(stdout, "FMA %-6s %d thread(s): %6.1f GFLOP/s (%.1f–%.1f)\n", l.name, t, f.Median, f.Min, f.Max)
		}
	}
	for _, t := range threads {
		f := rep.Read[strconv.Itoa(t)]
		fmt.Fprintf(stdout, "read %d MiB %d thread(s): %6.1f GB/s (%.1f–%.1f)\n", rep.MiB, t, f.Median, f.Min, f.Max)
	}
	return 0
}

func parseThreads(s string) ([]int, error) {
	var ts []int
	for f := range strings.SplitSeq(s, ",") {
		t, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || t < 1 || t > 256 {
			return nil, fmt.Errorf("-threads: want counts from 1 to 256, got %q", f)
		}
		ts = append(ts, t)
	}
	return ts, nil
}

func measure(threads []int, rounds, mib int) Report {
	rep := Report{CPU: cpuName(), Rounds: rounds, MiB: mib,
		FMA: map[string]map[string]Figure{}, Read: map[string]Figure{}}
	buf := make([]float32, mib<<20/4)
	for i := range buf {
		buf[i] = 1 // touch every page: a read of never-written memory reads one zero page
	}
	fma := map[string][]float64{}
	read := map[int][]float64{}
	for range rounds {
		for _, l := range loops() {
			for _, t := range threads {
				k := l.name + "/" + strconv.Itoa(t)
				fma[k] = append(fma[k], fmaRate(l, t))
			}
		}
		for _, t := range threads {
			read[t] = append(read[t], readRate(buf, t))
		}
	}
	for _, l := range loops() {
		rep.FMA[l.name] = map[string]Figure{}
		for _, t := range threads {
			rep.FMA[l.name][strconv.Itoa(t)] = figure(fma[l.name+"/"+strconv.Itoa(t)])
		}
	}
	for _, t := range threads {
		rep.Read[strconv.Itoa(t)] = figure(read[t])
	}
	return rep
}

// parallel runs f(i) for i < t, each on a goroutine locked to its thread,
// and returns the seconds from the start until the last is done.
func parallel(t int, f func(i int)) float64 {
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	ready.Add(t)
	done.Add(t)
	for i := range t {
		go func() {
			goruntime.LockOSThread()
			defer goruntime.UnlockOSThread()
			ready.Done()
			<-start
			f(i)
			done.Done()
		}()
	}
	ready.Wait()
	t0 := time.Now()
	close(start)
	done.Wait()
	return time.Since(t0).Seconds()
}

// fmaRate is l's GFLOP/s on t threads, over about 0.3 s.
func fmaRate(l fmaLoop, t int) float64 {
	n := uintptr(1 << 20)
	for {
		s := parallel(t, func(int) { l.run(n) })
		if s > 0.3 {
			return l.flops * float64(n) * float64(t) / s / 1e9
		}
		n *= 2
	}
}

// readRate is the GB/s of t threads reading a part of buf each, the best
// of two passes (the first may still find pages cold in the TLB).
var sink float32

func readRate(buf []float32, t int) float64 {
	best := 0.0
	for range 2 {
		parts := make([]float32, t)
		s := parallel(t, func(i int) {
			n := len(buf) / t
			parts[i] = sum(buf[i*n : (i+1)*n])
		})
		for _, p := range parts {
			sink += p
		}
		best = max(best, float64(len(buf)*4)/s/1e9)
	}
	return best
}

func sumGo(b []float32) float32 {
	var s [8]float32
	for i := 0; i+8 <= len(b); i += 8 {
		for j, v := range b[i : i+8] {
			s[j] += v
		}
	}
	return s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7]
}

func figure(v []float64) Figure {
	s := slices.Clone(v)
	slices.Sort(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return Figure{Median: m, Min: s[0], Max: s[len(s)-1]}
}

// cpuName is /proc/cpuinfo's model name, with the thread count.
func cpuName() string {
	name := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				name = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("%s, %d threads", name, goruntime.NumCPU())
}
