package lsp

import (
	"encoding/json"
	"fmt"
	"io"
	"testing"
	"time"
)

// blocked is work of one method held up by a test.
type blocked struct {
	started  chan struct{} // receives as the work begins
	release  chan struct{} // closed by the test to let it go on
	finished chan struct{} // receives once its answer is written or dropped
}

// block makes the work of method wait until the test releases it, as a
// pathological file would keep it busy.
func block(t *testing.T, method string) *blocked {
	t.Helper()
	b := &blocked{started: make(chan struct{}, 10), release: make(chan struct{}), finished: make(chan struct{}, 10)}
	testHook = func(m string) func() {
		if m != method {
			return nil
		}
		b.started <- struct{}{}
		<-b.release
		return func() { b.finished <- struct{}{} }
	}
	t.Cleanup(func() {
		testHook = nil
		select {
		case <-b.release:
		default:
			close(b.release)
		}
	})
	return b
}

func wait(t *testing.T, ch chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: nothing in 10s", what)
	}
}

// sendRequest sends a request without waiting for its answer and returns
// its id.
func (c *client) sendRequest(method string, params any) int {
	c.nextID++
	c.send(map[string]any{"jsonrpc": "2.0", "id": c.nextID, "method": method, "params": params})
	return c.nextID
}

// sendAsync frames v and writes it on a goroutine of the client's, in
// order, errors ignored: a server that stalls does not read, and the test
// must see that as an answer that does not come rather than hang on the
// write.
func (c *client) sendAsync(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.async == nil {
		c.async = make(chan string, 100)
		go func() {
			for msg := range c.async {
				io.WriteString(c.in, msg)
			}
		}()
		c.t.Cleanup(func() { close(c.async) })
	}
	c.async <- fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(b), b)
}

// hoverNow sends a hover on line 1 while another request may be in
// progress and checks that its answer is the next message.
func (c *client) hoverNow(uri string, line int) {
	c.t.Helper()
	c.nextID++
	c.sendAsync(map[string]any{"jsonrpc": "2.0", "id": c.nextID, "method": "textDocument/hover",
		"params": map[string]any{"textDocument": doc(uri), "position": pos(line, 1)}})
	m := c.next() // fails after 10s on a stalled server
	if m["id"] != float64(c.nextID) || m["result"] == nil {
		c.t.Fatalf("the next message is %v, want the hover's answer", m)
	}
}

// slowFormatting opens a file that needs formatting and sends a
// formatting request whose work it holds up (see block).
func slowFormatting(t *testing.T) (c *client, uri string, b *blocked, id int) {
	t.Helper()
	c = initialized(t)
	uri = "file:///slow.cnn"
	open(c, uri, "input 4x4x1\n  relu\n")
	b = block(t, "textDocument/formatting")
	id = c.sendRequest("textDocument/formatting", map[string]any{"textDocument": doc(uri), "options": map[string]any{}})
	wait(t, b.started, "formatting")
	return c, uri, b, id
}

// TestSlowRequestDoesNotStall holds a formatting request in progress and
// checks that a hover sent after it is answered first, then the
// formatting.
func TestSlowRequestDoesNotStall(t *testing.T) {
	c, uri, b, id := slowFormatting(t)
	c.hoverNow(uri, 1)
	close(b.release)
	m := c.next()
	if m["id"] != float64(id) || len(m["result"].([]any)) != 1 {
		t.Errorf("formatting: %v", m)
	}
	c.finish(true, nil)
}

// TestCancelRequest cancels a formatting request in progress: it is
// answered at once with RequestCancelled, and its late result is dropped.
func TestCancelRequest(t *testing.T) {
	c, uri, b, id := slowFormatting(t)
	c.sendAsync(map[string]any{"jsonrpc": "2.0", "method": "$/cancelRequest", "params": map[string]any{"id": id}})
	m := c.next()
	if m["id"] != float64(id) || errorCode(m) != codeRequestCancelled {
		t.Fatalf("after cancel: %v", m)
	}
	close(b.release)
	wait(t, b.finished, "formatting's end")
	// A request answered already, or unknown, is not answered again.
	c.notify("$/cancelRequest", map[string]any{"id": id})
	c.notify("$/cancelRequest", map[string]any{"id": "nobody"})
	c.hoverNow(uri, 1) // fails if the late formatting answer came first
	c.finish(true, nil)
}

// TestSlowDiagnosticsDoNotStall holds the check of an edited document in
// progress and checks that a hover on the new text is answered meanwhile,
// and the diagnostics come after.
func TestSlowDiagnosticsDoNotStall(t *testing.T) {
	c := initialized(t)
	uri := "file:///slow.cnn"
	open(c, uri, "input 4x4x1\nrelu\n")
	b := block(t, "textDocument/publishDiagnostics")
	c.notify("textDocument/didChange", map[string]any{"textDocument": map[string]any{"uri": uri, "version": 2},
		"contentChanges": []any{map[string]any{"text": "input 4x4x1\nrelu\nfc 3\n"}}})
	wait(t, b.started, "the check")
	c.hoverNow(uri, 2) // the new line
	close(b.release)
	if ds := c.diagnostics(uri); len(ds) != 0 {
		t.Errorf("diagnostics: %v", ds)
	}
	c.finish(true, nil)
}

// TestBoundedWork lets one request be worked on at a time: a hover waits
// behind a slow formatting, is cancelled while it waits, and is then never
// worked on.
func TestBoundedWork(t *testing.T) {
	defer func(n int) { maxWorking = n }(maxWorking)
	maxWorking = 1
	c, uri, b, id := slowFormatting(t)
	hovers := 0
	hook := testHook
	testHook = func(m string) func() {
		if m == "textDocument/hover" {
			hovers++
		}
		return hook(m)
	}
	c.nextID++
	hover := c.nextID
	c.sendAsync(map[string]any{"jsonrpc": "2.0", "id": hover, "method": "textDocument/hover",
		"params": map[string]any{"textDocument": doc(uri), "position": pos(1, 1)}})
	c.sendAsync(map[string]any{"jsonrpc": "2.0", "method": "$/cancelRequest", "params": map[string]any{"id": hover}})
	if m := c.next(); m["id"] != float64(hover) || errorCode(m) != codeRequestCancelled {
		t.Fatalf("after cancel: %v", m)
	}
	close(b.release)
	if m := c.next(); m["id"] != float64(id) {
		t.Fatalf("want the formatting's answer, got %v", m)
	}
	c.hoverNow(uri, 1)
	if hovers != 1 {
		t.Errorf("%d hovers worked on, want 1 (the cancelled one waited and was dropped)", hovers)
	}
	c.finish(true, nil)
}
