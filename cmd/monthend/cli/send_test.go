package cli

import (
	"bufio"
	"encoding/json"
	"io"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startSMTPServer runs the email package's aiosmtpd test server as a
// separate process on loopback and returns its port and the folder it
// stores messages in. Without python3-aiosmtpd the test is skipped on a
// developer's machine and fails under CI, which installs it.
func startSMTPServer(t *testing.T) (int, string) {
	t.Helper()
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import aiosmtpd").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("python3-aiosmtpd is missing; .ci/run installs it")
		}
		t.Skip("no python3 with aiosmtpd (apt-get install python3-aiosmtpd)")
	}
	dir := t.TempDir()
	cmd := exec.Command(py, filepath.Join("..", "..", "..", "integrations", "email", "testdata", "smtpd.py"), dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() })
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		ready <- line
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case line := <-ready:
		port, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "READY ")))
		if err != nil {
			t.Fatalf("smtpd.py said %q", line)
		}
		return port, dir
	case <-time.After(20 * time.Second):
		t.Fatal("smtpd.py did not start within 20 s")
	}
	return 0, ""
}

// TestSendDeliversThroughARealSMTPServer issues an invoice, queues it with
// send and delivers it to a real SMTP server process: the mail arrives
// once, to the billing email, with the PDF; the invoice becomes sent; a
// second delivery sends nothing.
func TestSendDeliversThroughARealSMTPServer(t *testing.T) {
	port, maildir := startSMTPServer(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "book.db")
	settings := filepath.Join(dir, "settings.yaml")
	seller, err := os.ReadFile("testdata/settings.yaml")
	if err != nil {
		t.Fatal(err)
	}
	conf := string(seller) + "smtp:\n  host: 127.0.0.1\n  port: " + strconv.Itoa(port) +
		"\n  tls: none\n  from: \"Northwind Billing <billing@northwind.example>\"\n  timeout: 10s\n"
	if err := os.WriteFile(settings, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	must := func(args ...string) string {
		t.Helper()
		code, out, errOut := run(t, "", append([]string{"--db", db}, args...)...)
		if code != exitOK {
			t.Fatalf("monthend %s: exit %d: %s", strings.Join(args, " "), code, errOut)
		}
		return out
	}
	must("customers", "add", "acme", "--name", "Acme Logistics", "--currency", "EUR", "--time-zone", "Europe/Berlin",
		"--tax-rate", "19", "--email", "ap@acme.example")
	must("schedules", "import", "testdata/acme.yaml", "--id", "acme-2026", "--customer", "acme")
	must("recalc", "--period", "2026-04")
	must("issue", "--period", "2026-04")
	if out := must("send", "--period", "2026-04", "--deliver", "--settings", settings); !strings.Contains(out, "1 sent") {
		t.Fatalf("send: %s", out)
	}
	files, _ := filepath.Glob(filepath.Join(maildir, "*.eml"))
	if len(files) != 1 {
		t.Fatalf("%d messages arrived, want 1", len(files))
	}
	f, err := os.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	msg, err := mail.ReadMessage(f)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(msg.Body)
	if to := msg.Header.Get("To"); !strings.Contains(to, "ap@acme.example") {
		t.Errorf("To: %s", to)
	}
	if !strings.Contains(msg.Header.Get("Subject"), "INV-2026-000001") || !strings.Contains(string(body), "INV-2026-000001.pdf") {
		t.Errorf("subject %q; body has no PDF named after the invoice", msg.Header.Get("Subject"))
	}
	var list []struct{ Status string }
	if err := json.Unmarshal([]byte(must("invoices", "list", "--period", "2026-04", "--json")), &list); err != nil || len(list) != 1 || list[0].Status != "sent" {
		t.Errorf("invoice after delivery: %+v %v", list, err)
	}
	if out := must("send", "--deliver", "--settings", settings); !strings.Contains(out, "0 sent") {
		t.Errorf("second delivery: %s", out)
	}
	if files, _ := filepath.Glob(filepath.Join(maildir, "*.eml")); len(files) != 1 {
		t.Errorf("%d messages after a second delivery, want still 1", len(files))
	}
	if out := must("outbox", "list"); !strings.Contains(out, "sent") {
		t.Errorf("outbox: %s", out)
	}
}
