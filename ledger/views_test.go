package ledger

import (
	"errors"
	"testing"
)

func TestRenameView(t *testing.T) {
	b := newBook(t)
	cases := []struct {
		name     string
		old, new string
		want     error
	}{
		{"to a free name", "Ready to send", "To send", nil},
		{"onto an existing view", "To send", "Significant changes", ErrExists},
		{"a view that is not there", "Nope", "Other", ErrNotFound},
		{"to an empty name", "To send", "  ", ErrInvalid},
		{"to its own name", "To send", "To send", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := b.RenameView(tc.old, tc.new)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("RenameView(%q, %q) = %v, want %v", tc.old, tc.new, err, tc.want)
			}
		})
	}
	v, err := b.GetView("To send")
	if err != nil || v.Name != "To send" || len(v.Status) != 1 || v.Status[0] != InvoiceIssued {
		t.Errorf("renamed view keeps its filter under the new name: %+v %v", v, err)
	}
	if _, err := b.GetView("Ready to send"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the old name is gone: %v", err)
	}
	views, _ := b.Views()
	if len(views) != 3 {
		t.Errorf("renaming neither adds nor loses views: %d", len(views))
	}
}

func TestSetScheduleStatus(t *testing.T) {
	b := newBook(t)
	setup(t, b)
	if _, err := b.SaveSchedule("acme-2026", "acme", ScheduleDraft, "", acmeSchedule(t)); err != nil {
		t.Fatal(err)
	}
	if res := recalc(t, b, "2026-04"); len(res) != 0 {
		t.Fatalf("a draft schedule is billed: %+v", res)
	}
	rec, err := b.SetScheduleStatus("acme-2026", ScheduleActive)
	if err != nil || rec.Version != 2 || rec.Status != ScheduleActive {
		t.Fatalf("activate: %+v %v", rec, err)
	}
	if again, err := b.SetScheduleStatus("acme-2026", ScheduleActive); err != nil || again.Version != 2 {
		t.Errorf("activating twice stores no new version: %+v %v", again, err)
	}
	if res := recalc(t, b, "2026-04"); res["acme-2026:2026-04"].Outcome != RecalcCreated {
		t.Errorf("an active schedule is billed: %+v", res)
	}
	for _, tc := range []struct {
		id     string
		status ScheduleStatus
		want   error
	}{
		{"nope", ScheduleActive, ErrNotFound},
		{"acme-2026", "paused", ErrInvalid},
	} {
		if _, err := b.SetScheduleStatus(tc.id, tc.status); !errors.Is(err, tc.want) {
			t.Errorf("%s → %s: %v, want %v", tc.id, tc.status, err, tc.want)
		}
	}
}
