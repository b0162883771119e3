package lsp

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/cnnc/cnnc/compiler"
	"github.com/cnnc/cnnc/dsl"
)

// client speaks the protocol to a Server running in-process over pipes,
// as an editor would.
type client struct {
	t      *testing.T
	in     *io.PipeWriter
	msgs   chan map[string]any // everything the server writes, in order
	done   chan error          // Serve's result
	nextID int
	// notes holds notifications that arrived while waiting for a
	// response.
	notes []map[string]any
	async chan string // messages sendAsync writes, in order
}

func start(t *testing.T) *client {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	c := &client{t: t, in: inW, msgs: make(chan map[string]any, 100), done: make(chan error, 1)}
	go func() {
		err := (&Server{Version: "test"}).Serve(inR, outW)
		outW.Close()
		c.done <- err
	}()
	go func() {
		r := bufio.NewReader(outR)
		for {
			body, err := ReadMessage(r)
			if err != nil {
				close(c.msgs)
				return
			}
			var m map[string]any
			if err := json.Unmarshal(body, &m); err != nil {
				panic(fmt.Sprintf("the server wrote a body that is not JSON: %q", body))
			}
			c.msgs <- m
		}
	}()
	t.Cleanup(func() { inW.Close() })
	return c
}

// raw writes bytes to the server as they are.
func (c *client) raw(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.in, s); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// send frames v and writes it.
func (c *client) send(v any) {
	c.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		c.t.Fatal(err)
	}
	c.raw(fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(b), b))
}

// next returns the server's next message.
func (c *client) next() map[string]any {
	c.t.Helper()
	select {
	case m, ok := <-c.msgs:
		if !ok {
			c.t.Fatal("the server closed its output")
		}
		return m
	case <-time.After(10 * time.Second):
		c.t.Fatal("no message from the server in 10s")
	}
	return nil
}

// call sends a request and returns its response, keeping notifications
// that come first in c.notes.
func (c *client) call(method string, params any) map[string]any {
	c.t.Helper()
	c.nextID++
	id := c.nextID
	c.send(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
	for {
		m := c.next()
		if _, isNote := m["method"]; isNote {
			c.notes = append(c.notes, m)
			continue
		}
		if m["id"] != float64(id) {
			c.t.Fatalf("%s: response for id %v, want %d: %v", method, m["id"], id, m)
		}
		return m
	}
}

// result calls and returns the result, failing on an error response.
func (c *client) result(method string, params any) any {
	c.t.Helper()
	m := c.call(method, params)
	if e, ok := m["error"]; ok {
		c.t.Fatalf("%s: error %v", method, e)
	}
	return m["result"]
}

func (c *client) notify(method string, params any) {
	c.t.Helper()
	c.send(map[string]any{"jsonrpc": "2.0", "method": method, "params": params})
}

// diagnostics waits for the next publishDiagnostics notification.
func (c *client) diagnostics(uri string) []any {
	c.t.Helper()
	for {
		var m map[string]any
		if len(c.notes) > 0 {
			m, c.notes = c.notes[0], c.notes[1:]
		} else {
			m = c.next()
		}
		if m["method"] != "textDocument/publishDiagnostics" {
			c.t.Fatalf("got %v, want diagnostics", m)
		}
		p := m["params"].(map[string]any)
		if p["uri"] != uri {
			c.t.Fatalf("diagnostics for %v, want %s", p["uri"], uri)
		}
		return p["diagnostics"].([]any)
	}
}

// errorCode returns the error code of a response, or 0.
func errorCode(m map[string]any) int {
	e, ok := m["error"].(map[string]any)
	if !ok {
		return 0
	}
	return int(e["code"].(float64))
}

// finish shuts the server down and checks that Serve returned want.
func (c *client) finish(shutdown bool, want error) {
	c.t.Helper()
	if shutdown {
		if r := c.call("shutdown", nil); r["result"] != nil || r["error"] != nil {
			c.t.Fatalf("shutdown: %v", r)
		}
	}
	c.notify("exit", nil)
	select {
	case err := <-c.done:
		if err != want {
			c.t.Fatalf("Serve returned %v, want %v", err, want)
		}
	case <-time.After(10 * time.Second):
		c.t.Fatal("the server did not exit")
	}
}

func initialized(t *testing.T) *client {
	c := start(t)
	res := c.result("initialize", map[string]any{"processId": nil, "capabilities": map[string]any{}})
	caps := res.(map[string]any)["capabilities"].(map[string]any)
	if caps["hoverProvider"] != true || caps["documentFormattingProvider"] != true || caps["positionEncoding"] != "utf-16" {
		t.Fatalf("capabilities: %v", caps)
	}
	c.notify("initialized", map[string]any{})
	return c
}

func open(c *client, uri, text string) []any {
	c.t.Helper()
	c.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": uri, "languageId": "cnn", "version": 1, "text": text}})
	return c.diagnostics(uri)
}

func pos(line, char int) map[string]any { return map[string]any{"line": line, "character": char} }

func doc(uri string) map[string]any { return map[string]any{"uri": uri} }

// rangeOf formats a diagnostic's or edit's range as "L:C-L:C".
func rangeOf(v any) string {
	r := v.(map[string]any)["range"].(map[string]any)
	s, e := r["start"].(map[string]any), r["end"].(map[string]any)
	return fmt.Sprintf("%v:%v-%v:%v", s["line"], s["character"], e["line"], e["character"])
}

// TestDiagnosticsAsYouType opens a broken file and fixes it: the
// diagnostics are cnnc check's, at LSP positions.
func TestDiagnosticsAsYouType(t *testing.T) {
	c := initialized(t)
	uri := "file:///home/me/nets/bad.cnn"
	ds := open(c, uri, "input 3x3x4\npool max 2x2 s2\nfc 10\n")
	if len(ds) != 1 {
		t.Fatalf("diagnostics: %v", ds)
	}
	d := ds[0].(map[string]any)
	want := "pool max 2x2 s2 on 3x3x4: (3 - 2 + 0)/2 + 1 = 1.5 is not a whole number: flooring it would leave the last row and column of the input unread; p1 would give 2x2x4"
	if d["message"] != want || d["severity"] != float64(1) || d["source"] != "cnnc" || d["code"] != "shape" || rangeOf(d) != "1:0-1:15" {
		t.Errorf("diagnostic: %v", d)
	}

	// Fixed: the diagnostics are cleared.
	c.notify("textDocument/didChange", map[string]any{"textDocument": map[string]any{"uri": uri, "version": 2},
		"contentChanges": []any{map[string]any{"text": "input 4x4x4\npool max 2x2 s2\nfc 10\n"}}})
	if ds := c.diagnostics(uri); len(ds) != 0 {
		t.Errorf("after the fix: %v", ds)
	}

	// A ranged change is applied too: 4x4x4 becomes 5x4x4.
	c.notify("textDocument/didChange", map[string]any{"textDocument": map[string]any{"uri": uri, "version": 3},
		"contentChanges": []any{map[string]any{"range": map[string]any{"start": pos(0, 6), "end": pos(0, 7)}, "text": "5"}}})
	ds = c.diagnostics(uri)
	if len(ds) != 1 || !strings.Contains(ds[0].(map[string]any)["message"].(string), "on 5x4x4") {
		t.Errorf("after a ranged change: %v", ds)
	}

	// Closing clears them.
	c.notify("textDocument/didClose", map[string]any{"textDocument": doc(uri)})
	if ds := c.diagnostics(uri); len(ds) != 0 {
		t.Errorf("after close: %v", ds)
	}
	c.finish(true, nil)
}

// TestPositionsUTF16 checks the conversion from cnnc's 1-based character
// columns to LSP's 0-based UTF-16 offsets, on a line where a character
// outside the BMP (two UTF-16 units, four UTF-8 bytes) comes before the
// error, and with CRLF line ends and a warning.
func TestPositionsUTF16(t *testing.T) {
	c := initialized(t)
	src := "input 5x5x3 # 🙂 é\r\nconv 🙂; pool é 2x2\r\nrelu; sigmoid\r\n"
	// cnnc check says: 2:6 unexpected character '🙂', 2:14 unexpected
	// character 'é' (both syntax errors, so no warning is kept).
	ds := open(c, "untitled:Untitled-1", src)
	var got []string
	for _, d := range ds {
		m := d.(map[string]any)
		got = append(got, fmt.Sprintf("%s %v %s", rangeOf(m), m["severity"], m["message"]))
	}
	want := []string{
		"1:5-1:7 1 unexpected character '🙂' (U+1F642)",
		"1:14-1:19 1 unexpected character 'é' (U+00E9)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	ds = open(c, "file:///w.cnn", "input 4x4x1 # 🙂🙂\r\nrelu; sigmoid # 🙂\r\n")
	if len(ds) != 1 || rangeOf(ds[0]) != "1:6-1:13" || ds[0].(map[string]any)["severity"] != float64(2) || ds[0].(map[string]any)["code"] != "double-activation" {
		t.Errorf("warning: %v", ds)
	}
	c.finish(true, nil)
}

// TestMatchesCheck holds the language server to cnnc check, message for
// message and position for position, on a file with many problems.
func TestMatchesCheck(t *testing.T) {
	src := "input 16x16x3\ncnov 3x3x8\nconv 3x3x8 s0\nrepeat 2 { conv 3x3x4 s2; relu; relu }\npool max 3x3 s2\nsoftmax\ndropout 0.5\n"
	c := initialized(t)
	ds := open(c, "file:///m.cnn", src)
	tx := newText(src)
	var got, want []string
	for _, d := range ds {
		m := d.(map[string]any)
		r := m["range"].(map[string]any)["start"].(map[string]any)
		got = append(got, fmt.Sprintf("%v:%v %v %s", r["line"], r["character"], m["severity"], m["message"]))
	}
	_, check := compiler.Source("m.cnn", []byte(src))
	for _, d := range check {
		p := tx.position(tx.offset(d.Pos.Line, d.Pos.Column))
		want = append(want, fmt.Sprintf("%d:%d %d %s", p.Line, p.Character, int(d.Severity)+1, d.Message))
	}
	if len(want) < 3 || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	c.finish(true, nil)
}

func TestFormatting(t *testing.T) {
	c := initialized(t)
	uri := "file:///f.cnn"
	open(c, uri, "input 5x5x3 ;conv 3x3x2   s2x2 p1 # é🙂\nrepeat 2 {relu}")
	res := c.result("textDocument/formatting", map[string]any{"textDocument": doc(uri), "options": map[string]any{"tabSize": 2, "insertSpaces": true}})
	edits := res.([]any)
	if len(edits) != 1 {
		t.Fatalf("edits: %v", edits)
	}
	e := edits[0].(map[string]any)
	if e["newText"] != "input 5x5x3\nconv 3x3x2 s2 p1 # é🙂\nrepeat 2 { relu }\n" || rangeOf(e) != "0:0-1:15" {
		t.Errorf("edit %s %q", rangeOf(e), e["newText"])
	}
	// Formatted already, or with syntax errors: no edit.
	for _, src := range []string{"input 5x5x3\n", "input 5x5x3\nconv 3x3 q\n"} {
		open(c, uri, src)
		res := c.result("textDocument/formatting", map[string]any{"textDocument": doc(uri), "options": map[string]any{}})
		if len(res.([]any)) != 0 {
			t.Errorf("%q: edits %v", src, res)
		}
	}
	c.finish(true, nil)
}

func TestCompletion(t *testing.T) {
	c := initialized(t)
	uri := "file:///c.cnn"
	open(c, uri, "input 8x8x1\nco\npool \nrepeat 2 { re\nconv 3x3x1 # \npool m\nlayer1.0: re\na: pool \npool avg g\npool max 2x2 \n"+
		"conv 3x3x8 \nconv 3x3x8 s2 p1 no\nconv 3x3x8 p \nconv \nbatchnorm \nbatchnorm eps 1e-3 \nbatchnorm momentum \nb: { batchnorm eps 1 m\npool avg global \n")
	labels := func(line, char int) string {
		res := c.result("textDocument/completion", map[string]any{"textDocument": doc(uri), "position": pos(line, char)})
		var out []string
		for _, it := range res.([]any) {
			out = append(out, it.(map[string]any)["label"].(string))
		}
		return strings.Join(out, " ")
	}
	all := strings.Join(dsl.Keywords, " ")
	for _, tc := range []struct {
		line, char int
		want       string
	}{
		{1, 2, all}, {1, 0, all}, {2, 5, "max mean avg"}, {5, 6, "max mean avg"}, {3, 13, all},
		{4, 13, ""}, {4, 10, ""}, {0, 11, ""}, {6, 12, all}, {6, 10, all}, {7, 8, "max mean avg"},
		{8, 10, "global"}, {8, 9, "global"}, {9, 13, "s p"},
		{10, 11, "s p p same g d nobias"}, {11, 19, "g d nobias"}, {12, 13, "same"}, {13, 5, ""},
		{14, 10, "eps momentum"}, {15, 19, "momentum"}, {16, 19, ""}, {17, 22, "momentum"}, {18, 16, ""},
	} {
		if got := labels(tc.line, tc.char); got != tc.want {
			t.Errorf("%d:%d: %q, want %q", tc.line, tc.char, got, tc.want)
		}
	}
	c.finish(true, nil)
}

// TestProtocolErrors sends what a broken client might: every one gets a
// JSON-RPC error or is ignored, and the server goes on.
func TestProtocolErrors(t *testing.T) {
	c := start(t)
	// Before initialize.
	if m := c.call("textDocument/hover", map[string]any{}); errorCode(m) != codeServerNotInitialized {
		t.Errorf("before initialize: %v", m)
	}
	c.result("initialize", map[string]any{})
	if m := c.call("initialize", map[string]any{}); errorCode(m) != codeInvalidRequest {
		t.Errorf("second initialize: %v", m)
	}
	for _, tc := range []struct {
		name, raw string
		code      int
	}{
		{"not JSON", "Content-Length: 5\r\n\r\n{oops", codeParseError},
		{"no length", "Content-Type: x\r\n\r\n", codeParseError},
		{"bad length", "Content-Length: -3\r\n\r\n", codeParseError},
		{"not a header", "hello\r\n\r\n", codeParseError},
		{"too large", fmt.Sprintf("Content-Length: %d\r\n\r\n", MaxMessage+1) + strings.Repeat(" ", MaxMessage+1), codeParseError},
		{"a batch", "Content-Length: 2\r\n\r\n[]", codeInvalidRequest},
		{"null", "Content-Length: 4\r\n\r\nnull", codeInvalidRequest},
		{"no method", "Content-Length: 24\r\n\r\n" + `{"jsonrpc":"2.0","id":7}`, codeInvalidRequest},
		{"object id", "Content-Length: 52\r\n\r\n" + `{"jsonrpc":"2.0","id":{},"method":"shutdown","x":11}`, codeInvalidRequest},
		{"old jsonrpc", "Content-Length: 42\r\n\r\n" + `{"jsonrpc":"1.0","id":9,"method":"hover"} `, codeInvalidRequest},
		{"method not string", "Content-Length: 37\r\n\r\n" + `{"jsonrpc":"2.0","id":9,"method":42} `, codeInvalidRequest},
	} {
		c.raw(tc.raw)
		if m := c.next(); errorCode(m) != tc.code {
			t.Errorf("%s: %v, want code %d", tc.name, m, tc.code)
		}
	}
	// Unknown requests are MethodNotFound; unknown notifications and
	// responses are ignored; bad params are InvalidParams.
	if m := c.call("textDocument/definition", map[string]any{}); errorCode(m) != codeMethodNotFound {
		t.Errorf("unknown request: %v", m)
	}
	c.notify("$/cancelRequest", map[string]any{"id": 1})
	c.notify("textDocument/didOpen", "not an object")
	c.notify("textDocument/didChange", map[string]any{"textDocument": doc("file:///never-opened.cnn")})
	c.send(map[string]any{"jsonrpc": "2.0", "id": 99, "result": nil})
	if m := c.call("textDocument/hover", "nonsense"); errorCode(m) != codeInvalidParams {
		t.Errorf("bad params: %v", m)
	}
	if m := c.call("textDocument/hover", nil); errorCode(m) != codeInvalidParams {
		t.Errorf("no params: %v", m)
	}
	// Requests about documents that are not open have empty answers.
	if r := c.result("textDocument/hover", map[string]any{"textDocument": doc("file:///x"), "position": pos(0, 0)}); r != nil {
		t.Errorf("hover on a closed document: %v", r)
	}
	// A string id is echoed.
	c.send(map[string]any{"jsonrpc": "2.0", "id": "s1", "method": "textDocument/completion", "params": map[string]any{"textDocument": doc("file:///x"), "position": pos(0, 0)}})
	if m := c.next(); m["id"] != "s1" {
		t.Errorf("string id: %v", m)
	}
	// After shutdown only exit is accepted.
	c.result("shutdown", nil)
	if m := c.call("textDocument/hover", map[string]any{}); errorCode(m) != codeInvalidRequest {
		t.Errorf("after shutdown: %v", m)
	}
	c.finish(false, nil)
}

func TestExitWithoutShutdown(t *testing.T) {
	c := initialized(t)
	c.finish(false, ErrNoShutdown)

	// The stream closing is an exit without shutdown too.
	c = initialized(t)
	c.in.Close()
	if err := <-c.done; err != ErrNoShutdown {
		t.Errorf("Serve after EOF: %v", err)
	}
}
