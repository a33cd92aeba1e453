# pamctl: build, test, demo, release. `make test` is what CI runs (.ci/run).
#
#   make demo            build pamctl + pamsim and walk the mission against the simulator
#   make test            go vet, gofmt check, docs check, go test -race ./...
#   make build           bin/pamctl and bin/pamsim, version-stamped
#   make fuzz            every fuzz target for FUZZTIME each (10s); not part of make test
#   make docs            regenerate docs/reference and docs/{exit-codes,environment}.md
#   make man             man pages (section 1) into manpages/
#   make lint            no time.Sleep in tests, then golangci-lint (pinned; installed into bin/tools on first use)
#   make test-pty        the one real pseudo-terminal smoke test (waits for a real terminal)
#   make release-check   goreleaser check + snapshot release into dist/ (pinned; slow the first time)
#   make bench-startup   `pamctl version` start-up time against a Go hello world (limit 2.5x)
#   make bench-audit     audit list and audit verify on a 1,000,000-line journal: time, peak memory

GO  ?= go
BIN := bin
PKG := github.com/pamctl/pamctl

# Version stamp: from git when there is history, else "dev".
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
DATE    ?= $(shell git log -1 --format=%cI 2>/dev/null || date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS := -s -w \
	-X $(PKG)/pkg/build.Version=$(VERSION) \
	-X $(PKG)/pkg/build.Commit=$(COMMIT) \
	-X $(PKG)/pkg/build.Date=$(DATE)

# Pinned tools, installed from the Go module proxy into bin/tools/<tool>-<version>/.
TOOLS                  := $(CURDIR)/$(BIN)/tools
GOLANGCI_LINT_VERSION  := v2.15.0
GOLANGCI_LINT          := $(TOOLS)/golangci-lint-$(GOLANGCI_LINT_VERSION)/golangci-lint
GORELEASER_VERSION     := v2.15.1
GORELEASER             := $(TOOLS)/goreleaser-$(GORELEASER_VERSION)/goreleaser

# Go files to format-check: tracked and untracked-but-not-ignored.
GOFILES = $(shell git ls-files -co --exclude-standard '*.go' 2>/dev/null || find . -name '*.go' -not -path './.git/*')

FUZZTIME ?= 10s

.PHONY: fuzz all build test vet fmt-check fmt race docs docs-check man demo lint test-sleep-check test-pty release-check \
	bench-list bench-terminate bench-startup bench-audit clean help

all: build

help:
	@sed -n 's/^#   //p' $(firstword $(MAKEFILE_LIST))

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/pamctl ./cmd/pamctl
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/pamsim ./cmd/pamsim

test: vet fmt-check docs-check race

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $(GOFILES)); \
	if [ -n "$$out" ]; then echo "gofmt would change (run 'make fmt'):"; echo "$$out"; exit 1; fi

fmt:
	gofmt -w $(GOFILES)

# The race runtime sleeps 1 s when each race-instrumented test binary exits
# (atexit_sleep_ms, so goroutines still running can report a race): with ~40
# packages, run two at a time on 2 cores, that is ~20 s of make test doing
# nothing. Measured on 2 cores (shared, so noisy): 57 s and 83 s with the
# sleep, 38 s and 45 s without. A race is reported when it happens; the
# sleep only gives a goroutine a test left running time to reach one, and
# tests leave none (their servers stop with them). A GORACE set in the
# environment still applies (its options come after, and win).
race:
	GORACE="atexit_sleep_ms=0 $$GORACE" $(GO) test -race -count=1 ./...

# docs/reference and the README's exit-code table are generated from the code; the test regenerates them
# into a temp dir and compares, and checks every command has Short, Example, Args.
docs:
	$(GO) run ./cmd/gen-docs --markdown docs/reference --topics docs --readme README.md

docs-check:
	$(GO) test -count=1 -run '^(TestDocsAreCurrent|TestCommandsAreDocumented|TestManPagesKeepPlaceholders|TestREADMEOutputFormats|TestREADMEExitCodes)$$' ./cmd/gen-docs

# Man pages, as the release builds them (placeholders written NAME).
man:
	rm -rf manpages
	$(GO) run ./cmd/gen-docs --man manpages

demo:
	bash scripts/demo.sh

lint: test-sleep-check $(GOLANGCI_LINT)
	$(GOLANGCI_LINT) run ./...

# Tests never wait on real time (docs/testing.md).
test-sleep-check:
	bash scripts/check-test-sleep.sh

# The real-terminal smoke test: behind the pty build tag, as it waits for a
# real pseudo-terminal.
test-pty:
	$(GO) test -tags pty -count=1 -run '^TestPTY' ./pkg/cmd/auth/login/ ./pkg/cmd/sessions/terminate/

$(GOLANGCI_LINT):
	GOBIN=$(dir $@) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)

release-check: $(GORELEASER)
	$(GORELEASER) check
	PAMCTL_COMMIT=$(COMMIT) PAMCTL_DATE=$(DATE) SOURCE_DATE_EPOCH=$$(git log -1 --format=%ct 2>/dev/null || date +%s) \
		$(GORELEASER) release --snapshot --clean --skip=sign
	@echo; echo "artifacts in dist/:"; ls -1 dist | grep -E '\.(tar\.gz|zip|deb|rpm|txt)$$'

$(GORELEASER):
	GOBIN=$(dir $@) $(GO) install github.com/goreleaser/goreleaser/v2@$(GORELEASER_VERSION)

bench-list:
	bash scripts/bench-list.sh

bench-startup:
	bash scripts/bench-startup.sh

bench-audit:
	bash scripts/bench-audit.sh

bench-terminate:
	$(GO) test -run '^$$' -bench 'ContainOne|ContainSelectorOne|BulkTerminate200|Sites3' -benchtime 3x ./pkg/cmd/sessions/terminate/
	bash scripts/bench-terminate.sh

# clean keeps bin/tools: the pinned linters take minutes to build.
clean:
	rm -rf $(BIN)/pamctl $(BIN)/pamsim dist completions manpages

# Each fuzz target runs alone for FUZZTIME (go test -fuzz takes one target
# per run). Their seed corpora already run in make test.
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
		dir=$$($(GO) list -f '{{.Dir}}' $$pkg); \
		for t in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go 2>/dev/null | sed 's/^func //'); do \
			echo "fuzz $$pkg $$t ($(FUZZTIME))"; \
			$(GO) test $$pkg -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME); \
		done; \
	done
