// Package usageapi is the usage HTTP API: senders POST usage events, in
// monthend's own shape or in Sequence's or Lago's, with a bearer API key.
// Every acknowledged event is committed to the book before the response is
// written, so a graceful shutdown (which lets requests in flight finish)
// loses nothing acknowledged.
package usageapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/monthend/monthend/ledger"
)

// Limits.
const (
	MaxBatch        = 1000    // events per request
	DefaultMaxBytes = 4 << 20 // request body bytes
)

// Options tune the server.
type Options struct {
	MaxBytes int64        // body size limit (default DefaultMaxBytes)
	Logger   *slog.Logger // default: discard
}

// Server serves the usage API for one book.
type Server struct {
	book     *ledger.Book
	maxBytes int64
	log      *slog.Logger
	mux      *http.ServeMux
}

// New returns a server for the book.
func New(book *ledger.Book, opts Options) *Server {
	s := &Server{book: book, maxBytes: opts.MaxBytes, log: opts.Logger}
	if s.maxBytes <= 0 {
		s.maxBytes = DefaultMaxBytes
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.Handle("POST /v1/usage/events", s.authed(s.nativeEvents))
	s.mux.Handle("POST /api/usage-events", s.authed(s.sequenceEvent))
	s.mux.Handle("POST /api/v1/events", s.authed(s.lagoEvent))
	s.mux.Handle("POST /api/v1/events/batch", s.authed(s.lagoBatch))
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, CodeNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path+" (see docs/usage-ingestion.md)")
	})
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Stable error codes, part of the API.
const (
	CodeUnauthorized  = "unauthorized"    // 401: no, malformed, unknown or revoked API key
	CodeBodyTooLarge  = "body_too_large"  // 413: body over the size limit
	CodeBatchTooLarge = "batch_too_large" // 413: more than MaxBatch events
	CodeMalformedJSON = "malformed_json"  // 400: the body is not the JSON expected
	CodeEmptyBatch    = "empty_batch"     // 400: no events
	CodeNotFound      = "not_found"       // 404: no such endpoint
	CodeInternal      = "internal"        // 500: the book failed; retry, nothing of the request was stored
)

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	var e errorBody
	e.Error.Code, e.Error.Message = code, msg
	writeJSON(w, status, e)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// authed checks the bearer key and limits the body.
func (s *Server) authed(next func(http.ResponseWriter, *http.Request, ledger.APIKey)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || token == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="monthend"`)
			writeError(w, http.StatusUnauthorized, CodeUnauthorized, "send an API key as Authorization: Bearer KEY (create one with monthend apikey create)")
			return
		}
		key, err := s.book.VerifyAPIKey(strings.TrimSpace(token))
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="monthend", error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, CodeUnauthorized, "the API key is unknown or revoked")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.maxBytes)
		next(w, r, key)
	})
}

// decode reads the body as one JSON value into v, answering the error
// itself if it fails.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := decodeJSON(r.Body, v); err != nil {
		s.bodyError(w, err)
		return false
	}
	return true
}

// decodeJSON reads one JSON value, and nothing after it, into v.
func decodeJSON(rd io.Reader, v any) error {
	dec := json.NewDecoder(rd)
	dec.UseNumber()
	err := dec.Decode(v)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = errors.New("trailing data after the JSON value")
		}
	}
	return err
}

// readBody appends the request's body to buf. With a Content-Length within
// limit it reads into one allocation of that size (io.ReadAll grows its
// buffer from 512 bytes, copying it each time); the body's limit still
// applies (the MaxBytesReader of authed).
func readBody(r *http.Request, buf []byte, limit int64) ([]byte, error) {
	if n := r.ContentLength; n > 0 && n <= limit && int64(cap(buf)-len(buf)) <= n {
		// One byte more than the body, so that the read that meets its
		// end does not grow the buffer.
		buf = slices.Grow(buf, int(n)+1)
	}
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, max(512, cap(buf)))
		}
		n, err := r.Body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// bodyError answers a body that could not be read or decoded.
func (s *Server) bodyError(w http.ResponseWriter, err error) {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		writeError(w, http.StatusRequestEntityTooLarge, CodeBodyTooLarge, "the body is larger than the limit of "+itoa(mbe.Limit)+" bytes; send smaller batches")
	default:
		writeError(w, http.StatusBadRequest, CodeMalformedJSON, "malformed JSON: "+err.Error())
	}
}

// Response is the answer to an ingestion request: one result per event, in
// the order sent, and their counts.
type Response struct {
	Results []ledger.Result `json:"results"`
	Summary summaryJSON     `json:"summary"`
}

type summaryJSON struct {
	Accepted     int `json:"accepted"`
	Duplicates   int `json:"duplicates"`
	Superseded   int `json:"superseded"`
	Unattributed int `json:"unattributed"`
	Rejected     int `json:"rejected"`
}

// ingest stores the events that parsed (errs[i] != nil marks event i as
// rejected before it reaches the book; errs == nil: none is) and answers
// with every result.
func (s *Server) ingest(w http.ResponseWriter, r *http.Request, key ledger.APIKey, events []ledger.Event, errs []error) {
	if len(events) == 0 {
		writeError(w, http.StatusBadRequest, CodeEmptyBatch, "the request holds no events")
		return
	}
	if len(events) > MaxBatch {
		writeError(w, http.StatusRequestEntityTooLarge, CodeBatchTooLarge, "at most "+itoa(MaxBatch)+" events per request; got "+itoa(int64(len(events))))
		return
	}
	good := events
	if errs != nil {
		good = make([]ledger.Event, 0, len(events))
		for i, e := range events {
			if errs[i] == nil {
				good = append(good, e)
			}
		}
	}
	// A request's events are stored even if the client goes away while we
	// write: what the book commits, a retry will see as duplicates.
	ctx := context.WithoutCancel(r.Context())
	start := time.Now()
	res, err := s.book.IngestShared(ctx, good)
	if err != nil {
		s.log.Error("ingest failed", "key", key.ID, "events", len(good), "err", err)
		writeError(w, http.StatusInternalServerError, CodeInternal, "the book could not store the events; nothing of this request was stored, retry it")
		return
	}
	out := Response{Results: res}
	if errs != nil {
		out.Results = make([]ledger.Result, len(events))
		j := 0
		for i := range events {
			if errs[i] != nil {
				out.Results[i] = ledger.Result{ID: events[i].ID, Outcome: ledger.Rejected, Reason: errs[i].Error()}
			} else {
				out.Results[i] = res[j]
				j++
			}
		}
	}
	var sum ledger.Summary
	for i := range out.Results {
		sum.Add(out.Results[i])
	}
	out.Summary = summaryJSON{sum.Accepted, sum.Duplicates, sum.Superseded, sum.Unattributed, sum.Rejected}
	if s.log.Enabled(ctx, slog.LevelInfo) {
		s.log.Info("ingested", "key", key.ID, "path", r.URL.Path, "events", len(events), "summary", sum.String(), "took", time.Since(start))
	}
	writeResponse(w, &out)
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
