package cmdutil

import "sync"

// Interrupts lets a command act on the operator's second Ctrl-C (or
// SIGTERM, SIGHUP) in the moment before the process exits: the first
// signal cancels the command's context; the second runs the hooks
// registered here (terminate journals what is still in flight as
// "unknown" and prints the results known so far), then main exits 130.
type Interrupts struct {
	mu    sync.Mutex
	next  int
	hooks map[int]func()
}

// OnQuit registers fn for the second signal; the returned func removes it.
func (i *Interrupts) OnQuit(fn func()) (remove func()) {
	if i == nil {
		return func() {}
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.hooks == nil {
		i.hooks = map[int]func(){}
	}
	id := i.next
	i.next++
	i.hooks[id] = fn
	return func() {
		i.mu.Lock()
		defer i.mu.Unlock()
		delete(i.hooks, id)
	}
}

// Quit runs the registered hooks, in the order registered.
func (i *Interrupts) Quit() {
	if i == nil {
		return
	}
	i.mu.Lock()
	fns := make([]func(), 0, len(i.hooks))
	for id := 0; id < i.next; id++ {
		if fn, ok := i.hooks[id]; ok {
			fns = append(fns, fn)
		}
	}
	i.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
}
