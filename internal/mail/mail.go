// Package mail sends e-mail: over SMTP when configured, else as .eml files into a folder so
// the embedded demo works offline. Mail is always sent from a durable job, never inline in a
// request, so an SMTP outage delays a mail but never loses it.
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Message is one plain-text mail, optionally with attachments.
type Message struct {
	To          string       `json:"to"`
	Subject     string       `json:"subject"`
	Text        string       `json:"text"`
	Attachments []Attachment `json:"attachments,omitempty"`
	// MessageID, when set, is the Message-ID (without angle brackets), so a resent mail can
	// be recognised as the same by the receiving side.
	MessageID string `json:"messageId,omitempty"`
}

// Attachment is a file attached to a mail.
type Attachment struct {
	Name        string `json:"name"`
	ContentType string `json:"contentType"`
	Data        []byte `json:"data"`
}

// Sender sends a message.
type Sender interface {
	Send(ctx context.Context, m Message) error
	Describe() string
}

// SMTPConfig configures the SMTP sender.
type SMTPConfig struct {
	Host     string
	Port     int
	User     string
	Password string
	From     string
	TLS      string // "none", "starttls" (default when a user is set), "tls"
}

// SMTP sends over an SMTP server.
type SMTP struct{ cfg SMTPConfig }

// NewSMTP returns an SMTP sender.
func NewSMTP(cfg SMTPConfig) *SMTP {
	if cfg.Port == 0 {
		cfg.Port = 25
	}
	if cfg.TLS == "" {
		cfg.TLS = "none"
		if cfg.User != "" {
			cfg.TLS = "starttls"
		}
	}
	return &SMTP{cfg: cfg}
}

// Describe says where mail goes (for the start-up log).
func (s *SMTP) Describe() string {
	return fmt.Sprintf("smtp://%s:%d (%s)", s.cfg.Host, s.cfg.Port, s.cfg.TLS)
}

func build(from string, m Message, now time.Time) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.From(from); err != nil {
		return nil, fmt.Errorf("from address: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("to address: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	if m.MessageID != "" {
		msg.SetMessageIDWithValue(m.MessageID)
	} else {
		msg.SetMessageID()
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	for _, a := range m.Attachments {
		if err := msg.AttachReader(a.Name, bytes.NewReader(a.Data), gomail.WithFileContentType(gomail.ContentType(a.ContentType))); err != nil {
			return nil, fmt.Errorf("attachment %s: %w", a.Name, err)
		}
	}
	return msg, nil
}

// Send delivers one message.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg, err := build(s.cfg.From, m, time.Now())
	if err != nil {
		return err
	}
	opts := []gomail.Option{gomail.WithPort(s.cfg.Port), gomail.WithTimeout(20 * time.Second)}
	switch s.cfg.TLS {
	case "tls":
		opts = append(opts, gomail.WithSSL())
	case "starttls":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.cfg.User != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain), gomail.WithUsername(s.cfg.User), gomail.WithPassword(s.cfg.Password))
	}
	c, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return err
	}
	return c.DialAndSendWithContext(ctx, msg)
}

// Folder writes each message as an .eml file (written to a temporary name, then renamed, so a
// reader never sees half a file).
type Folder struct {
	Dir  string
	From string
}

// Describe says where mail goes.
func (f *Folder) Describe() string { return "folder " + f.Dir }

// Send writes the message.
func (f *Folder) Send(ctx context.Context, m Message) error {
	msg, err := build(f.From, m, time.Now())
	if err != nil {
		return err
	}
	if err := os.MkdirAll(f.Dir, 0o750); err != nil {
		return err
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := time.Now().UTC().Format("20060102T150405.000000") + "-" + hex.EncodeToString(b) + ".eml"
	name = strings.ReplaceAll(name, ".", "_")
	name = strings.TrimSuffix(name, "_eml") + ".eml"
	tmp := filepath.Join(f.Dir, "."+name+".tmp")
	fh, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := msg.WriteTo(fh); err != nil {
		fh.Close()
		os.Remove(tmp)
		return err
	}
	if err := fh.Sync(); err != nil {
		fh.Close()
		return err
	}
	if err := fh.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(f.Dir, name))
}
