# Strata — the two set-up commands are `make build` and `make test` (see README.md).
CARGO ?= cargo
# Where cargo puts what it builds: CARGO_TARGET_DIR when set (as cargo itself does), else target/.
TARGET_DIR ?= $(or $(CARGO_TARGET_DIR),target)
STRATA := $(TARGET_DIR)/release/strata

.PHONY: build release test lint fmt golden-update bench schemas book clean

## Render every site in sites/ into rendered/.
build: release
	$(STRATA) build

release:
	$(CARGO) build --release --locked -p strata

## Unit, golden, CLI and differential tests, plus formatting and lints.
test: lint
	$(CARGO) test --workspace --locked

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

fmt:
	$(CARGO) fmt --all

## Re-record the golden tests' expectations (review the diff before committing!).
golden-update:
	STRATA_GOLDEN_UPDATE=1 $(CARGO) test --locked -p strata --test golden

## Benchmarks against kubectl kustomize, the validator's throughput, and what overlay provenance
## costs a full build (recording on vs. off).
bench: release
	bash scripts/bench-kustomize.sh
	bash scripts/bench-provenance.sh
	$(CARGO) run --release --locked -p strata-validate --example bench

## Regenerate the bundled Kubernetes schemas (needs network access to PyPI).
schemas:
	python3 scripts/gen-k8s-schemas.py

## The user guide, with its links checked. Installs mdbook (a pinned version) when it is missing.
MDBOOK_VERSION := 0.4.52
book:
	@command -v mdbook >/dev/null 2>&1 && mdbook --version | grep -q "v$(MDBOOK_VERSION)" \
	  || $(CARGO) install mdbook --locked --version $(MDBOOK_VERSION) --no-default-features --features search
	mdbook build book
	python3 scripts/check-book-links.py book/book

clean:
	$(CARGO) clean
	rm -rf rendered
