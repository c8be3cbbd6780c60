package scores_test

import (
	"errors"
	"fmt"
	"math"

	"github.com/agenttrace/agenttrace-otel-go/scores"
)

// The three kinds of score are distinct types, so a value's kind is never
// guessed. Validate says whether a score can be sent; the instrument
// client's Score calls it, also when tracing is off.
func ExampleValidate() {
	for _, v := range []scores.Value{
		scores.Numeric(0.95),
		scores.Boolean(true),
		scores.Categorical("good"),
		scores.Numeric(math.NaN()),
		scores.Categorical(""),
	} {
		err := scores.Validate("quality", v)
		fmt.Printf("%-11s %-4s valid=%t\n", v.DataType(), v, err == nil)
	}
	fmt.Println(errors.Is(scores.Validate("", scores.Numeric(1)), scores.ErrNameRequired))
	// Output:
	// NUMERIC     0.95 valid=true
	// BOOLEAN     true valid=true
	// CATEGORICAL good valid=true
	// NUMERIC     NaN  valid=false
	// CATEGORICAL      valid=false
	// true
}
