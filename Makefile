# policyd — the two set-up commands are `make run` and `make test` (see README.md).
SWIFT ?= swift
BUILD_FLAGS ?=

.PHONY: run test deps build release clean bench

# Installs the system packages the build needs (Debian), once.
deps:
	@./scripts/install-deps.sh

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

release: deps
	$(SWIFT) build -c release $(BUILD_FLAGS)

# Runs the daemon on the embedded default: example bundle from config/, socket under ./run/.
run: release
	@mkdir -p run/state
	.build/release/policyd serve --config config/policyd.dev.yaml

# Runs every test: unit and end-to-end tests, then the conformance harness with its ratchet.
test: deps
	./scripts/test-all.sh

# Every benchmark side by side with OPA, regorus and the socket floor (docs/performance.md).
bench: deps
	./bench/compare

clean:
	rm -rf .build run
