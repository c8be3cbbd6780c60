# Development tasks of the AgentTrace Go SDK. `make help` lists them.
#
# The repository holds several Go modules: the SDK at the root and nested
# modules (end-to-end tests, the Collector exporter, examples, tools). Targets
# that check code run in every module, found by their go.mod files, so a new
# module is picked up without editing this file.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

GO ?= go
# Fuzz time per Fuzz target (make fuzz FUZZTIME=1m), and the short run
# make test ends with.
FUZZTIME ?= 10s
TEST_FUZZTIME ?= 3s
# Benchmarks to run and how often (make bench BENCH=Export COUNT=6).
BENCH ?= .
COUNT ?= 1

# Scratch output (benchmark results, test logs); git ignores it.
CACHE := .cache
TOOLS := internal/tools
JAEGER_BUILD := internal/e2e/jaegerbuild

# Every module directory: the root (.) and each nested module.
MODULES = $(shell find . -name go.mod -not -path './.git/*' -not -path './$(CACHE)/*' \
	-not -path '*/testdata/*' -printf '%h\n' | sort)
# The modules holding end-to-end tests (against Jaeger or a Collector).
E2E_MODULES = $(filter %/e2e,$(MODULES))

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

.PHONY: demo
demo: ## run the quickstart agent against an in-process AgentTrace server (or AGENTTRACE_API_URL)
	$(GO) run ./examples/quickstart

.PHONY: test
test: jaeger ## go test -race in every module, end-to-end tests included, then a short fuzz run
	@$(call gotest,$(MODULES))
	@$(MAKE) fuzz FUZZTIME=$(TEST_FUZZTIME)

.PHONY: e2e
e2e: jaeger ## only the end-to-end tests (real Jaeger, in-process Collector)
	@$(call gotest,$(E2E_MODULES))

# gotest runs go test -race -count=1 ./... in each module of $(1), goes on
# after a failing module, and closes with a count of packages that passed and
# failed (test log in $(CACHE)/test.log).
define gotest
mkdir -p $(CACHE); : > $(CACHE)/test.log; failed=(); \
for m in $(1); do \
	echo "== $$m: go test -race -count=1 ./..."; \
	if ! (cd $$m && $(GO) test -race -count=1 ./... 2>&1) | tee -a $(CACHE)/test.log; then failed+=("$$m"); fi; \
done; \
if (( $${#failed[@]} )); then echo "== failing modules: $${failed[*]}"; fi; \
echo "packages: $$(grep -cE '^ok\s' $(CACHE)/test.log || true) passed, $$(grep -cE '^FAIL\s' $(CACHE)/test.log || true) failed"; \
(( $${#failed[@]} == 0 ))
endef

.PHONY: jaeger
jaeger: ## build the pinned Jaeger for the end-to-end tests (minutes cold, then cached)
	@echo "== building Jaeger (internal/e2e/jaegerbuild; the go build cache keeps it)"
	@start=$$SECONDS; $(GO) -C $(JAEGER_BUILD) tool -n jaeger >/dev/null; \
	echo "== Jaeger ready in $$((SECONDS - start))s"

.PHONY: bench
bench: ## run benchmarks in every module; table of ours vs baseline (raw: .cache/bench.txt)
	@mkdir -p $(CACHE)
	@for m in $(MODULES); do \
		(cd $$m && $(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -count $(COUNT) ./...); \
	done 2>&1 | tee $(CACHE)/bench.txt /dev/stderr | $(GO) -C $(TOOLS) run ./cmd/benchtable

.PHONY: lint
lint: ## gofmt, go vet and staticcheck in every module
	@status=0; \
	unformatted=$$(find . -name '*.go' -not -path './.git/*' -not -path './$(CACHE)/*' \
		-not -path '*/testdata/*' -print0 | xargs -0 gofmt -l); \
	if [[ -n $$unformatted ]]; then echo "== gofmt -l: not formatted:"; echo "$$unformatted"; status=1; fi; \
	staticcheck=$$($(GO) -C $(TOOLS) tool -n staticcheck); \
	for m in $(MODULES); do \
		echo "== $$m: go vet ./... && staticcheck ./..."; \
		(cd $$m && $(GO) vet ./... && $$staticcheck ./...) || status=1; \
	done; \
	exit $$status

.PHONY: fuzz
fuzz: ## run every Fuzz target for FUZZTIME (default 10s) each (only packages with one are built)
	@for m in $(MODULES); do \
		(cd $$m && for dir in $$($(GO) list -f '{{if or .TestGoFiles .XTestGoFiles}}{{.Dir}}{{end}}' ./...); do \
			grep -qs '^func Fuzz' $$dir/*_test.go || continue; \
			pkg=$$($(GO) list $$dir); list=$$($(GO) test -list '^Fuzz' $$pkg); \
			for target in $$(grep '^Fuzz' <<<"$$list" || true); do \
				echo "== $$pkg $$target ($(FUZZTIME))"; \
				$(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) $$pkg; \
			done; \
		done); \
	done
