// Package lsp is cnnc's language server: it speaks the Language Server
// Protocol (JSON-RPC 2.0 framed by Content-Length headers) over a pair of
// streams, for editors that open .cnn files. It publishes the diagnostics of
// cnnc check as the user types, shows a layer's shapes, parameters and
// multiply-adds on hover, formats a document as cnnc fmt does, and completes
// keywords.
//
// Documents are synchronised whole (TextDocumentSyncKind.Full; ranged
// changes are applied too). Positions are UTF-16, the protocol's default.
// A malformed message gets a JSON-RPC error and the server goes on; an
// unknown request gets MethodNotFound and an unknown notification is
// ignored. Requests on documents are answered concurrently, and diagnostics
// published in the background, so a slow one stalls no other;
// $/cancelRequest is honoured (see concurrent.go).
package lsp

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"path"
	"sync"
)

// ErrNoShutdown is returned by Serve when the client sent exit, or closed
// the stream, without asking for shutdown first: the protocol's exit code
// 1.
var ErrNoShutdown = errors.New("lsp: exit without shutdown")

// Server is a language server for .cnn files. Its zero value is ready to
// serve; Version is the version it reports to clients.
type Server struct {
	Version string

	out      *writer
	started  bool // initialize was answered
	shutdown bool // shutdown was answered

	// mu guards what the reading loop shares with the goroutines that
	// answer requests and publish diagnostics. Only the loop changes docs;
	// a document is never changed once stored, but replaced.
	mu         sync.Mutex
	docs       map[string]*document
	pending    map[string]*request  // requests being answered, by id
	toPublish  map[string]*document // the newest document to check, by URI
	publishing map[string]bool      // a goroutine checks this URI
	working    sync.WaitGroup       // those goroutines, which shutdown waits for
	slots      chan struct{}        // one per request being worked on
}

// document is an open .cnn file.
type document struct {
	uri     string
	name    string // the file name cnnc reports, from the URI
	version int
	text    *text
}

// Serve reads messages from r and writes answers and notifications to w
// until the client sends exit. It returns nil after shutdown then exit,
// ErrNoShutdown after exit (or the end of r) without shutdown, and the
// error of a failed read or write otherwise.
func (s *Server) Serve(r io.Reader, w io.Writer) error {
	s.out = &writer{w: w}
	defer s.out.close() // answers still being worked out are dropped
	s.docs = map[string]*document{}
	s.pending = map[string]*request{}
	s.toPublish = map[string]*document{}
	s.publishing = map[string]bool{}
	s.slots = make(chan struct{}, maxWorking)
	br := bufio.NewReader(r)
	for {
		body, err := ReadMessage(br)
		var fe *FramingError
		switch {
		case errors.As(err, &fe):
			if err := s.reply(nullID, nil, errorf(codeParseError, "%s", fe.Msg)); err != nil {
				return err
			}
			continue
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			if s.shutdown {
				return nil
			}
			return ErrNoShutdown
		case err != nil:
			return err
		}
		exit, err := s.handle(body)
		if err != nil {
			return err
		}
		if exit {
			if s.shutdown {
				return nil
			}
			return ErrNoShutdown
		}
	}
}

// handle decodes and dispatches one message body. It reports whether the
// client asked to exit, and returns an error only when writing fails.
func (s *Server) handle(body []byte) (exit bool, err error) {
	if !json.Valid(body) {
		return false, s.reply(nullID, nil, errorf(codeParseError, "the message is not JSON"))
	}
	var m incoming
	if err := json.Unmarshal(body, &m); err != nil {
		return false, s.reply(nullID, nil, errorf(codeInvalidRequest, "the message is not a JSON-RPC request or notification"))
	}
	if m.isRequest() && !validID(m.ID) {
		return false, s.reply(nullID, nil, errorf(codeInvalidRequest, "the id must be a string or a number"))
	}
	if m.Method == nil {
		if len(m.Result) > 0 || len(m.Error) > 0 {
			return false, nil // a response; the server sends no requests
		}
		id := m.ID
		if !m.isRequest() {
			id = nullID
		}
		return false, s.reply(id, nil, errorf(codeInvalidRequest, "the message has no method"))
	}
	if m.JSONRPC != "2.0" {
		if m.isRequest() {
			return false, s.reply(m.ID, nil, errorf(codeInvalidRequest, `jsonrpc must be "2.0"`))
		}
		return false, nil
	}
	method := *m.Method
	if method == "exit" {
		return true, nil
	}
	if !m.isRequest() {
		return false, s.notify(method, m.Params)
	}
	result, rerr, work := s.call(method, m.Params)
	if work != nil {
		s.start(m.ID, method, work)
		return false, nil
	}
	return false, s.reply(m.ID, result, rerr)
}

// call answers a request, turning a panic into an internal error so that
// one bad document cannot stop the server. A request on a document is
// answered by work, which call returns for the caller to run on a
// goroutine of its own (see start): it reads the document as it is now,
// and a slow answer holds up no other.
func (s *Server) call(method string, params json.RawMessage) (result any, rerr *rpcError, work func() any) {
	defer func() {
		if r := recover(); r != nil {
			result, rerr, work = nil, errorf(codeInternalError, "cnnc lsp: %s: %v", method, r), nil
		}
	}()
	switch {
	case method == "initialize":
		if s.started {
			return nil, errorf(codeInvalidRequest, "initialize was already sent"), nil
		}
		s.started = true
		return s.initialize(), nil, nil
	case !s.started:
		return nil, errorf(codeServerNotInitialized, "the server is not initialized: send initialize first"), nil
	case s.shutdown:
		return nil, errorf(codeInvalidRequest, "the server is shut down: only exit may follow"), nil
	}
	var p positionParams // every document request has a textDocument
	switch method {
	case "shutdown":
		// Every answer and diagnostic under way is sent first.
		s.working.Wait()
		s.shutdown = true
		return nil, nil, nil
	case "textDocument/hover", "textDocument/completion":
		if err := decode(params, &p); err != nil {
			return nil, err, nil
		}
	case "textDocument/formatting":
		var f struct {
			TextDocument struct{ URI string } `json:"textDocument"`
		}
		if err := decode(params, &f); err != nil {
			return nil, err, nil
		}
		p.TextDocument.URI = f.TextDocument.URI
	default:
		return nil, errorf(codeMethodNotFound, "method %q is not supported", method), nil
	}
	d := s.docs[p.TextDocument.URI]
	switch method {
	case "textDocument/hover":
		return nil, nil, func() any { return d.hover(p.Position) }
	case "textDocument/completion":
		return nil, nil, func() any { return d.complete(p.Position) }
	}
	return nil, nil, func() any { return d.format() }
}

// positionParams are the parameters of hover and completion.
type positionParams struct {
	TextDocument struct {
		URI string `json:"uri"`
	} `json:"textDocument"`
	Position Position `json:"position"`
}

func decode(params json.RawMessage, v any) *rpcError {
	if len(params) == 0 || string(params) == "null" {
		return errorf(codeInvalidParams, "missing params")
	}
	if err := json.Unmarshal(params, v); err != nil {
		return errorf(codeInvalidParams, "bad params: %v", err)
	}
	return nil
}

func (s *Server) initialize() any {
	return map[string]any{
		"capabilities": map[string]any{
			"positionEncoding": "utf-16",
			"textDocumentSync": map[string]any{
				"openClose": true,
				"change":    1, // full
			},
			"hoverProvider":              true,
			"documentFormattingProvider": true,
			"completionProvider":         map[string]any{"triggerCharacters": []string{" "}},
		},
		"serverInfo": map[string]any{"name": "cnnc", "version": s.Version},
	}
}

// notify handles a notification. Bad parameters are ignored, as the
// protocol gives no way to answer them.
func (s *Server) notify(method string, params json.RawMessage) (err error) {
	if !s.started || s.shutdown {
		return nil
	}
	defer func() {
		if r := recover(); r != nil {
			err = nil // a bug in one document's handling; keep serving
		}
	}()
	switch method {
	case "textDocument/didOpen":
		var p struct {
			TextDocument struct {
				URI     string `json:"uri"`
				Version int    `json:"version"`
				Text    string `json:"text"`
			} `json:"textDocument"`
		}
		if json.Unmarshal(params, &p) != nil || p.TextDocument.URI == "" {
			return nil
		}
		d := &document{uri: p.TextDocument.URI, name: fileName(p.TextDocument.URI), version: p.TextDocument.Version, text: newText(p.TextDocument.Text)}
		s.store(d)
		return nil
	case "textDocument/didChange":
		var p struct {
			TextDocument struct {
				URI     string `json:"uri"`
				Version int    `json:"version"`
			} `json:"textDocument"`
			ContentChanges []struct {
				Range *Range `json:"range"`
				Text  string `json:"text"`
			} `json:"contentChanges"`
		}
		if json.Unmarshal(params, &p) != nil {
			return nil
		}
		old := s.docs[p.TextDocument.URI]
		if old == nil {
			return nil
		}
		d := &document{uri: old.uri, name: old.name, text: old.text}
		for _, c := range p.ContentChanges {
			if c.Range == nil {
				d.text = newText(c.Text)
				continue
			}
			start, end := d.text.byteOffset(c.Range.Start), d.text.byteOffset(c.Range.End)
			end = max(start, end)
			d.text = newText(d.text.s[:start] + c.Text + d.text.s[end:])
		}
		d.version = p.TextDocument.Version
		s.store(d)
		return nil
	case "textDocument/didClose":
		var p struct {
			TextDocument struct {
				URI string `json:"uri"`
			} `json:"textDocument"`
		}
		if json.Unmarshal(params, &p) != nil || s.docs[p.TextDocument.URI] == nil {
			return nil
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.docs, p.TextDocument.URI)
		// Clear the closed file's diagnostics.
		return s.out.write(notification{"2.0", "textDocument/publishDiagnostics", map[string]any{"uri": p.TextDocument.URI, "diagnostics": []any{}}})
	case "$/cancelRequest":
		var p struct {
			ID json.RawMessage `json:"id"`
		}
		if json.Unmarshal(params, &p) == nil && validID(p.ID) {
			return s.cancel(p.ID)
		}
	}
	return nil
}

// reply answers request id with result, or with rerr when it is not nil.
func (s *Server) reply(id json.RawMessage, result any, rerr *rpcError) error {
	if rerr != nil {
		return s.out.write(errorResponse{"2.0", id, rerr})
	}
	return s.out.write(response{"2.0", id, result})
}

// fileName is the name cnnc gives the document of uri: the path of a file
// URI, else the URI's last element ("untitled:Untitled-1" gives
// "Untitled-1").
func fileName(uri string) string {
	u, err := url.Parse(uri)
	if err == nil && u.Scheme == "file" && u.Path != "" {
		return u.Path
	}
	name := uri
	if err == nil && u.Opaque != "" {
		name = u.Opaque
	} else if err == nil && u.Path != "" {
		name = u.Path
	}
	return path.Base(name)
}
