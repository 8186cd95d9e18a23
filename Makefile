# Thin wrapper over CMake: the README's two commands, plus the sanitizer and valgrind runs.
BUILD ?= build
JOBS ?= $(shell nproc)
DEMO_MODEL ?= tests/models/bert_tiny_opset17
DNNX = $(BUILD)/bin/dnnx

.PHONY: all deps build demo test sanitize valgrind clean

all: build

deps:
	@tools/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

demo: build
	@echo "== dnnx run $(DEMO_MODEL)/model.onnx (test_data_set_0)"
	@$(DNNX) run $(DEMO_MODEL)/model.onnx -d $(DEMO_MODEL)/test_data_set_0
	@echo "== dnnx compare against the stored ONNX Runtime outputs (both test sets, one session)"
	@$(DNNX) compare $(DEMO_MODEL)/model.onnx $(DEMO_MODEL)/test_data_set_0 $(DEMO_MODEL)/test_data_set_1

test: build
	@ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS)

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer.
sanitize: deps
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DDNNX_SANITIZE=ON >/dev/null
	@cmake --build build-asan -j$(JOBS)
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --test-dir build-asan --output-on-failure -j$(JOBS)

# The demo and the embed example under valgrind memcheck: zero errors, zero leaks.
valgrind: build
	@DNNX_WITH_SANITIZER_TOOLS=1 tools/install-deps.sh
	@valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=all -q \
		$(DNNX) compare $(DEMO_MODEL)/model.onnx $(DEMO_MODEL)/test_data_set_0 $(DEMO_MODEL)/test_data_set_1
	@valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=all -q \
		$(BUILD)/bin/embed $(DEMO_MODEL)/model.onnx

clean:
	rm -rf $(BUILD) build-asan
