package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// userHZ is the unit of the CPU times in /proc/PID/stat: USER_HZ, 100 on
// every Linux architecture Go supports.
const userHZ = 100

// watched are other processes (the services, Redis) whose CPU use during
// the measured phase the result reports, so a run shows where the cores
// went.
type watched struct {
	names []string
	pids  []int
}

// parseProcs reads "name=pid,name=pid".
func parseProcs(s string) (watched, error) {
	var w watched
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		name, pid, ok := strings.Cut(part, "=")
		n, err := strconv.Atoi(pid)
		if !ok || name == "" || err != nil || n <= 0 {
			return w, fmt.Errorf("-procs entry %q is not name=pid", part)
		}
		w.names, w.pids = append(w.names, name), append(w.pids, n)
	}
	return w, nil
}

// cpuTimes reads the user and system CPU time of each watched process; a
// process that cannot be read counts zero.
func (w watched) cpuTimes() []time.Duration {
	out := make([]time.Duration, len(w.pids))
	for i, pid := range w.pids {
		out[i], _ = procCPU(pid)
	}
	return out
}

// cores turns two readings over elapsed into cores used, by name.
func (w watched) cores(before, after []time.Duration, elapsed time.Duration) map[string]float64 {
	if len(w.names) == 0 {
		return nil
	}
	out := make(map[string]float64, len(w.names))
	for i, name := range w.names {
		out[name] = (after[i] - before[i]).Seconds() / elapsed.Seconds()
	}
	return out
}

// procCPU reads utime + stime of a process from /proc/PID/stat (fields 14
// and 15; the command name in field 2 may hold spaces, so fields are
// counted after its closing parenthesis).
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, fmt.Errorf("reading CPU time of process %d: %w", pid, err)
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("process %d: short /proc stat line", pid)
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("process %d: unreadable CPU times", pid)
	}
	return time.Duration(utime+stime) * time.Second / userHZ, nil
}

// machineBusy is the CPU time all processes on the machine have used since
// boot (every state of /proc/stat's cpu line but idle and iowait), so a run
// can say how much of the machine something else took.
func machineBusy() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	fields := strings.Fields(line)
	if len(fields) < 5 || fields[0] != "cpu" {
		return 0
	}
	var busy int64
	for i, f := range fields[1:] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0
		}
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		if i >= 8 { // guest and guest_nice are already counted in user and nice
			break
		}
		busy += n
	}
	return time.Duration(busy) * time.Second / userHZ
}
