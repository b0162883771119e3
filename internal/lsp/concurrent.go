package lsp

import (
	"encoding/json"
	"fmt"
	goruntime "runtime"
)

// The server reads messages on one goroutine and never waits there for a
// document to be checked or formatted: each request on a document is
// answered by a goroutine of its own, from the document as it was when the
// request arrived, and diagnostics are published by a goroutine per
// document, which checks only the newest version and drops what an edit
// or a close made stale. A pathological file therefore slows only the
// answers about it. At most maxWorking requests are worked on at once, so
// that a flood of them cannot take all memory; a request cancelled while
// it waits is never worked on. Shutdown waits for the work under way, so that its
// answer comes after all others; exit drops what is still under way. $/cancelRequest answers a request at once with
// RequestCancelled; its work's answer, when it comes, is dropped.

// maxWorking bounds the requests worked on at once.
var maxWorking = max(4, 2*goruntime.GOMAXPROCS(0))

// codeRequestCancelled is LSP's error code for a cancelled request.
const codeRequestCancelled = -32800

// request is a request being answered.
type request struct {
	answered bool // a reply was sent (the answer, or the cancellation)
}

// testHook, when a test sets it, is called with the method as the work
// of a request begins (with "textDocument/publishDiagnostics" as a check
// begins); the function it returns, if not nil, is called once the answer
// is written or dropped. It lets tests make a request slow
// deterministically.
var testHook func(method string) (done func())

// idKey is the key of a request id in Server.pending: ids 1 and 1.0 are
// the same, "1" is another.
func idKey(id json.RawMessage) string {
	var v any
	json.Unmarshal(id, &v)
	return fmt.Sprintf("%T %v", v, v)
}

// start answers request id by work on a goroutine of its own, turning a
// panic into an internal error.
func (s *Server) start(id json.RawMessage, method string, work func() any) {
	r := &request{}
	key := idKey(id)
	s.mu.Lock()
	s.pending[key] = r
	s.mu.Unlock()
	s.working.Add(1)
	go func() {
		defer s.working.Done()
		s.slots <- struct{}{}
		defer func() { <-s.slots }()
		s.mu.Lock()
		cancelled := r.answered
		s.mu.Unlock()
		if cancelled { // while it waited for a slot
			return
		}
		var done func()
		if testHook != nil {
			done = testHook(method)
		}
		result, rerr := run(method, work)
		s.mu.Lock()
		answered := r.answered
		r.answered = true
		if s.pending[key] == r {
			delete(s.pending, key)
		}
		s.mu.Unlock()
		if !answered {
			s.reply(id, result, rerr) // a failed write ends the reading loop's next write too
		}
		if done != nil {
			done()
		}
	}()
}

// run calls work, turning a panic into an internal error so that one bad
// document cannot stop the server.
func run(method string, work func() any) (result any, rerr *rpcError) {
	defer func() {
		if r := recover(); r != nil {
			result, rerr = nil, errorf(codeInternalError, "cnnc lsp: %s: %v", method, r)
		}
	}()
	return work(), nil
}

// cancel answers request id with RequestCancelled, unless it was answered
// already (or never sent).
func (s *Server) cancel(id json.RawMessage) error {
	s.mu.Lock()
	key := idKey(id)
	r := s.pending[key]
	if r == nil || r.answered {
		s.mu.Unlock()
		return nil
	}
	r.answered = true
	delete(s.pending, key)
	s.mu.Unlock()
	return s.reply(id, nil, errorf(codeRequestCancelled, "the request was cancelled"))
}

// store makes d the document of its URI and has its diagnostics
// published.
func (s *Server) store(d *document) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.docs[d.uri] = d
	s.toPublish[d.uri] = d
	if !s.publishing[d.uri] {
		s.publishing[d.uri] = true
		s.working.Add(1)
		go s.publishLoop(d.uri)
	}
}

// publishLoop checks the newest document of uri and publishes its
// diagnostics, as long as there is a newer one to check. Diagnostics of a
// document edited or closed meanwhile are dropped.
func (s *Server) publishLoop(uri string) {
	defer s.working.Done()
	for {
		s.mu.Lock()
		d := s.toPublish[uri]
		delete(s.toPublish, uri)
		if d == nil {
			delete(s.publishing, uri)
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		var done func()
		if testHook != nil {
			done = testHook("textDocument/publishDiagnostics")
		}
		ds, rerr := run("diagnostics", func() any { return d.diagnostics() })
		s.mu.Lock()
		if rerr == nil && s.docs[uri] == d {
			s.out.write(notification{"2.0", "textDocument/publishDiagnostics", map[string]any{
				"uri":         d.uri,
				"version":     d.version,
				"diagnostics": ds,
			}})
		}
		s.mu.Unlock()
		if done != nil {
			done()
		}
	}
}
