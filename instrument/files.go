package instrument

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"time"
)

// ReadFile reads the file at path, as os.ReadFile does, and records the
// read under o: the content's hash and size, or the error. It returns what
// os.ReadFile returns.
func (o *Observation) ReadFile(ctx context.Context, path string, opts ...ActionOption) ([]byte, error) {
	if !o.live() {
		return os.ReadFile(path)
	}
	start := time.Now()
	data, err := os.ReadFile(path)
	cfg := actionFileOp(opts)
	cfg.err = err
	if err == nil {
		cfg.after, cfg.hasAfter = data, true
	}
	o.recordFileOp(ctx, FileRead, path, &cfg, start, time.Now())
	return data, err
}

// WriteFile writes data to the file at path, as os.WriteFile does, and
// records the write under o: a create when the file did not exist, else
// an update with the hashes of the content before and after, the lines
// added and removed and a diff preview:
//
//	err := tr.WriteFile(ctx, "main.go", src, 0o644, instrument.WithReason("add the handler"))
//
// It returns os.WriteFile's error, which is also recorded.
func (o *Observation) WriteFile(ctx context.Context, path string, data []byte, perm fs.FileMode, opts ...ActionOption) error {
	if !o.live() {
		return os.WriteFile(path, data, perm)
	}
	start := time.Now()
	cfg := actionFileOp(opts)
	op := FileCreate
	if before, err := os.ReadFile(path); err == nil {
		op, cfg.before, cfg.hasBefore = FileUpdate, before, true
	} else if !errors.Is(err, fs.ErrNotExist) {
		op = FileUpdate // it exists but cannot be read
	}
	cfg.err = os.WriteFile(path, data, perm)
	o.recordWrite(ctx, op, path, data, &cfg, start)
	return cfg.err
}

// EditFile changes the file at path with edit, which gets its content and
// returns the new one, writes the result back (keeping the file's
// permissions) and records the update under o, as [Observation.WriteFile]
// does:
//
//	err := tr.EditFile(ctx, "util.go", func(src []byte) ([]byte, error) {
//		return bytes.ReplaceAll(src, []byte("i <= n"), []byte("i < n")), nil
//	}, instrument.WithReason("fix the off-by-one"))
//
// An error reading the file is returned and recorded; an error of edit is
// returned unchanged and nothing is written or recorded.
func (o *Observation) EditFile(ctx context.Context, path string, edit func([]byte) ([]byte, error), opts ...ActionOption) error {
	start := time.Now()
	before, err := os.ReadFile(path)
	if err != nil {
		if o.live() {
			cfg := actionFileOp(opts)
			cfg.err = err
			o.recordFileOp(ctx, FileUpdate, path, &cfg, start, time.Now())
		}
		return err
	}
	after, err := edit(before)
	if err != nil {
		return err
	}
	// os.WriteFile keeps the permissions of an existing file.
	err = os.WriteFile(path, after, 0o666)
	if o.live() {
		cfg := actionFileOp(opts)
		cfg.before, cfg.hasBefore = before, true
		cfg.err = err
		o.recordWrite(ctx, FileUpdate, path, after, &cfg, start)
	}
	return err
}

// recordWrite records a write of data to path whose error is cfg.err.
func (o *Observation) recordWrite(ctx context.Context, op FileOperation, path string, data []byte, cfg *fileOpConfig, start time.Time) {
	if cfg.err == nil {
		cfg.after, cfg.hasAfter = data, true
		if fi, err := os.Stat(path); err == nil {
			cfg.mode, cfg.modeSet = fi.Mode(), true
		}
	}
	o.recordFileOp(ctx, op, path, cfg, start, time.Now())
}

// actionFileOp returns the configuration of a file operation the helpers
// record with opts.
func actionFileOp(opts []ActionOption) fileOpConfig {
	return fileOpConfig{action: actionOf(opts)}
}
