# The verbs a person types. Every target installs or builds what it needs first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

JEST := node --experimental-vm-modules --no-warnings=ExperimentalWarning node_modules/jest/bin/jest.js
# Extra arguments for jest, e.g. make test JEST_ARGS="libs/runtime" or "--json --outputFile=r.json".
JEST_ARGS ?=

.PHONY: help build test test-e2e lint envtest crds dev bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

node_modules/.package-lock.json: package.json package-lock.json $(wildcard */package.json */*/package.json)
	npm ci --no-audit --no-fund
	@touch $@

build: node_modules/.package-lock.json ## compile every package (tsc -b)
	npx tsc -b

envtest: ## build kube-apiserver + etcd for tests (cached; prints their directory last)
	@bash test/envtest/build.sh

test: build envtest ## unit, integration and conformance tests (one shared control plane)
	$(JEST) $(JEST_ARGS)

test-e2e: build envtest ## end-to-end tests: the whole loop with controllers as processes
	$(JEST) --config jest.e2e.config.js $(JEST_ARGS)

lint: node_modules/.package-lock.json ## eslint (strictTypeChecked, declared dependencies), prettier, layering (dependency-cruiser)
	npx eslint .
	npx prettier --check .
	npx depcruise libs controllers cli test --config .dependency-cruiser.cjs

crds: build ## regenerate crds/ from libs/api, and the copies each chart ships in charts/*/crds
	node libs/api/dist/src/generate-crds.js
	@for f in charts/*/crds/*.yaml; do cp "crds/$$(basename "$$f")" "$$f"; done

dev: build envtest ## run Tide locally (control plane, controllers, demo Git repository) until Ctrl-C
	node test/harness/dist/src/dev.js

bench: build envtest ## benchmarks, each with a ratio against the tool a user would otherwise use
	node test/bench/dist/src/run.js $(BENCH_ARGS)

clean: ## remove build output (the envtest cache stays: it lives outside the tree)
	-npx tsc -b --clean
	find . -name '*.tsbuildinfo' -not -path './node_modules/*' -delete
