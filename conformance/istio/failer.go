package main

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
)

// failer implements istio.io/istio/pkg/test.Failer for use outside `go test`: a Fatal ends
// the calling goroutine (like testing.T.FailNow) and records the message; cleanups run, last
// registered first, when the translation is done.
type failer struct {
	mu       sync.Mutex
	failed   error
	cleanups []func()
	tempDirs []string
	logf     func(format string, args ...any)
}

func (f *failer) Fail()    { f.Fatal("Fail called") }
func (f *failer) FailNow() { f.Fatal("FailNow called") }
func (f *failer) Fatal(args ...any) {
	f.mu.Lock()
	if f.failed == nil {
		f.failed = errors.New(fmt.Sprint(args...))
	}
	f.mu.Unlock()
	runtime.Goexit()
}
func (f *failer) Fatalf(format string, args ...any) { f.Fatal(fmt.Sprintf(format, args...)) }
func (f *failer) Log(args ...any)                   { f.Logf("%s", fmt.Sprint(args...)) }
func (f *failer) Logf(format string, args ...any) {
	if f.logf != nil {
		f.logf(format, args...)
	}
}
func (f *failer) Helper()          {}
func (f *failer) Skip(args ...any) { f.Fatal(append([]any{"skip: "}, args...)...) }
func (f *failer) Cleanup(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cleanups = append(f.cleanups, fn)
}
func (f *failer) TempDir() string {
	d, err := os.MkdirTemp("", "istio-xds")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// runCleanups runs the registered cleanups in reverse order; a panicking cleanup does not stop
// the others.
func (f *failer) runCleanups() {
	f.mu.Lock()
	cs := f.cleanups
	f.cleanups = nil
	f.mu.Unlock()
	for i := len(cs) - 1; i >= 0; i-- {
		func() {
			defer func() { _ = recover() }()
			cs[i]()
		}()
	}
}

func (f *failer) err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failed
}

// runWithFailer runs fn in its own goroutine with a fresh failer (so Fatal can Goexit), waits
// for it, runs the cleanups and returns the failure, if any. A panic becomes an error.
func runWithFailer(fn func(t *failer)) (err error) {
	t := &failer{}
	done := make(chan struct{})
	var panicked any
	go func() {
		defer close(done)
		defer func() {
			if r := recover(); r != nil {
				// The stack says where in Istio it broke; it goes to stderr, the error stays one line.
				panicked = r
				fmt.Fprintf(os.Stderr, "istio-xds: panic: %v\n%s\n", r, debug.Stack())
			}
		}()
		fn(t)
	}()
	<-done
	t.runCleanups()
	if panicked != nil {
		return fmt.Errorf("panic: %v", panicked)
	}
	return t.err()
}
