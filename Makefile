# Strata — the two set-up commands are `make build` and `make test` (see README.md).
CARGO ?= cargo
# Where cargo puts what it builds: CARGO_TARGET_DIR when set (as cargo itself does), else target/.
TARGET_DIR ?= $(or $(CARGO_TARGET_DIR),target)
STRATA := $(TARGET_DIR)/release/strata

.PHONY: build release test lint fmt golden-update bench schemas book clean fuzz fuzz-smoke fuzz-tools helm-diff

## Render every site in sites/ into rendered/.
build: release
	$(STRATA) build

release:
	$(CARGO) build --release --locked -p strata

## Unit, golden, CLI and differential tests, plus formatting and lints, then a short fuzz run.
test: lint
	$(CARGO) test --workspace --locked
	$(MAKE) fuzz-smoke

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

fmt:
	$(CARGO) fmt --all

## Fuzzing (book/src/fuzzing.md): cargo fuzz on the stable toolchain, without a sanitizer.
## The seeds in fuzz/corpus/ are read, never written: new entries go to a working corpus in
## fuzz/target/ (fuzz-smoke: a fresh one each time, so its cost stays fixed; fuzz: a lasting
## one). A crash fails the run and is saved in fuzz/artifacts/<target>/.
FUZZ_TARGETS := yaml kustomize render diff
FUZZ_SMOKE_SECONDS ?= 20
FUZZ_SECONDS ?= 600
CARGO_FUZZ_VERSION := 0.13.2
FUZZ_BUILD := --fuzz-dir fuzz --sanitizer none --codegen-units 16 --target-dir fuzz/target
FUZZ_RUN_FLAGS := -timeout=30 -rss_limit_mb=4096 -max_len=8192 -print_final_stats=1

## cargo-fuzz, installed with cargo when missing (a fresh machine has only the toolchain).
fuzz-tools:
	@$(CARGO) fuzz --version >/dev/null 2>&1 || $(CARGO) install cargo-fuzz --locked --version $(CARGO_FUZZ_VERSION)

## Each fuzz target for FUZZ_SMOKE_SECONDS (part of `make test`).
fuzz-smoke: fuzz-tools
	$(CARGO) fuzz build $(FUZZ_BUILD)
	@set -e; for t in $(FUZZ_TARGETS); do \
		rm -rf fuzz/target/smoke/$$t && mkdir -p fuzz/target/smoke/$$t; \
		echo "fuzz $$t for $(FUZZ_SMOKE_SECONDS)s"; \
		$(CARGO) fuzz run $(FUZZ_BUILD) $$t fuzz/target/smoke/$$t fuzz/corpus/$$t -- \
			$(FUZZ_RUN_FLAGS) -max_total_time=$(FUZZ_SMOKE_SECONDS) 2>fuzz/target/$$t.log \
			|| { tail -n 60 fuzz/target/$$t.log; echo "fuzz target $$t failed: see fuzz/artifacts/$$t/"; exit 1; }; \
		grep -E '^stat::number_of_executed_units|^Done' fuzz/target/$$t.log || true; \
	done

## Each fuzz target for FUZZ_SECONDS (default 600), one after the other.
fuzz: fuzz-tools
	$(CARGO) fuzz build $(FUZZ_BUILD)
	@set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p fuzz/target/corpus/$$t; \
		echo "fuzz $$t for $(FUZZ_SECONDS)s"; \
		$(CARGO) fuzz run $(FUZZ_BUILD) $$t fuzz/target/corpus/$$t fuzz/corpus/$$t -- \
			$(FUZZ_RUN_FLAGS) -max_total_time=$(FUZZ_SECONDS); \
	done

## Re-record the golden tests' expectations (review the diff before committing!).
golden-update:
	STRATA_GOLDEN_UPDATE=1 $(CARGO) test --locked -p strata --test golden

## The long differential run against Helm's own engine (book/src/helm-testing.md):
## HELM_DIFF_SEEDS generated templates (`make test` runs 300), then the test charts, then the
## upstream openstack-helm charts when STRATA_OPENSTACK_HELM names a checkout.
HELM_DIFF_SEEDS ?= 20000
helm-diff:
	STRATA_DIFF_SEEDS=$(HELM_DIFF_SEEDS) $(CARGO) test --release --locked -p strata-helm \
		--test differential_random --test differential_charts --test differential_upstream -- --nocapture

## Benchmarks against kubectl kustomize, lint vs build, what overlay provenance costs a full
## build (recording on vs. off), the validator's throughput, `strata helm template` vs Helm's
## own engine, and fleets of 100 and 1,000 sites (build, validate, a one-site diff: time and
## peak memory; book/src/fleet.md).
bench: release
	bash scripts/bench-kustomize.sh
	bash scripts/bench-lint.sh
	bash scripts/bench-provenance.sh
	$(CARGO) run --release --locked -p strata-validate --example bench
	bash scripts/bench-helm.sh
	bash scripts/bench-chart-fleet.sh
	bash scripts/bench-fleet.sh

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
