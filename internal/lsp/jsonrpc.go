package lsp

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
)

// MaxMessage bounds the body of one message. A larger one is skipped and
// answered with an error: no editor sends a .cnn file of 32 MiB, and the
// bound keeps a corrupt header from making the server allocate without end.
const MaxMessage = 32 << 20

// maxHeaderLine bounds one header line; longer lines are a framing error.
const maxHeaderLine = 4096

// FramingError is a message whose header cannot be used: a missing or bad
// Content-Length, an unreadable header line, or a body over MaxMessage.
// The reader has skipped the message, so the stream can go on.
type FramingError struct{ Msg string }

func (e *FramingError) Error() string { return "lsp: " + e.Msg }

// ReadMessage reads one message framed as the Language Server Protocol
// frames it: header lines ("Content-Length: N", any others ignored) ended
// by an empty line, then N bytes of body. Lines may end in "\r\n" (as the
// protocol says) or "\n"; empty lines before a header are skipped. It
// returns io.EOF at a clean end of the stream, io.ErrUnexpectedEOF when the
// stream ends inside a message, and a *FramingError, after skipping the
// message, when its header is unusable.
func ReadMessage(r *bufio.Reader) ([]byte, error) {
	length, problem, started := -1, "", false
	for {
		line, long, err := readLine(r)
		if errors.Is(err, io.EOF) {
			if !started && !long && len(line) == 0 {
				return nil, io.EOF
			}
			return nil, io.ErrUnexpectedEOF
		}
		if err != nil {
			return nil, err
		}
		if long {
			problem = fmt.Sprintf("header line longer than %d bytes", maxHeaderLine)
			started = true
			continue
		}
		if len(line) == 0 {
			if !started {
				continue
			}
			break
		}
		started = true
		name, value, ok := strings.Cut(string(line), ":")
		if !ok {
			problem = fmt.Sprintf("header line %q is not NAME: VALUE", clip(string(line)))
			continue
		}
		if strings.EqualFold(strings.TrimSpace(name), "Content-Length") {
			n, err := strconv.Atoi(strings.TrimSpace(value))
			if err != nil || n < 0 {
				problem = fmt.Sprintf("bad Content-Length %q", clip(strings.TrimSpace(value)))
				continue
			}
			length = n
		}
	}
	switch {
	case problem != "":
	case length < 0:
		problem = "message without a Content-Length header"
	case length > MaxMessage:
		problem = fmt.Sprintf("message of %d bytes is larger than the %d allowed", length, MaxMessage)
	}
	if problem != "" {
		if length >= 0 {
			if _, err := io.CopyN(io.Discard, r, int64(length)); err != nil {
				return nil, io.ErrUnexpectedEOF
			}
		}
		return nil, &FramingError{problem}
	}
	// Read as the bytes arrive rather than allocating what the header
	// claims: a stream cut short costs only what it held.
	body, err := io.ReadAll(io.LimitReader(r, int64(length)))
	if err != nil || len(body) < length {
		return nil, io.ErrUnexpectedEOF
	}
	return body, nil
}

// readLine returns the next line without its "\n" or "\r\n". A line
// longer than maxHeaderLine is read to its end and reported as long, without
// its text. At the end of the stream it returns what it read with io.EOF.
func readLine(r *bufio.Reader) (line []byte, long bool, err error) {
	for {
		part, err := r.ReadSlice('\n')
		if !long {
			line = append(line, part...)
			if len(line) > maxHeaderLine+2 {
				line, long = nil, true
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil || long {
			return line, long, err
		}
		line = line[:len(line)-1]
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		return line, false, nil
	}
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// writer writes framed messages; it is safe for concurrent use. Once
// closed, it drops what it is given.
type writer struct {
	mu     sync.Mutex
	w      io.Writer
	closed bool
}

// close makes later writes do nothing.
func (w *writer) close() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
}

// write marshals v and writes it with its Content-Length header.
func (w *writer) write(v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	if _, err := fmt.Fprintf(w.w, "Content-Length: %d\r\n\r\n", len(body)); err != nil {
		return err
	}
	_, err = w.w.Write(body)
	return err
}

// JSON-RPC 2.0 and LSP error codes.
const (
	codeParseError           = -32700
	codeInvalidRequest       = -32600
	codeMethodNotFound       = -32601
	codeInvalidParams        = -32602
	codeInternalError        = -32603
	codeServerNotInitialized = -32002
)

// incoming is a request, a notification or a response, as read.
type incoming struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  *string         `json:"method"`
	Params  json.RawMessage `json:"params"`
	Result  json.RawMessage `json:"result"`
	Error   json.RawMessage `json:"error"`
}

// isRequest reports whether m expects an answer: it has an id.
func (m *incoming) isRequest() bool { return len(m.ID) > 0 }

// rpcError is a JSON-RPC error object.
type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *rpcError) Error() string { return fmt.Sprintf("%s (%d)", e.Message, e.Code) }

func errorf(code int, format string, args ...any) *rpcError {
	return &rpcError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// response is a successful answer; result is always present, null included.
type response struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  any             `json:"result"`
}

// errorResponse is a failed answer.
type errorResponse struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Error   *rpcError       `json:"error"`
}

// notification is a message from the server that expects no answer.
type notification struct {
	JSONRPC string `json:"jsonrpc"`
	Method  string `json:"method"`
	Params  any    `json:"params"`
}

var nullID = json.RawMessage("null")

// validID reports whether id is a JSON-RPC id: a string, a number or null.
func validID(id json.RawMessage) bool {
	var v any
	if json.Unmarshal(id, &v) != nil {
		return false
	}
	switch v.(type) {
	case string, float64, nil:
		return true
	}
	return false
}
