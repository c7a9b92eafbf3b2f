# SPDX-License-Identifier: Apache-2.0
# Top-level build of the tracing reference system: the Kore binary with async
# curl, the tracing library, the four Kore services, tracectl and Jaeger.
# `make up` starts everything, `make test` runs every suite, `make bench`
# prints the benchmarks. See README.md and docs/.

TOP		:= $(CURDIR)
include mk/common.mk

PREFIX		?= /usr/local

# Components present in this checkout (each has its own Makefile).
PARTS		:= $(patsubst %/Makefile,%,$(wildcard tracing/Makefile cli/Makefile))

.PHONY: all deps kore jaeger tracing services cli up down test \
	test-unit test-e2e bench fuzz install uninstall dist clean distclean

all: kore $(PARTS) services

# Debian packages, installed when missing (apt-get as root, sudo otherwise).
deps:
	@scripts/deps.sh

kore: $(BIN)/kore
$(BIN)/kore: /usr/share/kore/RELEASE scripts/build-kore.sh $(wildcard scripts/kore-patches/*.patch)
	@scripts/build-kore.sh $(BUILD)/kore-src $@

jaeger: $(BIN)/jaeger
$(BIN)/jaeger: jaeger/go.mod jaeger/go.sum
	@scripts/build-jaeger.sh $@

tracing:
	@$(MAKE) -s -C tracing

services: kore $(filter tracing,$(PARTS))
	@$(MAKE) -s -C kore-apps

cli: $(filter tracing,$(PARTS))
	@$(MAKE) -s -C cli

up: deps all jaeger
	@scripts/up.sh

down:
	@scripts/down.sh


test: deps all jaeger
	@tests/harness "scripts/spdx.sh check" "tests/docs.sh" "tests/layers.sh" \
		"node --test --test-reporter=tap viewer/tests/*.test.mjs" \
		$(PARTS:%="$(MAKE) -s -C % test") \
		"$(MAKE) -s -C tracing test-tsan" "tests/dist.sh" "DEB_SH_NOCHECK=1 tests/deb.sh" \
		"$(MAKE) -s -C kore-apps test" \
		"tests/containers.sh" "tests/k8s.sh" "tests/e2e.sh" "tests/scale.sh"

bench: deps all jaeger
	@scripts/bench.sh

fuzz: kore
	@$(MAKE) -s -C tracing fuzz FUZZ_SECONDS=$${FUZZ_SECONDS:-60}
	@$(MAKE) -s -C kore-apps fuzz FUZZ_SECONDS=$${FUZZ_SECONDS:-60}

install: cli
	@$(MAKE) -s -C tracing install PREFIX=$(PREFIX)
	@$(MAKE) -s -C cli install PREFIX=$(PREFIX)

uninstall:
	@$(MAKE) -s -C tracing uninstall PREFIX=$(PREFIX)

# The library's release tarball: build/cotel-VERSION.tar.gz.
dist:
	@$(MAKE) -s -C tracing dist

clean:
	rm -rf build

distclean: clean
	rm -rf bin
