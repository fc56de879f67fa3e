package cli

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/vigil-dev/vigil/inventory"
)

// progressBar draws one status line on a terminal while layers are read:
//
//	reading app:latest  layer 3/7  41.2 MiB / 118.0 MiB  (2 cached)
type progressBar struct {
	w io.Writer

	mu      sync.Mutex
	name    string
	total   int64
	read    int64
	layers  int
	done    int
	cached  int
	stop    chan struct{}
	stopped chan struct{}
}

func newProgressBar(w io.Writer) *progressBar { return &progressBar{w: w} }

func (p *progressBar) Start(src inventory.Source, layers []inventory.Layer, cached []bool) {
	p.mu.Lock()
	p.name = src.Name
	p.layers = len(layers)
	for i, l := range layers {
		if cached[i] {
			p.cached++
			p.done++
		} else {
			p.total += l.Size
		}
	}
	p.stop, p.stopped = make(chan struct{}), make(chan struct{})
	p.mu.Unlock()
	go func() {
		defer close(p.stopped)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.draw()
			}
		}
	}()
}

func (p *progressBar) Read(_ int, n int) {
	p.mu.Lock()
	p.read += int64(n)
	p.mu.Unlock()
}

func (p *progressBar) Done(int) {
	p.mu.Lock()
	p.done++
	p.mu.Unlock()
}

func (p *progressBar) draw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	size := mib(p.read)
	if p.total > 0 {
		size += " / " + mib(p.total)
	}
	line := fmt.Sprintf("reading %s  layer %d/%d  %s", p.name, min(p.done+1, p.layers), p.layers, size)
	if p.cached > 0 {
		line += fmt.Sprintf("  (%d cached)", p.cached)
	}
	if len(line) > 100 {
		line = line[:99] + "…"
	}
	fmt.Fprintf(p.w, "\r\033[K%s", line)
}

func (p *progressBar) Finish() {
	if p.stop == nil {
		return
	}
	close(p.stop)
	<-p.stopped
	fmt.Fprint(p.w, "\r\033[K")
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
