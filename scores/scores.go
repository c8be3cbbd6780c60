package scores

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// A Value is the value of a score: [Numeric], [Boolean] or [Categorical].
// The set is closed; other implementations cannot be made.
type Value interface {
	// DataType is the AgentTrace data type: NUMERIC, BOOLEAN or CATEGORICAL.
	DataType() DataType
	// String returns the value as text, as it appears on OTel span events.
	String() string
	isValue()
}

// DataType is the AgentTrace data type of a score.
type DataType string

// Data types.
const (
	DataTypeNumeric     DataType = "NUMERIC"
	DataTypeBoolean     DataType = "BOOLEAN"
	DataTypeCategorical DataType = "CATEGORICAL"
)

// Numeric is a numeric score, for example a quality between 0 and 1. It must
// be finite.
type Numeric float64

// Boolean is a pass/fail score. On the wire it is 1 or 0.
type Boolean bool

// Categorical is a score that is one of a set of labels, for example "good".
// It must not be empty.
type Categorical string

func (Numeric) DataType() DataType     { return DataTypeNumeric }
func (Boolean) DataType() DataType     { return DataTypeBoolean }
func (Categorical) DataType() DataType { return DataTypeCategorical }

func (v Numeric) String() string     { return strconv.FormatFloat(float64(v), 'g', -1, 64) }
func (v Boolean) String() string     { return strconv.FormatBool(bool(v)) }
func (v Categorical) String() string { return string(v) }

func (Numeric) isValue()     {}
func (Boolean) isValue()     {}
func (Categorical) isValue() {}

// Errors returned by [Validate]; test for them with errors.Is.
var (
	ErrNameRequired  = errors.New("score name is required")
	ErrValueRequired = errors.New("score value is required")
	ErrNotFinite     = errors.New("numeric score must be finite")
	ErrEmptyCategory = errors.New("categorical score must not be empty")
)

// Validate reports whether a score with this name and value can be sent.
func Validate(name string, v Value) error {
	if name == "" {
		return ErrNameRequired
	}
	switch v := v.(type) {
	case nil:
		return ErrValueRequired
	case Numeric:
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("score %q: %w, got %v", name, ErrNotFinite, float64(v))
		}
	case Categorical:
		if v == "" {
			return fmt.Errorf("score %q: %w", name, ErrEmptyCategory)
		}
	}
	return nil
}
