package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// run executes the CLI in-process and returns exit code, stdout and stderr.
func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestEveryCommandHasHelp(t *testing.T) {
	a := &app{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		path := strings.Fields(c.CommandPath())[1:]
		t.Run(strings.Join(append([]string{"monthend"}, path...), " "), func(t *testing.T) {
			code, out, errOut := run(t, "", append(path, "--help")...)
			if code != exitOK || errOut != "" {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			if !strings.Contains(out, "Usage:") || len(c.Short) == 0 {
				t.Errorf("help without usage or summary:\n%s", out)
			}
			if c.Runnable() && c.HasParent() && c.Example == "" {
				t.Errorf("%s has no examples in its help", c.CommandPath())
			}
		})
		for _, sub := range c.Commands() {
			if sub.Name() != "help" && sub.Name() != "completion" {
				walk(sub)
			}
		}
	}
	walk(a.rootCommand())
}

func TestUsageErrorsExitTwo(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"price", "--nope"}, "unknown flag"},
		{"no file", []string{"price", "--period", "2026-03"}, "one schedule FILE"},
		{"no period", []string{"price", "testdata/acme.yaml"}, "needs --period"},
		{"bad usage", []string{"price", "testdata/acme.yaml", "--period", "2026-03", "--usage", "api_calls"}, "METRIC=QTY"},
		{"usage not a number", []string{"price", "testdata/acme.yaml", "--period", "2026-03", "--usage", "api_calls=lots"}, "not a number"},
		{"bad period", []string{"price", "testdata/acme.yaml", "--period", "March"}, "YYYY-MM"},
		{"period after the end", []string{"price", "testdata/acme.yaml", "--period", "2029-01"}, "after the contract ends"},
		{"usage on the first invoice", []string{"price", "testdata/acme.yaml", "--period", "2026-01", "--usage", "api_calls=5"}, "first"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := run(t, "", tc.args...)
			if code != exitUsage || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit 2 mentioning %q", code, errOut, tc.want)
			}
		})
	}
}

func TestPriceText(t *testing.T) {
	code, out, errOut := run(t, "", "price", "testdata/acme.yaml", "--period", "2026-04",
		"--usage", "invoices_issued=12400", "--usage", "api_calls=1240")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"Invoice for Acme Logistics GmbH — billing period 2026-04",
		"monthly fee for 1 Apr – 30 Apr = 3,100.00",
		"12,400 − 1,000 free = 11,400 → 12 blocks of 1,000 × 25.00 = 300.00",
		"1,000 × 0.10 (tier 1, up to 1,000) + 240 × 0.08 (tier 2, up to 5,000) = 119.20",
		"minimum 150.00 − usage charges 119.20 = 30.80",
		"Total",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestPriceJSONReconciles(t *testing.T) {
	code, out, errOut := run(t, "", "price", "testdata/acme.yaml", "--period", "2026-04",
		"--usage", "invoices_issued=12400", "--usage", "api_calls=1240", "--usage", "unknown_metric=3", "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, `no line prices metric "unknown_metric"`) {
		t.Errorf("stderr %q: want a note about the unknown metric", errOut)
	}
	var inv struct {
		Customer, Currency, Subtotal, Tax, Total string
		Period                                   struct{ Label, Start, End string }
		Lines                                    []struct {
			Kind, Name, Amount, Tax, Explanation string
			ServiceStart                         string `json:"service_start"`
		}
	}
	if err := json.Unmarshal([]byte(out), &inv); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if inv.Currency != "EUR" || inv.Period.Label != "2026-04" || inv.Period.Start != "2026-04-01" || inv.Period.End != "2026-05-01" {
		t.Errorf("header %+v %+v", inv.Currency, inv.Period)
	}
	// Platform 3,100.00 + seats 675.00 (advance, April) + invoices 300.00 +
	// API 119.20 + minimum 30.80 (arrears, March) − 10% discount on each
	// segment's net: (3,775.00 → 377.50) and (450.00 → 45.00).
	if inv.Subtotal != "3802.50" {
		t.Errorf("subtotal %s, want 3802.50", inv.Subtotal)
	}
	// Tax at 19% per line, half away from zero: 589.00 + 128.25 − 71.73
	// (of −377.50) + 57.00 + 22.65 (of 119.20) + 5.85 (of 30.80) − 8.55.
	if inv.Tax != "722.47" || inv.Total != "4524.97" {
		t.Errorf("tax %s total %s, want 722.47 and 4524.97", inv.Tax, inv.Total)
	}
}
