// Package esign is monthend's Dropbox Sign client: it sends a quote's PDF
// for signature, polls a signature request's status, downloads the signed
// PDF, and receives Dropbox Sign's callback events.
//
// It is written against the vendor's published OpenAPI description
// (shared/specs/dropbox-sign/openapi.yaml); the tests validate every
// request the client sends against that description.
//
//   - Client (client.go): SendForSignature, Get, DownloadSigned over
//     net/http with HTTP Basic auth (the API key as user name).
//   - Every failure is an *Error in one class (errors.go): ErrTemporary
//     (retry later, honouring RetryAfter), ErrRejected (this request will
//     fail again) or ErrSettings (the API key or account: stop and fix the
//     settings).
//   - CallbackHandler (callback.go): the http.Handler that `monthend serve`
//     mounts for callback events; it verifies each event's HMAC and hands a
//     typed Event to the caller's function.
//   - Settings and APIKey (settings.go, apikey.go): the `dropbox_sign:`
//     block of the settings file and the key from the environment or a
//     0600 file, which never prints.
//
// The package never reads or writes the book: the caller records signature
// request ids and applies events to quotes. It imports nothing of ours.
//
// Start reading at client.go, then callback.go.
package esign
