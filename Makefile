# monthend — build, run, test, benchmark, lint.
# Two commands on a fresh machine: `make run` and `make test`.

GO          ?= go
BIN         := bin/monthend
STATICCHECK_VERSION := v0.8.2
GOBIN       := $(shell $(GO) env GOPATH)/bin
# Packages whose tests also run under the race detector (those that exist).
RACE_PKGS   := $(foreach d,pricing ledger tui,$(if $(wildcard $(d)/*.go),./$(d)/...))
BENCHTIME   ?= 1s

.PHONY: build run test test-race vet bench fuzz lint clean

build:
	$(GO) build -o $(BIN) ./cmd/monthend

# The demo book make run opens (created on first run: monthend demo).
DEMO_DB     ?= $(or $(XDG_DATA_HOME),$(HOME)/.local/share)/monthend/demo.db

## run: build monthend and open the workstation on the demo book (created on first run)
run: build
	@test -f "$(DEMO_DB)" || ./$(BIN) --db "$(DEMO_DB)" demo
	./$(BIN) --db "$(DEMO_DB)"

## test: go vet, the whole suite, and the core packages and the workstation again under -race
test: vet
	$(GO) test -count=1 ./...
	$(GO) test -count=1 -race $(RACE_PKGS)

vet:
	$(GO) vet ./...

## bench: every benchmark; figures go to docs/performance.md
bench:
	$(GO) test -run='^$$' -bench=. -benchmem -benchtime=$(BENCHTIME) ./...

## fuzz: a short run of every fuzz target (FUZZTIME each)
FUZZTIME ?= 30s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list='^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

## lint: gofmt, go vet, staticcheck (installed through the module proxy if missing)
lint: vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@test -x $(GOBIN)/staticcheck || $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	$(GOBIN)/staticcheck ./...

clean:
	rm -rf bin
