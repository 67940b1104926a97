# gotools: one static multi-call binary for daemontools.
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
GO      ?= go
PREFIX  ?= /usr/local/bin
LDFLAGS := -s -w -X main.version=$(VERSION)
FUZZTIME ?= 20s
# Every package but the integration tests (which build and run the binary).
UNIT    = $$($(GO) list ./... | grep -v /integration)

.PHONY: build test race fuzz bench check install demo clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o gotools .
	@$(GO) version -m gotools | grep -q 'CGO_ENABLED=0' || { echo "gotools was not built static"; exit 1; }

# Everything CI runs: static build, gofmt and vet, unit and integration tests,
# and the race detector over the packages.
test: build check race
	$(GO) test -count=1 -timeout 30m ./...

race:
	$(GO) test -count=1 -race $(UNIT)

# Runs every fuzz target for FUZZTIME each (go test allows one target per run).
fuzz:
	@for pkg in $(UNIT); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./...
	sh bench/deps.sh
	@for b in bench/*.sh; do [ "$$b" = bench/deps.sh ] || "./$$b"; done; true

check:
	@test -z "$$(gofmt -l .)" || { gofmt -l .; echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet ./...

# PREFIX is the directory that gets the binary and one symlink per applet.
install: build
	install -d $(PREFIX)
	install -m 0755 gotools $(PREFIX)/gotools
	$(PREFIX)/gotools install $(PREFIX)

clean:
	rm -f gotools

demo: build
	sh examples/demo.sh
