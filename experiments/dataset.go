package experiments

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"strings"
)

// An Item is one case of a dataset: what the task is given, and what it
// should answer.
type Item struct {
	// ID names the item in every run, so that runs can be compared item by
	// item. Left empty, it is derived from Input and Expected.
	ID string `json:"id"`
	// Input is given to the task. It must be set.
	Input any `json:"input"`
	// Expected is the expected output, if any.
	Expected any `json:"expected,omitempty"`
	// Metadata describes the item; it is recorded on its trace.
	Metadata map[string]any `json:"metadata,omitempty"`
}

// A Dataset is a named list of items with distinct ids.
type Dataset struct {
	name  string
	items []Item
}

// NewDataset returns a dataset of copies of items. An item without an id
// gets one derived from its input and expected output (see [Item]). It
// fails when the name is empty, an item has no input, or two items have
// the same id.
func NewDataset(name string, items []Item) (*Dataset, error) {
	if name == "" {
		return nil, errors.New("experiments: dataset name is required")
	}
	d := &Dataset{name: name, items: make([]Item, len(items))}
	seen := make(map[string]int, len(items))
	var errs []error
	for i, it := range items {
		it.Metadata = maps.Clone(it.Metadata)
		if err := complete(&it); err != nil {
			errs = append(errs, fmt.Errorf("item %d: %w", i+1, err))
			continue
		}
		if j, dup := seen[it.ID]; dup {
			errs = append(errs, fmt.Errorf("item %d: id %q is also item %d's", i+1, it.ID, j))
			continue
		}
		seen[it.ID] = i + 1
		d.items[i] = it
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("experiments: dataset %q: %w", name, errors.Join(errs...))
	}
	return d, nil
}

// Name returns the dataset's name.
func (d *Dataset) Name() string { return d.name }

// Items returns a copy of the dataset's items.
func (d *Dataset) Items() []Item { return append([]Item(nil), d.items...) }

// Len returns the number of items.
func (d *Dataset) Len() int { return len(d.items) }

// complete checks it and gives it its derived id.
func complete(it *Item) error {
	if it.Input == nil {
		return errors.New("input is required")
	}
	if it.ID != "" {
		return nil
	}
	id, err := contentID(it.Input, it.Expected)
	if err != nil {
		return err
	}
	it.ID = id
	return nil
}

// contentID derives an item id from its content: the first 16 hex digits
// of the SHA-256 of the JSON of input and expected output (encoding/json
// sorts map keys, so equal values give equal ids).
func contentID(input, expected any) (string, error) {
	data, err := json.Marshal([]any{input, expected})
	if err != nil {
		return "", fmt.Errorf("id from content: %w", err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:8]), nil
}

// LoadJSONL reads a dataset from a JSON Lines file: one item per line, an
// object with the keys "id" (optional), "input", "expected" (optional) and
// "metadata" (optional, an object). Blank lines are skipped. Errors name
// the file and line of every bad row.
func LoadJSONL(name, path string) (*Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("experiments: %w", err)
	}
	defer f.Close()
	var rows []row
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var it Item
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		dec.UseNumber()
		err := dec.Decode(&it)
		if err == nil && dec.More() {
			err = errors.New("more than one JSON value on the line")
		}
		rows = append(rows, row{line: n, item: it, err: err})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("experiments: %s: %w", path, err)
	}
	return build(name, path, rows)
}

// LoadCSV reads a dataset from a CSV file with a header row. The columns
// "id" (optional), "input" (required) and "expected" (optional; also
// spelled "expected_output", as the server's CSV import does) fill the
// item; every other column becomes a metadata key. Cells are strings.
// Errors name the file and line of every bad row.
func LoadCSV(name, path string) (*Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("experiments: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("experiments: %s: header: %w", path, err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "expected_output" {
			h = "expected"
		}
		if _, dup := col[h]; dup {
			return nil, fmt.Errorf("experiments: %s:1: column %q appears twice", path, h)
		}
		col[h] = i
	}
	in, ok := col["input"]
	if !ok {
		return nil, fmt.Errorf("experiments: %s:1: no \"input\" column", path)
	}
	var rows []row
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
				rows = append(rows, row{line: pe.StartLine, err: fmt.Errorf("%d fields, want %d", len(rec), len(header))})
				continue
			}
			// A quoting error leaves the reader lost.
			rows = append(rows, row{line: -1, err: err})
			break
		}
		line, _ := r.FieldPos(0)
		it := Item{Metadata: map[string]any{}}
		for name, i := range col {
			switch name {
			case "input":
			case "id":
				it.ID = rec[i]
			case "expected":
				if rec[i] != "" {
					it.Expected = rec[i]
				}
			default:
				it.Metadata[name] = rec[i]
			}
		}
		if len(it.Metadata) == 0 {
			it.Metadata = nil
		}
		if rec[in] == "" {
			rows = append(rows, row{line: line, err: errors.New("input is empty")})
			continue
		}
		it.Input = rec[in]
		rows = append(rows, row{line: line, item: it})
	}
	return build(name, path, rows)
}

// row is an item read from a line of a file, or the line's error.
type row struct {
	line int // -1: the error names its place itself
	item Item
	err  error
}

// build makes the dataset of a file's rows, and reports every error with
// its line, in the file's order.
func build(name, path string, rows []row) (*Dataset, error) {
	var errs []error
	var items []Item
	seen := map[string]int{}
	for _, r := range rows {
		err := r.err
		if err == nil {
			err = complete(&r.item)
		}
		if err == nil {
			if first, dup := seen[r.item.ID]; dup {
				err = fmt.Errorf("id %q is also line %d's", r.item.ID, first)
			}
		}
		switch {
		case err != nil && r.line < 0:
			errs = append(errs, fmt.Errorf("%s: %w", path, err))
		case err != nil:
			errs = append(errs, fmt.Errorf("%s:%d: %w", path, r.line, err))
		default:
			seen[r.item.ID] = r.line
			items = append(items, r.item)
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("experiments: dataset %q: %w", name, errors.Join(errs...))
	}
	if name == "" {
		return nil, errors.New("experiments: dataset name is required")
	}
	return &Dataset{name: name, items: items}, nil
}
