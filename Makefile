# The README's two commands: `make demo` and `make test`.
GO ?= go
# Packages that start goroutines or servers run under the race detector
# (sim and reference are single-threaded by design).
RACE_PKGS := ./certify/... ./fakes/... ./cmd/... ./steps/... ./wiresteps/... ./features/... ./serve/...

.PHONY: test vet unit race demo props bench build image sampleapp-bin

test: vet unit race

vet:
	$(GO) vet ./...

# Go's default 10-minute limit per test binary is too tight for certify's
# fault matrix (every fault under every manifest shape) on a slow machine.
TEST_TIMEOUT ?= 50m

unit:
	$(GO) test -timeout $(TEST_TIMEOUT) ./...

race:
	$(GO) test -race -timeout $(TEST_TIMEOUT) $(RACE_PKGS)

build:
	$(GO) build -o bin/appcert ./cmd/appcert
	$(GO) build -o bin/sampleapp ./cmd/sampleapp

# appcert's own image (Dockerfile): FROM scratch around a static binary.
image:
	CGO_ENABLED=0 $(GO) build -o bin/appcert-static ./cmd/appcert
	docker build -t appcert:dev .

# The static binary the sample app's image is built around
# (examples/sampleapp/Dockerfile; appcert certify --build examples/sampleapp).
sampleapp-bin:
	CGO_ENABLED=0 $(GO) build -o examples/sampleapp/sampleapp ./cmd/sampleapp

demo:
	$(GO) run ./cmd/appcert certify --demo

# Long property runs (CI runs a bounded number of checks inside `make test`).
props:
	$(GO) test ./sim/... -run 'Property|Mutant' -rapid.checks=20000 -rapid.steps=50 -v

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...
