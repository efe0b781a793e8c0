// Command buildkit-parse-bench reads Dockerfiles with BuildKit's own parser and prints its
// throughput, for scripts/bench-buildkit-native: the same files, in the same order, and the same
// large file as imgc's criterion bench `dockerfile_parse` (compiler/imgc/benches).
//
// usage: buildkit-parse-bench LIST_FILE   (one path a line)
package main

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

func parse(text string) error {
	_, err := parser.Parse(strings.NewReader(text))
	return err
}

// joinable is the rule of the Rust bench: no escape directive in the leading comment lines and
// no continuation at the end, so that joined files mean what they meant alone.
func joinable(text string) bool {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for _, line := range lines {
		trimmed := strings.TrimLeft(line, " \t")
		if !strings.HasPrefix(trimmed, "#") {
			break
		}
		body := strings.ToLower(strings.TrimLeft(strings.TrimLeft(trimmed, "#"), " \t"))
		if strings.HasPrefix(body, "escape") && strings.HasPrefix(strings.TrimLeft(body[len("escape"):], " \t"), "=") {
			return false
		}
	}
	for i := len(lines) - 1; i >= 0; i-- {
		trimmed := strings.TrimSpace(lines[i])
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		return !strings.HasSuffix(strings.TrimRight(lines[i], " \t\r"), "\\")
	}
	return true
}

// cpuSeconds is the CPU time of the process so far, its garbage collector's threads included.
func cpuSeconds() float64 {
	var usage syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &usage)
	return float64(usage.Utime.Nano()+usage.Stime.Nano()) / 1e9
}

// throughput parses texts over and over for about half a second a sample and prints the median
// and best of the samples in MiB/s, in the format of criterion's lines: by the wall clock, then
// by the CPU time the process spent (on a loaded machine the wall clock measures the load too).
func throughput(label string, texts []string, samples int) {
	size := 0
	for _, t := range texts {
		size += len(t)
	}
	rates := make([]float64, 0, samples)
	cpuRates := make([]float64, 0, samples)
	for s := 0; s < samples; s++ {
		start, cpuStart, passes := time.Now(), cpuSeconds(), 0
		for time.Since(start) < time.Second/2 {
			for _, t := range texts {
				_ = parse(t)
			}
			passes++
		}
		seconds := time.Since(start).Seconds()
		rates = append(rates, float64(size*passes)/seconds/(1<<20))
		cpuRates = append(cpuRates, float64(size*passes)/(cpuSeconds()-cpuStart)/(1<<20))
	}
	sort.Float64s(rates)
	sort.Float64s(cpuRates)
	fmt.Printf("dockerfile_parse/%-24s thrpt: median %8.2f MiB/s, best %8.2f MiB/s (%d samples)\n",
		label, rates[len(rates)/2], rates[len(rates)-1], samples)
	fmt.Printf("dockerfile_parse/%-24s cpu:   median %8.2f MiB/s, best %8.2f MiB/s (%d samples)\n",
		label, cpuRates[len(cpuRates)/2], cpuRates[len(cpuRates)-1], samples)
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: buildkit-parse-bench LIST_FILE")
		os.Exit(2)
	}
	list, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var files, joined []string
	rejected, size := 0, 0
	scanner := bufio.NewScanner(list)
	for scanner.Scan() {
		bytes, err := os.ReadFile(scanner.Text())
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		text := string(bytes)
		if parse(text) != nil {
			rejected++
			continue
		}
		files = append(files, text)
		size += len(text)
		if joinable(text) {
			joined = append(joined, text)
		}
	}
	var parts []string
	for i := 0; i < 10; i++ {
		parts = append(parts, joined...)
	}
	large := strings.Join(parts, "\n")
	fmt.Printf("corpus: %d files, %d bytes (%d rejected); large file: %d bytes\n", len(files), size, rejected, len(large))
	throughput("corpus_files", files, 10)
	throughput("large_file", []string{large}, 10)
}
