package connector

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rathaus-egov/rathaus/internal/delivery"
)

// Headers of the HTTP push connector.
const (
	HeaderIdempotencyKey = "Idempotency-Key"
	HeaderTimestamp      = "X-Rathaus-Timestamp"
	HeaderSignature      = "X-Rathaus-Signature"
	HeaderMessageID      = "X-Rathaus-Message-Id"
	HeaderKind           = "X-Rathaus-Recipient-Kind"
)

// HTTPPush POSTs the message body to the recipient's URL. The request carries the
// idempotency key, a Unix timestamp and a hex HMAC-SHA256 over "timestamp.body" with the
// recipient's secret. A 2xx answer means delivered; 408, 425, 429 and 5xx answers, timeouts
// and network errors are retried; any other status is permanent (the endpoint or the secret
// is wrong and needs a correction, then a replay).
type HTTPPush struct {
	Client  *http.Client     // default: a client without redirects
	Timeout time.Duration    // per attempt (default 30 s)
	Now     func() time.Time // for the timestamp
}

// Sign returns the hex HMAC-SHA256 of "timestamp.body" under secret.
func Sign(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Verify checks a signature as a recipient should: constant-time comparison, and a timestamp
// at most maxSkew away from now.
func Verify(secret, timestamp, signature string, body []byte, now time.Time, maxSkew time.Duration) error {
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("bad timestamp %q", timestamp)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > maxSkew || d < -maxSkew {
		return fmt.Errorf("timestamp %s is %s away", timestamp, d)
	}
	want := Sign(secret, timestamp, body)
	if subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(signature))) != 1 {
		return errors.New("signature mismatch")
	}
	return nil
}

// defaultClient keeps up to 16 idle connections per recipient host (http.DefaultTransport
// keeps 2): the job runner's workers often push to the same recipient at once, and with 2
// most attempts paid for a new TCP connection.
var defaultClient = &http.Client{Transport: pushTransport(), CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func pushTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 16
	return t
}

// Send implements delivery.Connector.
func (h *HTTPPush) Send(ctx context.Context, m delivery.Message, t delivery.Target) error {
	client := h.Client
	if client == nil {
		client = defaultClient
	}
	timeout := h.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.Endpoint, bytes.NewReader(m.Body))
	if err != nil {
		return &delivery.Error{Permanent: true, Err: err}
	}
	ts := strconv.FormatInt(now().Unix(), 10)
	req.Header.Set("Content-Type", m.ContentType)
	req.Header.Set(HeaderIdempotencyKey, m.IdempotencyKey)
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, Sign(t.Secret, ts, m.Body))
	req.Header.Set(HeaderMessageID, m.MessageUUID)
	req.Header.Set(HeaderKind, string(m.Kind))
	req.Header.Set("User-Agent", "Rathaus-Integration-Hub")
	resp, err := client.Do(req)
	if err != nil {
		return &delivery.Error{Err: err}
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // let the connection be reused
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	e := &delivery.Error{HTTPStatus: resp.StatusCode, Err: fmt.Errorf("%s", strings.TrimSpace(string(snippet)))}
	switch {
	case resp.StatusCode == 408, resp.StatusCode == 425, resp.StatusCode == 429, resp.StatusCode >= 500:
	default:
		e.Permanent = true
	}
	return e
}
