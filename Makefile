# The two commands of the README, and the pieces they are made of.
#   make demo   installs missing Debian packages, builds, runs the demo
#               (make demo KEEP=1 leaves the demo federation running)
#   make test   installs missing Debian packages, builds, runs every test (ctest)
MAKEFLAGS += --no-print-directory
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 300
TSAN_BUILD ?= build-tsan
JOBS ?= $(shell nproc)

.PHONY: all deps build demo test package install-test image test-sanitize test-tsan fuzz fuzz-short bench soak format clean

all: build

deps:
	@bash deploy/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOTS_WERROR=ON >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@KEEP=$(KEEP) bash deploy/demo.sh $(BUILD)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Unit tests under AddressSanitizer and UndefinedBehaviorSanitizer, built with clang so that
# -Wthread-safety checks the lock annotations too.
test-sanitize: deps
	@CC=clang CXX=clang++ cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DOTS_SANITIZE=ON -DOTS_WERROR=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS) --target ots_unit_tests
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

# Unit tests, the in-process sync and gRPC tests among them, under ThreadSanitizer, built with
# clang against Debian's Abseil source built with TSan (deploy/build-tsan-abseil.sh, kept in
# $(TSAN_BUILD)/absl-install): Debian's libabsl is not instrumented, so TSan would not see
# absl::Mutex and would report every access a Mutex guards.
test-tsan: deps
	@bash deploy/build-tsan-abseil.sh $(TSAN_BUILD) $(JOBS)
	@CC=clang-14 CXX=clang++-14 cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DOTS_TSAN=ON -DOTS_WERROR=ON \
	  -DCMAKE_PREFIX_PATH=$(abspath $(TSAN_BUILD))/absl-install >/dev/null
	@cmake --build $(TSAN_BUILD) -j $(JOBS) --target ots_unit_tests
	cd $(TSAN_BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

# The libFuzzer harnesses of tests/fuzz, built with clang: only they and the libraries they use.
# Each seed is run once (ctest -L fuzz), then each harness fuzzes for FUZZ_SECONDS from a copy
# of its seed corpus (tests/fuzz/run.sh); fails on any crash and names the reproducer.
fuzz: deps
	@CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOTS_FUZZ=ON -DOTS_WERROR=ON >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target ots_fuzzers
	cd $(FUZZ_BUILD) && ctest --output-on-failure -L fuzz
	@bash tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# make fuzz with 30 s a harness: the short run CI does.
fuzz-short:
	@$(MAKE) fuzz FUZZ_SECONDS=30

# The Debian packages ots-node and ots-ctl of the build (CPack, lintian-checked), in
# $(BUILD)/packages; deploy/install-test.sh installs them into a clean Debian 12 root.
package: build
	@bash deploy/make-packages.sh $(BUILD)

# The full install test (docs/operations.md): the packages into a clean Debian 12 root made by
# debootstrap from Debian's archive, two nodes run with the unit's command line, one replicating
# the other. make test runs the fast version (tests/deploy/package_test.sh).
install-test: package
	@bash deploy/install-test.sh --full $(BUILD)/packages/ots-node_*.deb $(BUILD)/packages/ots-ctl_*.deb

# An OCI image of ots-node from the packages (podman import of a debootstrap root).
image: package
	@bash deploy/container/build-image.sh $(BUILD)/packages/ots-node_*.deb $(BUILD)/packages/ots-ctl_*.deb

bench: build
	@bash tests/bench/run.sh $(BUILD)

# The long fault runs of docs/reliability.md (about an hour): partitions of 30 s, 2 min and
# 10 min, and 1,000 kill cycles across origin, receiver and Secretariat. Figures go to
# $(BUILD)/soak-report.txt.
soak: build
	@bash tests/soak/run.sh $(BUILD)

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD)
