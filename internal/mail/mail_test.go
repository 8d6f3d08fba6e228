package mail

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFolderWritesEML(t *testing.T) {
	dir := t.TempDir()
	f := &Folder{Dir: dir, From: "rathaus@example.org"}
	if err := f.Send(context.Background(), Message{To: "erika@example.org", Subject: "Bestätigen Sie Ihre Adresse", Text: "Grüße"}); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(files) != 1 {
		t.Fatalf("want one .eml, got %v", files)
	}
	b, _ := os.ReadFile(files[0])
	if !strings.Contains(string(b), "erika@example.org") || !strings.Contains(string(b), "Subject:") {
		t.Fatalf("unexpected mail:\n%s", b)
	}
	if err := f.Send(context.Background(), Message{To: "not an address", Subject: "x", Text: "y"}); err == nil {
		t.Fatal("bad address accepted")
	}
}
