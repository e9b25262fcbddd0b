package usageapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/monthend/monthend/ledger"
	"github.com/monthend/monthend/pricing"
)

// newServer opens a fresh book with customer acme and metrics calls and
// users, and serves it; the book's invariants are checked when the test ends.
func newServer(t *testing.T) (*httptest.Server, *ledger.Book, string) {
	t.Helper()
	b, err := ledger.Open(filepath.Join(t.TempDir(), "book.db"), ledger.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.AddCustomer(ledger.Customer{ID: "acme", Name: "Acme", Currency: pricing.MustCurrency("EUR"), TimeZone: "UTC"}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []ledger.Metric{{Code: "calls", Aggregation: ledger.AggCount}, {Code: "users", Aggregation: ledger.AggUniqueCount, Property: "user"}} {
		if err := b.AddMetric(m); err != nil {
			t.Fatal(err)
		}
	}
	_, key, err := b.CreateAPIKey("test")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(New(b, Options{MaxBytes: 64 << 10}))
	t.Cleanup(func() {
		srv.Close()
		breaches, err := b.Check(context.Background(), nil)
		if err != nil || len(breaches) > 0 {
			t.Errorf("check: %v %v", breaches, err)
		}
		b.Close()
	})
	return srv, b, key
}

type reply struct {
	status int
	body   Response
	err    errorBody
}

func post(t *testing.T, srv *httptest.Server, path, key, body string) reply {
	t.Helper()
	req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(body))
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode}
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(data, &r.body); err != nil {
			t.Fatalf("response %s: %v", data, err)
		}
	} else if err := json.Unmarshal(data, &r.err); err != nil || r.err.Error.Code == "" {
		t.Fatalf("error response without a JSON error code: %s", data)
	}
	return r
}

func event(id, customer string) string {
	return fmt.Sprintf(`{"id":%q,"customer":%q,"metric":"calls","timestamp":"2026-03-05T10:00:00Z"}`, id, customer)
}

func TestErrors(t *testing.T) {
	srv, b, key := newServer(t)
	revoked, revokedKey, _ := b.CreateAPIKey("old")
	if err := b.RevokeAPIKey(revoked.ID); err != nil {
		t.Fatal(err)
	}
	big := `{"events":[` + strings.Repeat(event("x", "acme")+",", 1000) + event("y", "acme") + `]}`
	many := make([]string, MaxBatch+1)
	for i := range many {
		many[i] = `{}`
	}
	for _, tc := range []struct {
		name, path, key, body string
		status                int
		code                  string
	}{
		{"no key", "/v1/usage/events", "", event("1", "acme"), 401, CodeUnauthorized},
		{"wrong key", "/v1/usage/events", key + "x", event("1", "acme"), 401, CodeUnauthorized},
		{"not a key", "/v1/usage/events", "hunter2", event("1", "acme"), 401, CodeUnauthorized},
		{"revoked key", "/v1/usage/events", revokedKey, event("1", "acme"), 401, CodeUnauthorized},
		{"oversize body", "/v1/usage/events", key, big, 413, CodeBodyTooLarge},
		{"malformed JSON", "/v1/usage/events", key, `{"id":"1",`, 400, CodeMalformedJSON},
		{"not an object", "/v1/usage/events", key, `42`, 400, CodeMalformedJSON},
		{"trailing garbage", "/v1/usage/events", key, event("1", "acme") + "}", 400, CodeMalformedJSON},
		{"empty batch", "/v1/usage/events", key, `{"events":[]}`, 400, CodeEmptyBatch},
		{"batch over the limit", "/v1/usage/events", key, "[" + strings.Join(many, ",") + "]", 413, CodeBatchTooLarge},
		{"unknown endpoint", "/v2/nothing", key, `{}`, 404, CodeNotFound},
		{"lago without event", "/api/v1/events", key, `{"nope":1}`, 400, CodeMalformedJSON},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := post(t, srv, tc.path, tc.key, tc.body)
			if r.status != tc.status || r.err.Error.Code != tc.code || r.err.Error.Message == "" {
				t.Errorf("got %d %+v, want %d %s", r.status, r.err, tc.status, tc.code)
			}
		})
	}
	from, to, _ := ledger.Month("2026-03")
	tots, _ := b.Totals("acme", from, to)
	if tots[0].Events != 0 {
		t.Errorf("refused requests stored %d events", tots[0].Events)
	}
}

func TestBatchWithSomeBadEventsAndDuplicatesAcrossBatches(t *testing.T) {
	srv, b, key := newServer(t)
	first := post(t, srv, "/v1/usage/events", key, `{"events":[`+strings.Join([]string{
		event("1", "acme"),
		`{"id":"2","customer":"acme","metric":"calls","timestamp":"last tuesday"}`,
		event("3", "acme-eu"),
		`{"id":"4","customer":"acme","metric":"nope","timestamp":"2026-03-05T10:00:00Z"}`,
		`"just a string"`,
		event("5", "acme"),
	}, ",")+`]}`)
	want := []ledger.Outcome{ledger.Accepted, ledger.Rejected, ledger.Unattributed, ledger.Rejected, ledger.Rejected, ledger.Accepted}
	if first.status != 200 || len(first.body.Results) != len(want) {
		t.Fatalf("first batch: %d %+v", first.status, first.body)
	}
	for i, w := range want {
		r := first.body.Results[i]
		if r.Outcome != w || (w == ledger.Rejected) != (r.Reason != "") {
			t.Errorf("event %d: %v %q, want %v", i, r.Outcome, r.Reason, w)
		}
	}
	second := post(t, srv, "/v1/usage/events", key, "["+event("5", "acme")+","+event("6", "acme")+"]")
	if second.body.Results[0].Outcome != ledger.Duplicate || second.body.Results[1].Outcome != ledger.Accepted {
		t.Errorf("second batch: %+v", second.body.Results)
	}
	if s := second.body.Summary; s.Duplicates != 1 || s.Accepted != 1 {
		t.Errorf("second summary %+v", s)
	}
	from, to, _ := ledger.Month("2026-03")
	tots, _ := b.Totals("acme", from, to)
	if tots[0].Metric != "calls" || tots[0].Quantity.String() != "3" {
		t.Errorf("calls %s, want 3 (events 1, 5, 6)", tots[0].Quantity)
	}
}

func TestForeignShapes(t *testing.T) {
	srv, b, key := newServer(t)
	for _, tc := range []struct {
		name, path, body string
		ids              []string
	}{
		{"single event", "/v1/usage/events", event("n1", "acme"), []string{"n1"}},
		{"sequence", "/api/usage-events",
			`{"customerAlias":"acme","eventType":"users","customerEventId":"s1","eventTimestamp":"2026-03-05T10:00:00Z","eventProperties":{"user":"ann"}}`,
			[]string{"s1"}},
		{"sequence without an id", "/api/usage-events",
			`{"customerAlias":"acme","eventType":"users","eventTimestamp":"2026-03-06T10:00:00Z","eventProperties":{"user":"bob"}}`,
			[]string{""}},
		{"lago", "/api/v1/events",
			`{"event":{"transaction_id":"l1","external_customer_id":"acme","code":"users","timestamp":1772791200,"properties":{"user":"cid"}}}`,
			[]string{"l1"}},
		{"lago batch", "/api/v1/events/batch",
			`{"events":[{"transaction_id":"l2","external_customer_id":"acme","code":"calls","timestamp":"1772791200.5"},
			            {"transaction_id":"l3","external_customer_id":"acme","code":"calls","timestamp":"2026-03-07T00:00:00Z"}]}`,
			[]string{"l2", "l3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := post(t, srv, tc.path, key, tc.body)
			if r.status != 200 || len(r.body.Results) != len(tc.ids) {
				t.Fatalf("%d %+v %+v", r.status, r.body, r.err)
			}
			for i, id := range tc.ids {
				res := r.body.Results[i]
				if res.Outcome != ledger.Accepted || (id != "" && res.ID != id) || res.ID == "" {
					t.Errorf("result %+v, want accepted %s", res, id)
				}
			}
			if again := post(t, srv, tc.path, key, tc.body); again.body.Results[0].Outcome != ledger.Duplicate {
				t.Errorf("resend: %+v, want duplicate", again.body.Results[0])
			}
		})
	}
	e, err := b.Event("l2")
	if err != nil || e.Timestamp.UnixMilli() != 1772791200500 {
		t.Errorf("lago fractional timestamp: %v %v", e.Timestamp, err)
	}
	from, to, _ := ledger.Month("2026-03")
	tots, _ := b.Totals("acme", from, to)
	if tots[1].Metric != "users" || tots[1].Quantity.String() != "3" {
		t.Errorf("users = %s, want 3 (ann, bob, cid)", tots[1].Quantity)
	}
}

func TestHealthz(t *testing.T) {
	srv, _, _ := newServer(t)
	resp, err := srv.Client().Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("healthz: %d", resp.StatusCode)
	}
}

// TestShutdownLosesNothingAcknowledged: clients post while the server shuts
// down gracefully; every event in a 200 response is in the book afterwards.
func TestShutdownLosesNothingAcknowledged(t *testing.T) {
	_, b, key := newServer(t)
	srv := httptest.NewUnstartedServer(New(b, Options{}))
	srv.Start()
	var mu sync.Mutex
	var acked []string
	var wg sync.WaitGroup
	for c := 0; c < 4; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; ; r++ {
				var evs []string
				var ids []string
				for i := 0; i < 50; i++ {
					id := fmt.Sprintf("c%d-r%d-%d", c, r, i)
					ids = append(ids, id)
					evs = append(evs, event(id, "acme"))
				}
				req, _ := http.NewRequest("POST", srv.URL+"/v1/usage/events", strings.NewReader("["+strings.Join(evs, ",")+"]"))
				req.Header.Set("Authorization", "Bearer "+key)
				resp, err := srv.Client().Do(req)
				if err != nil {
					return // the server is gone
				}
				resp.Body.Close()
				if resp.StatusCode == 200 {
					mu.Lock()
					acked = append(acked, ids...)
					mu.Unlock()
				}
			}
		}()
	}
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 1000 {
			break
		}
		runtime.Gosched()
	}
	srv.Config.Shutdown(context.Background())
	srv.Close()
	wg.Wait()
	for _, id := range acked {
		if _, err := b.Event(id); err != nil {
			t.Fatalf("acknowledged event %s lost: %v", id, err)
		}
	}
	t.Logf("%d acknowledged events, all stored", len(acked))
}
