package experiments

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/agenttrace/agenttrace-otel-go/scores"
)

// An Evaluator scores the output of a task for one item. Its score is
// recorded on the item's trace under Name. An evaluator that returns an
// error does not score the item; the error is reported in the item's
// result and the run goes on.
type Evaluator struct {
	// Name is the score's name; distinct in a run.
	Name string
	// Func scores output, what the task returned for item. It is called
	// only when the task succeeded, concurrently for different items.
	Func func(ctx context.Context, item Item, output any) (scores.Value, error)
}

// ErrNoExpected is returned by the built-in evaluators that compare with
// the expected output, for an item that has none.
var ErrNoExpected = errors.New("item has no expected output")

// Exact scores true when the output, as text, equals the expected output
// as text. Text is a string as it is, and other values as JSON.
func Exact() Evaluator {
	return Evaluator{Name: "exact", Func: func(_ context.Context, item Item, output any) (scores.Value, error) {
		if item.Expected == nil {
			return nil, ErrNoExpected
		}
		got, err := text(output)
		if err != nil {
			return nil, err
		}
		want, err := text(item.Expected)
		if err != nil {
			return nil, err
		}
		return scores.Boolean(got == want), nil
	}}
}

// JSONEqual scores true when the output and the expected output are the
// same JSON value: object keys in any order, numbers by value. A string is
// parsed as JSON text; one that is not JSON is an error.
func JSONEqual() Evaluator {
	return Evaluator{Name: "json_equal", Func: func(_ context.Context, item Item, output any) (scores.Value, error) {
		if item.Expected == nil {
			return nil, ErrNoExpected
		}
		got, err := jsonValue(output)
		if err != nil {
			return nil, fmt.Errorf("output: %w", err)
		}
		want, err := jsonValue(item.Expected)
		if err != nil {
			return nil, fmt.Errorf("expected output: %w", err)
		}
		return scores.Boolean(reflect.DeepEqual(got, want)), nil
	}}
}

// Contains scores true when the output, as text, contains the expected
// output as text.
func Contains() Evaluator {
	return Evaluator{Name: "contains", Func: func(_ context.Context, item Item, output any) (scores.Value, error) {
		if item.Expected == nil {
			return nil, ErrNoExpected
		}
		got, err := text(output)
		if err != nil {
			return nil, err
		}
		want, err := text(item.Expected)
		if err != nil {
			return nil, err
		}
		return scores.Boolean(strings.Contains(got, want)), nil
	}}
}

// Matches scores true when the output, as text, matches re. It needs no
// expected output.
func Matches(re *regexp.Regexp) Evaluator {
	return Evaluator{Name: "matches", Func: func(_ context.Context, _ Item, output any) (scores.Value, error) {
		got, err := text(output)
		if err != nil {
			return nil, err
		}
		return scores.Boolean(re.MatchString(got)), nil
	}}
}

// WithinTolerance scores true when the output and the expected output are
// numbers at most tol apart. Numbers may be Go numbers, json.Number or
// strings holding a number.
func WithinTolerance(tol float64) Evaluator {
	return Evaluator{Name: "within_tolerance", Func: func(_ context.Context, item Item, output any) (scores.Value, error) {
		if item.Expected == nil {
			return nil, ErrNoExpected
		}
		got, err := number(output)
		if err != nil {
			return nil, fmt.Errorf("output: %w", err)
		}
		want, err := number(item.Expected)
		if err != nil {
			return nil, fmt.Errorf("expected output: %w", err)
		}
		return scores.Boolean(math.Abs(got-want) <= tol), nil
	}}
}

// text returns v as text: a string as it is, other values as JSON.
func text(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case fmt.Stringer:
		return v.String(), nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(data), nil
}

// jsonValue returns v as encoding/json decodes it into an any: a string is
// decoded as JSON text, other values are encoded and decoded.
func jsonValue(v any) (any, error) {
	var data []byte
	if s, ok := v.(string); ok {
		data = []byte(s)
	} else {
		var err error
		if data, err = json.Marshal(v); err != nil {
			return nil, err
		}
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	return out, nil
}

// number returns v as a float64.
func number(v any) (float64, error) {
	switch v := v.(type) {
	case float64:
		return v, nil
	case float32:
		return float64(v), nil
	case int:
		return float64(v), nil
	case int64:
		return float64(v), nil
	case int32:
		return float64(v), nil
	case uint:
		return float64(v), nil
	case uint64:
		return float64(v), nil
	case json.Number:
		return v.Float64()
	case string:
		return strconv.ParseFloat(strings.TrimSpace(v), 64)
	}
	return 0, fmt.Errorf("%T is not a number", v)
}
