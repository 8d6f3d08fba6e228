package connector

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/rathaus-egov/rathaus/internal/delivery"
)

// Folder drops the message into the recipient's transfer folder for a file-transfer gateway:
// written to a hidden temporary name in the same folder, synced, then renamed, so the gateway
// never picks up half a file. The name is derived from the message, so a second attempt
// replaces the file with identical bytes instead of adding a copy.
type Folder struct{}

// Send implements delivery.Connector.
func (Folder) Send(ctx context.Context, m delivery.Message, t delivery.Target) error {
	dir := t.Endpoint
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return &delivery.Error{Err: fmt.Errorf("transfer folder %s is not available: %v", dir, err)}
	}
	name := filepath.Base(m.Filename)
	if name == "." || name == "/" || strings.HasPrefix(name, ".") {
		return &delivery.Error{Permanent: true, Err: fmt.Errorf("bad file name %q", m.Filename)}
	}
	tmp, err := os.CreateTemp(dir, "."+name+".*.tmp")
	if err != nil {
		return &delivery.Error{Err: err}
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(m.Body); err != nil {
		tmp.Close()
		return &delivery.Error{Err: err}
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return &delivery.Error{Err: err}
	}
	if err := tmp.Close(); err != nil {
		return &delivery.Error{Err: err}
	}
	if err := os.Chmod(tmp.Name(), 0o640); err != nil {
		return &delivery.Error{Err: err}
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return &delivery.Error{Err: err}
	}
	if d, err := os.Open(dir); err == nil { // make the rename durable
		_ = d.Sync()
		d.Close()
	}
	return nil
}
