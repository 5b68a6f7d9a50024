# The two commands of the README, and the pieces they are made of.
#   make demo   installs missing Debian packages, builds, runs the demo
#               (make demo KEEP=1 leaves the demo federation running)
#   make test   installs missing Debian packages, builds, runs every test (ctest)
MAKEFLAGS += --no-print-directory
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc)

.PHONY: all deps build demo test test-sanitize bench soak format clean

all: build

deps:
	@bash deploy/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@KEEP=$(KEEP) bash deploy/demo.sh $(BUILD)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Unit tests under AddressSanitizer and UndefinedBehaviorSanitizer, built with clang so that
# -Wthread-safety checks the lock annotations too.
test-sanitize: deps
	@CC=clang CXX=clang++ cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DOTS_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS) --target ots_unit_tests
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

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
	rm -rf $(BUILD) $(ASAN_BUILD)
