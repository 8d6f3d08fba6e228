package main

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rathaus-egov/rathaus/internal/sqlstore"
)

func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f dbFlags
	fls := newFlagSet("backup", `Write a consistent snapshot of the embedded default (SQLite database + blob folder)
as a .tar.gz file. Safe while serve is running: the database is copied with VACUUM INTO,
which reads one consistent state. For PostgreSQL use pg_dump plus a copy of the blob store
(see docs/operations.md).`, stderr)
	f.register(fls)
	out := fls.String("out", "", "file to write (default rathaus-backup-YYYYMMDD-HHMMSS.tar.gz)")
	if err := fls.Parse(args); err != nil {
		return err
	}
	if strings.HasPrefix(f.dsn(), "postgres") {
		return usageError{"backup covers the embedded SQLite default; for PostgreSQL use pg_dump (docs/operations.md)"}
	}
	if _, err := os.Stat(f.dsn()); err != nil {
		return fmt.Errorf("no database at %s: %w", f.dsn(), err)
	}
	if *out == "" {
		*out = "rathaus-backup-" + time.Now().Format("20060102-150405") + ".tar.gz"
	}
	db, err := sqlstore.Open(ctx, f.dsn())
	if err != nil {
		return err
	}
	defer db.Close()
	tmp, err := os.MkdirTemp(filepath.Dir(*out), ".rathaus-backup-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	snap := filepath.Join(tmp, "rathaus.db")
	if _, err := db.W.ExecContext(ctx, `VACUUM INTO ?`, snap); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	part := *out + ".part"
	fh, err := os.Create(part)
	if err != nil {
		return err
	}
	gz := gzip.NewWriter(fh)
	tw := tar.NewWriter(gz)
	n := 0
	if err := addFile(tw, snap, "rathaus.db"); err != nil {
		return err
	}
	blobs := f.blobDir()
	if _, err := os.Stat(blobs); err == nil {
		err := filepath.WalkDir(blobs, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(f.data, p)
			n++
			return addFile(tw, p, filepath.ToSlash(rel))
		})
		if err != nil {
			return err
		}
	}
	if err := errors.Join(tw.Close(), gz.Close(), fh.Sync(), fh.Close()); err != nil {
		return err
	}
	if err := os.Rename(part, *out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written to %s (database + %d blob files)\n", *out, n)
	return nil
}

func addFile(tw *tar.Writer, path, name string) error {
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o640, Size: st.Size(), ModTime: st.ModTime()}); err != nil {
		return err
	}
	_, err = io.Copy(tw, fh)
	return err
}

func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f dbFlags
	fls := newFlagSet("restore", `Restore a snapshot written by backup into the data folder. Stop serve first.
Refuses to overwrite an existing database unless --force is given.`, stderr)
	f.register(fls)
	force := fls.Bool("force", false, "replace an existing database and blob folder")
	if err := fls.Parse(args); err != nil {
		return err
	}
	if fls.NArg() != 1 {
		return usageError{"restore needs exactly one backup file"}
	}
	dbPath := filepath.Join(f.data, "rathaus.db")
	if _, err := os.Stat(dbPath); err == nil && !*force {
		return fmt.Errorf("%s exists; stop the server and use --force to replace it", dbPath)
	}
	fh, err := os.Open(fls.Arg(0))
	if err != nil {
		return err
	}
	defer fh.Close()
	gz, err := gzip.NewReader(fh)
	if err != nil {
		return fmt.Errorf("not a backup file: %w", err)
	}
	// Extract into a staging folder first, so a broken archive leaves the data untouched.
	if err := os.MkdirAll(f.data, 0o750); err != nil {
		return err
	}
	stage, err := os.MkdirTemp(f.data, ".restore-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(stage)
	tr := tar.NewReader(gz)
	files, haveDB := 0, false
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read backup: %w", err)
		}
		name := filepath.Clean(filepath.FromSlash(h.Name))
		if h.Typeflag != tar.TypeReg || filepath.IsAbs(name) || strings.HasPrefix(name, "..") || (name != "rathaus.db" && !strings.HasPrefix(name, "blobs"+string(filepath.Separator))) {
			return fmt.Errorf("backup contains an unexpected entry %q", h.Name)
		}
		dst := filepath.Join(stage, name)
		if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
			return err
		}
		out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o640)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, tr); err != nil {
			out.Close()
			return err
		}
		if err := errors.Join(out.Sync(), out.Close()); err != nil {
			return err
		}
		if name == "rathaus.db" {
			haveDB = true
		} else {
			files++
		}
	}
	if !haveDB {
		return errors.New("backup contains no database")
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		_ = os.Remove(dbPath + suffix)
	}
	_ = os.RemoveAll(filepath.Join(f.data, "blobs"))
	if err := os.Rename(filepath.Join(stage, "rathaus.db"), dbPath); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(stage, "blobs")); err == nil {
		if err := os.Rename(filepath.Join(stage, "blobs"), filepath.Join(f.data, "blobs")); err != nil {
			return err
		}
	}
	db, err := sqlstore.Open(ctx, dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.VerifyAudit(ctx)
	if err != nil {
		return fmt.Errorf("restored, but the audit chain does not verify: %w", err)
	}
	fmt.Fprintf(stdout, "restored database and %d blob files into %s; audit chain intact (%d entries)\n", files, f.data, n)
	return nil
}
