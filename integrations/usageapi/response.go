package usageapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"

	"github.com/monthend/monthend/ledger"
)

// writeResponse answers an ingestion request. The body is the bytes
// json.Encoder writes for out (FuzzAppendResponse), made by appendResponse
// in a reused buffer and sent with its length: encoding/json's reflection
// over 500 results, its buffer and the chunked encoding of a body that
// long were ~2% of the server's CPU in BenchmarkHTTPIngest.
func writeResponse(w http.ResponseWriter, out *Response) {
	buf := getBuffer()
	defer putBuffer(buf)
	*buf = appendResponse((*buf)[:0], out)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(*buf)))
	w.WriteHeader(http.StatusOK)
	w.Write(*buf)
}

// appendResponse appends what json.NewEncoder(w).Encode(out) writes,
// newline included.
func appendResponse(b []byte, out *Response) []byte {
	b = append(b, `{"results":`...)
	if out.Results == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range out.Results {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendResult(b, &out.Results[i])
		}
		b = append(b, ']')
	}
	s := &out.Summary
	b = append(b, `,"summary":{"accepted":`...)
	b = strconv.AppendInt(b, int64(s.Accepted), 10)
	b = append(b, `,"duplicates":`...)
	b = strconv.AppendInt(b, int64(s.Duplicates), 10)
	b = append(b, `,"superseded":`...)
	b = strconv.AppendInt(b, int64(s.Superseded), 10)
	b = append(b, `,"unattributed":`...)
	b = strconv.AppendInt(b, int64(s.Unattributed), 10)
	b = append(b, `,"rejected":`...)
	b = strconv.AppendInt(b, int64(s.Rejected), 10)
	return append(b, "}}\n"...)
}

// appendResult appends r as encoding/json writes a ledger.Result (its
// struct tags: id, result, then unattributed, late and reason if set).
func appendResult(b []byte, r *ledger.Result) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, r.ID)
	b = append(b, `,"result":`...)
	b = appendString(b, r.Outcome.String())
	if r.Unattributed {
		b = append(b, `,"unattributed":true`...)
	}
	if r.Late {
		b = append(b, `,"late":true`...)
	}
	if r.Reason != "" {
		b = append(b, `,"reason":`...)
		b = appendString(b, r.Reason)
	}
	return append(b, '}')
}

// appendString appends s as a JSON string the way json.Encoder does: a
// string of printable ASCII without '"', '\\' or the HTML characters it
// escapes (<, >, &) as it is, anything else through encoding/json.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// Buffers for request and response bodies, reused across requests. One
// that grew past maxPooledBuffer is left to the garbage collector, so a
// rare large body does not stay in memory.
var buffers = sync.Pool{New: func() any { return new([]byte) }}

const maxPooledBuffer = 1 << 20

func getBuffer() *[]byte { return buffers.Get().(*[]byte) }

func putBuffer(b *[]byte) {
	if cap(*b) <= maxPooledBuffer {
		*b = (*b)[:0]
		buffers.Put(b)
	}
}
