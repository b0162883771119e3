package lsp

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestReadMessage(t *testing.T) {
	in := "Content-Length: 2\r\n\r\n{}" + // as the protocol frames it
		"\n\ncontent-length:3\nContent-Type: application/vscode-jsonrpc; charset=utf-8\n\n[1]" + // bare newlines, any case
		"Content-Length: x\r\n\r\n" + // a bad length
		"Content-Length: 4\r\nbroken header\r\n\r\nskip" + // a bad line, the body skipped
		strings.Repeat("h", 5000) + "\r\n\r\n" + // a line too long
		"Content-Length: 1\r\n\r\n" // cut short
	r := bufio.NewReader(strings.NewReader(in))
	var got []string
	for {
		body, err := ReadMessage(r)
		var fe *FramingError
		switch {
		case err == nil:
			got = append(got, "body "+string(body))
		case errors.As(err, &fe):
			got = append(got, "framing: "+fe.Msg)
		default:
			got = append(got, "end: "+err.Error())
		}
		if err != nil && fe == nil {
			break
		}
	}
	want := []string{
		"body {}",
		"body [1]",
		`framing: bad Content-Length "x"`,
		`framing: header line "broken header" is not NAME: VALUE`,
		"framing: header line longer than 4096 bytes",
		"end: unexpected EOF",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := ReadMessage(bufio.NewReader(strings.NewReader("\r\n"))); err != io.EOF {
		t.Errorf("blank lines then the end: %v, want EOF", err)
	}
}

// FuzzReadMessage reads arbitrary bytes as a stream of messages: the reader
// must not panic, must make progress and must bound what it returns. The
// same bytes then go to a whole server session, which must end, answer
// only in well-framed JSON, and never fail inside (no internal error).
func FuzzReadMessage(f *testing.F) {
	msg := func(s string) string { return "Content-Length: " + itoa(len(s)) + "\r\n\r\n" + s }
	session := msg(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}`) +
		msg(`{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///a.cnn","version":1,"text":"input 3x3x4\npool max 2x2 s2\n"}}}`) +
		msg(`{"jsonrpc":"2.0","id":2,"method":"textDocument/hover","params":{"textDocument":{"uri":"file:///a.cnn"},"position":{"line":1,"character":3}}}`) +
		msg(`{"jsonrpc":"2.0","id":3,"method":"textDocument/formatting","params":{"textDocument":{"uri":"file:///a.cnn"}}}`) +
		msg(`{"jsonrpc":"2.0","id":4,"method":"textDocument/completion","params":{"textDocument":{"uri":"file:///a.cnn"},"position":{"line":1,"character":5}}}`) +
		msg(`{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"file:///a.cnn","version":2},"contentChanges":[{"range":{"start":{"line":0,"character":6},"end":{"line":9,"character":0}},"text":"🙂"}]}}`) +
		msg(`{"jsonrpc":"2.0","id":5,"method":"shutdown"}`) + msg(`{"jsonrpc":"2.0","method":"exit"}`)
	for _, s := range []string{session, "", "Content-Length: 99999999999\r\n\r\n", "\n\n\n", "Content-Length: 3\n\n{}}", msg("[]") + msg("null")} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bufio.NewReader(bytes.NewReader(data))
		for i := 0; ; i++ {
			before := r.Buffered()
			body, err := ReadMessage(r)
			if len(body) > MaxMessage || len(body) > len(data) {
				t.Fatalf("a body of %d bytes from %d", len(body), len(data))
			}
			var fe *FramingError
			if err != nil && !errors.As(err, &fe) {
				break
			}
			if i > len(data)+1 {
				t.Fatalf("no progress: %d messages from %d bytes (buffered %d)", i, len(data), before)
			}
		}

		var out bytes.Buffer
		err := (&Server{}).Serve(bytes.NewReader(data), &out)
		if err != nil && err != ErrNoShutdown {
			t.Fatalf("Serve: %v", err)
		}
		rr := bufio.NewReader(&out)
		for {
			body, err := ReadMessage(rr)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("the server wrote a bad frame: %v", err)
			}
			var m struct {
				Error *rpcError `json:"error"`
			}
			if err := json.Unmarshal(body, &m); err != nil {
				t.Fatalf("the server wrote a body that is not JSON: %q", body)
			}
			if m.Error != nil && m.Error.Code == codeInternalError {
				t.Fatalf("internal error: %s", m.Error.Message)
			}
		}
	})
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
