# Masquerade: `make run` and `make test` are all a fresh machine needs.
SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

PORT ?= 3000
RUN_DB ?= sqlite:data/masquerade.db

.PHONY: setup build build-release run test test-rust test-e2e lint fmt bench clean

setup:
	@bash scripts/setup --quiet

build: setup
	cargo leptos build --split

build-release: setup
	cargo leptos build --release --split

## Build in release mode and start on SQLite with demo data.
run: build-release
	MASQUERADE_DATABASE_URL=$(RUN_DB) MASQUERADE_LISTEN=127.0.0.1:$(PORT) \
	MASQUERADE_SITE_ROOT=target/site \
	./target/release/masquerade --demo

## Everything: unit, store (SQLite and PostgreSQL), HTTP, and Playwright in Chromium.
test: setup
	cargo leptos build --split
	cargo test --workspace --no-fail-fast
	npx playwright test -c end2end/playwright.config.ts

test-rust: setup
	cargo test --workspace --no-fail-fast

test-e2e: build
	npx playwright test -c end2end/playwright.config.ts

lint:
	cargo fmt --all -- --check
	cargo clippy -p masquerade -p server --all-targets --features masquerade/test-support -- -D warnings
	cargo clippy -p app --target wasm32-unknown-unknown --features hydrate -- -D warnings

fmt:
	cargo fmt --all

bench: setup
	bash scripts/bench

clean:
	cargo clean
	rm -rf data end2end/test-results end2end/playwright-report
