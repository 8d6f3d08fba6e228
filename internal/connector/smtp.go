package connector

import (
	"context"
	"fmt"
	"strings"

	"github.com/rathaus-egov/rathaus/internal/delivery"
	"github.com/rathaus-egov/rathaus/internal/mail"
)

// SMTP mails the message to recipients without an interface: a short text, the message file
// and the filled official form (PDF) as attachments. The Message-ID is derived from the
// message UUID, so a resent mail is recognisably the same message.
type SMTP struct {
	Mail mail.Sender
}

// Send implements delivery.Connector.
func (s *SMTP) Send(ctx context.Context, m delivery.Message, t delivery.Target) error {
	var text strings.Builder
	fmt.Fprintf(&text, "Guten Tag,\n\nim Anhang erhalten Sie eine Gewerbeanzeige (%s, Aktenzeichen %s) zur Kenntnis nach § 14 Abs. 8 GewO in Verbindung mit § 3 GewAnzV.\n\n", m.Art, m.Reference)
	fmt.Fprintf(&text, "Sie enthält nur die Angaben, die Ihre Stelle erhalten darf. Nachrichten-ID: %s\nIdempotenzschlüssel: %s\n\n", m.MessageUUID, m.IdempotencyKey)
	text.WriteString("Diese Nachricht wurde automatisch von der Plattform Rathaus Sachsen versandt.\n")
	atts := []mail.Attachment{{Name: m.Filename, ContentType: m.ContentType, Data: m.Body}}
	for _, a := range m.Attachments {
		atts = append(atts, mail.Attachment{Name: a.Name, ContentType: a.ContentType, Data: a.Data})
	}
	err := s.Mail.Send(ctx, mail.Message{
		To:          t.Endpoint,
		Subject:     fmt.Sprintf("Gewerbeanzeige %s (%s) – %s", m.Reference, m.Art, m.Kind.DisplayName()),
		Text:        text.String(),
		Attachments: atts,
		MessageID:   m.MessageUUID + "@rathaus.invalid",
	})
	if err != nil {
		return &delivery.Error{Err: err}
	}
	return nil
}
