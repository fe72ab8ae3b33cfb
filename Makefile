# The two commands of the README:
#   make run    install missing packages, build ./build/lucid (Release), scan a real image
#   make test   install missing packages, build everything, run every test
JOBS ?= $(shell nproc)
BUILD ?= build

.PHONY: deps test-deps configure build run test test-asan bench fuzz clean

deps:
	tools/install-deps.sh build

test-deps:
	tools/install-deps.sh test

configure: deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DLUCID_BUILD_BENCH=ON >/dev/null

build: configure
	ninja -C $(BUILD) -j$(JOBS)

# Only the binary (not the tests and benchmarks): a newcomer's first run.
run: configure
	ninja -C $(BUILD) -j$(JOBS) lucid
	tools/demo.sh

test: test-deps build
	tools/run-tests.sh $(BUILD)

# Unit tests under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: test-deps
	cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	  -DLUCID_SANITIZE=ON -DLUCID_BUILD_BENCH=OFF >/dev/null
	ninja -C build-asan -j$(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tools/lsan.supp \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir build-asan --output-on-failure -L unit -j$(JOBS) --timeout 900

bench: build
	tools/run-benchmarks.sh $(BUILD)

clean:
	rm -rf build build-asan

# libFuzzer targets (clang), each run for FUZZ_SECONDS.
FUZZ_SECONDS ?= 30
fuzz: deps
	cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
	  -DLUCID_BUILD_FUZZ=ON -DLUCID_BUILD_TESTS=OFF -DLUCID_BUILD_BENCH=OFF >/dev/null
	ninja -C build-fuzz -j$(JOBS) fuzzers
	tools/run-fuzzers.sh build-fuzz $(FUZZ_SECONDS)
