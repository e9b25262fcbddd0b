// Package email delivers invoices by SMTP: one message per invoice to the
// customer's billing contacts, subject and body from editable templates,
// the PDF attached.
//
// Settings (Settings, the `smtp:` block of the settings file) name the
// server, TLS policy, account, sender and templates; the password comes
// from the environment or a 0600 file (LoadPassword) and travels as a
// Secret, which never prints. A Sender sends one Message per connection;
// its errors are classified (ErrTemporary, ErrRejected, ErrSettings) so the
// outbox can retry what is worth retrying.
//
// Start reading at sender.go, then classify.go.
package email
