package localcluster

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Process is one control-plane process as recorded in the cluster's state file.
type Process struct {
	Name string `json:"name"`
	PID  int    `json:"pid"`
	// Cmdline is the process's /proc/<pid>/cmdline read right after it started. A pid is only
	// signalled while its cmdline is still this one, so a reused pid is never touched.
	Cmdline []string `json:"cmdline"`
	Log     string   `json:"log"`
}

// Running reports whether the recorded process still runs (it exists, is not a zombie and has
// the recorded cmdline).
func (p Process) Running() bool {
	cmdline, err := readCmdline(p.PID)
	if err != nil || !slices.Equal(cmdline, p.Cmdline) {
		return false
	}
	return !isZombie(p.PID)
}

// RSSBytes returns the resident memory of the process, or 0 if it does not run.
func (p Process) RSSBytes() int64 {
	if !p.Running() {
		return 0
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.PID))
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) == 2 && f[1] == "kB" {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}

// proc is a started or attached process.
type proc struct {
	Process
	done chan struct{} // closed once the process was reaped; nil when not our child
}

// startProcess starts bin with args, its output written to logPath (truncated first). A detached
// process gets its own session so it outlives this process; otherwise it gets its own process
// group and is killed if this process dies.
func startProcess(name, bin string, args []string, env []string, dir, logPath string, detached bool) (*proc, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logFile, logFile // files, so no copying goroutines or pipes
	cmd.SysProcAttr = &syscall.SysProcAttr{}
	if detached {
		cmd.SysProcAttr.Setsid = true
	} else {
		cmd.SysProcAttr.Setpgid = true
		cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{
		Process: Process{Name: name, PID: cmd.Process.Pid, Log: logPath},
		done:    make(chan struct{}),
	}
	// Start returns after the exec succeeded, so this is the new program's cmdline.
	if p.Cmdline, err = readCmdline(p.PID); err != nil {
		p.Cmdline = append([]string{bin}, args...)
	}
	go func() {
		_ = cmd.Wait() // reaps the child; its exit shows in the log and in exited()
		close(p.done)
	}()
	return p, nil
}

// exited reports whether the process has ended.
func (p *proc) exited() bool {
	if p.done != nil {
		select {
		case <-p.done:
			return true
		default:
			return false
		}
	}
	return !p.Running()
}

// signal sends sig to the process group the process leads, if the process is still the recorded
// one.
func (p *proc) signal(sig syscall.Signal) {
	if p.exited() {
		return
	}
	if p.done == nil && !p.Running() { // not our child: check the pid is still the recorded process
		return
	}
	if err := syscall.Kill(-p.PID, sig); err != nil {
		_ = syscall.Kill(p.PID, sig) // not a group leader (should not happen): the process alone
	}
}

// waitExit waits until the process ended or the timeout passed, and reports whether it ended.
func (p *proc) waitExit(timeout time.Duration) bool {
	if p.done != nil {
		select {
		case <-p.done:
			return true
		case <-time.After(timeout):
			return false
		}
	}
	deadline := time.Now().Add(timeout)
	for {
		if p.exited() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stopProcesses stops the processes in groups, one group after the other: SIGTERM to every
// process of the group, then SIGKILL to those still running after grace.
func stopProcesses(groups [][]*proc, grace time.Duration) error {
	var errs []error
	for _, group := range groups {
		for _, p := range group {
			p.signal(syscall.SIGTERM)
		}
		for _, p := range group {
			if p.waitExit(grace) {
				continue
			}
			p.signal(syscall.SIGKILL)
			if !p.waitExit(5 * time.Second) {
				errs = append(errs, fmt.Errorf("%s (pid %d) did not exit after SIGKILL", p.Name, p.PID))
			}
		}
	}
	return errors.Join(errs...)
}

func readCmdline(pid int) ([]string, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return nil, err
	}
	data = bytes.TrimSuffix(data, []byte{0})
	if len(data) == 0 {
		return nil, errors.New("empty cmdline") // zombie or kernel thread
	}
	return strings.Split(string(data), "\x00"), nil
}

func isZombie(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	// The state follows the parenthesised command name, which may contain spaces.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 || i+2 >= len(data) {
		return true
	}
	return data[i+2] == 'Z' || data[i+2] == 'X'
}

// logTail returns the last lines of a log file, for error messages.
func logTail(path string, lines int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	all := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

// state is the content of <dir>/state.json.
type state struct {
	// Version of this file's format.
	Version    int       `json:"version"`
	StartedAt  time.Time `json:"startedAt"`
	Server     string    `json:"server"`
	Kubeconfig string    `json:"kubeconfig"`
	BinDir     string    `json:"binDir"`
	Detached   bool      `json:"detached"`
	// Processes in start order.
	Processes []Process `json:"processes"`
}

const stateFile = "state.json"

func writeState(dir string, s state) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, stateFile+".tmp")
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, stateFile))
}

func readState(dir string) (state, error) {
	var s state
	data, err := os.ReadFile(filepath.Join(dir, stateFile))
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return s, fmt.Errorf("parse %s: %w", filepath.Join(dir, stateFile), err)
	}
	if s.Version != 1 {
		return s, fmt.Errorf("%s has format version %d, want 1", filepath.Join(dir, stateFile), s.Version)
	}
	return s, nil
}
