package email

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
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

// smtpd is testdata/smtpd.py running as a separate process: a real SMTP
// server (aiosmtpd) on loopback that stores what it accepts in dir.
type smtpd struct {
	port int
	dir  string
}

type smtpdOptions struct {
	auth     string // "user:password"
	certFile string // with keyFile: offer and require STARTTLS
	keyFile  string
	implicit bool // TLS from the first byte instead of STARTTLS
}

// python3WithAiosmtpd finds a Python that can import aiosmtpd: Debian's
// /usr/bin/python3 first (python3-aiosmtpd installs there), then PATH.
// Without one the test skips, except under CI, where it fails.
func python3WithAiosmtpd(t testing.TB) string {
	t.Helper()
	candidates := []string{"/usr/bin/python3"}
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append(candidates, p)
	}
	for _, p := range candidates {
		if exec.Command(p, "-c", "import aiosmtpd").Run() == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no python3 with aiosmtpd: install Debian package python3-aiosmtpd")
	}
	t.Skip("no python3 with aiosmtpd: apt-get install python3-aiosmtpd to run the SMTP tests")
	return ""
}

func startSMTPD(t testing.TB, o smtpdOptions) *smtpd {
	t.Helper()
	py := python3WithAiosmtpd(t)
	dir := t.TempDir()
	args := []string{filepath.Join("testdata", "smtpd.py"), dir}
	if o.auth != "" {
		args = append(args, "--auth", o.auth)
	}
	if o.certFile != "" {
		args = append(args, "--tls", o.certFile, o.keyFile)
		if o.implicit {
			args = append(args, "--implicit")
		}
	}
	cmd := exec.Command(py, args...)
	var stderr bytes.Buffer // shown if the test fails
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		if t.Failed() && stderr.Len() > 0 {
			t.Logf("smtpd.py stderr:\n%s", stderr.String())
		}
	})
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		ready <- line
		_, _ = io.Copy(io.Discard, out)
	}()
	var line string
	select {
	case line = <-ready:
	case <-time.After(20 * time.Second):
		t.Fatal("smtpd.py did not start within 20 s")
	}
	port, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "READY ")))
	if err != nil {
		t.Fatalf("smtpd.py said %q, want READY <port>", line)
	}
	return &smtpd{port: port, dir: dir}
}

// received is one message the server stored.
type received struct {
	mailFrom string
	rcptTos  []string
	msg      *mail.Message
	raw      []byte
}

// messages returns what the server accepted, in order. The server writes
// a message before it answers 250, so after Send returns it is there.
func (s *smtpd) messages(t testing.TB) []received {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(s.dir, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	var out []received
	for _, name := range names {
		raw, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		metaBytes, err := os.ReadFile(strings.TrimSuffix(name, ".eml") + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var meta struct {
			MailFrom string   `json:"mail_from"`
			RcptTos  []string `json:"rcpt_tos"`
		}
		if err := json.Unmarshal(metaBytes, &meta); err != nil {
			t.Fatal(err)
		}
		msg, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out = append(out, received{mailFrom: meta.MailFrom, rcptTos: meta.RcptTos, msg: msg, raw: raw})
	}
	return out
}

// part is one decoded MIME part of a received message.
type part struct {
	contentType string
	filename    string
	data        []byte
}

// parts decodes a multipart message: quoted-printable is decoded by
// mime/multipart, base64 here.
func parts(t testing.TB, msg *mail.Message) []part {
	t.Helper()
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mediaType, "multipart/") {
		t.Fatalf("Content-Type %q: want multipart (%v)", msg.Header.Get("Content-Type"), err)
	}
	r := multipart.NewReader(msg.Body, params["boundary"])
	var out []part
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		var body io.Reader = p
		if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "base64") {
			body = base64.NewDecoder(base64.StdEncoding, p)
		}
		data, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		out = append(out, part{contentType: ct, filename: p.FileName(), data: data})
	}
}

// decodeHeader decodes RFC 2047 words ("=?UTF-8?q?…?=").
func decodeHeader(t testing.TB, s string) string {
	t.Helper()
	d, err := new(mime.WordDecoder).DecodeHeader(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// selfSignedCert writes a certificate for 127.0.0.1 and its key into dir
// and returns their paths.
func selfSignedCert(t testing.TB, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "monthend test smtpd"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "EC PRIVATE KEY", keyDER)
	return certFile, keyFile
}

func writePEM(t testing.TB, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}
