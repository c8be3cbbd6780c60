package llmtrace

import (
	"context"
	"errors"
	"testing"
)

// cfg stands for a client's request configuration.
type cfg struct {
	MaxRetries int
	Context    context.Context
	applied    []string
}

type opt string

func (o opt) Apply(c *cfg) error {
	if o == "fail" {
		return errors.New("failed")
	}
	c.applied = append(c.applied, string(o))
	return nil
}

func TestPerCall(t *testing.T) {
	ctx := context.WithValue(context.Background(), opt("k"), "v")
	var views []configView
	o := perCall(opt(""), func(v configView) []opt {
		views = append(views, v)
		return []opt{"a", "b"}
	})
	c := &cfg{MaxRetries: 5, Context: ctx}
	if err := o.Apply(c); err != nil {
		t.Fatal(err)
	}
	if len(views) != 1 || views[0].MaxRetries() != 5 || views[0].Context() != ctx {
		t.Fatalf("the view does not show the configuration")
	}
	c.MaxRetries = 1 // read when asked, not when applied
	if views[0].MaxRetries() != 1 {
		t.Fatal("MaxRetries read early")
	}
	if got := c.applied; len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Fatalf("applied %v", got)
	}
	failing := perCall(opt(""), func(configView) []opt { return []opt{"fail"} })
	if err := failing.Apply(c); err == nil {
		t.Fatal("the error of an option is lost")
	}
}

func TestConfigViewDefaults(t *testing.T) {
	var v configView
	if v.MaxRetries() != defaultMaxRetries || v.Context() != nil {
		t.Fatal("zero view")
	}
	var got configView
	if err := perCall(otherOpt{}, func(v configView) []otherOpt { got = v; return nil }).Apply(&other{Retries: 9}); err != nil {
		t.Fatal(err)
	}
	if got.MaxRetries() != defaultMaxRetries || got.Context() != nil {
		t.Fatal("a configuration without the fields")
	}
}

// other is a configuration with other field names.
type other struct{ Retries int }

type otherOpt struct{}

func (otherOpt) Apply(*other) error { return nil }

func TestConfigViewOfTransport(t *testing.T) {
	ctx := context.WithValue(context.Background(), opt("k"), "v")
	v := configView{ctx: ctx}
	if v.MaxRetries() != 0 || v.Context() != ctx {
		t.Fatal("a call through Transport makes one attempt in the request's context")
	}
}
