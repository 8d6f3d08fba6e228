// Package connector holds the outbound connectors of the integration hub, the adapters behind
// delivery.Connector: HTTP push with an HMAC signature, SMTP with the filled official form
// attached, and a folder drop for file-transfer gateways. The pull inbox needs no connector:
// offering a message is a database write (see internal/hub).
package connector

import (
	"context"
	"fmt"

	"github.com/rathaus-egov/rathaus/internal/delivery"
	"github.com/rathaus-egov/rathaus/internal/recipient"
)

// Mux sends over the connector the target names.
type Mux struct {
	HTTP   delivery.Connector
	SMTP   delivery.Connector
	Folder delivery.Connector
}

// Send implements delivery.Connector.
func (m *Mux) Send(ctx context.Context, msg delivery.Message, t delivery.Target) error {
	var c delivery.Connector
	switch t.Connector {
	case recipient.ConnectorHTTP:
		c = m.HTTP
	case recipient.ConnectorSMTP:
		c = m.SMTP
	case recipient.ConnectorFolder:
		c = m.Folder
	}
	if c == nil {
		return &delivery.Error{Permanent: true, Err: fmt.Errorf("connector %q is not available", t.Connector)}
	}
	return c.Send(ctx, msg, t)
}
