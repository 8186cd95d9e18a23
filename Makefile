# Thin wrapper over CMake: the README's two commands, plus the sanitizer and valgrind runs.
BUILD ?= build
JOBS ?= $(shell nproc)
DEMO_MODEL ?= tests/models/bert_tiny_opset17
DNNX = $(BUILD)/bin/dnnx

.PHONY: all deps build demo test sanitize valgrind fuzz clean

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

# The demo, the embed and decode examples under valgrind memcheck: zero errors, zero leaks. libgomp
# (linked for oneDNN) keeps a few bytes "still reachable" from its constructor, and with
# oneDNN running its thread pool keeps its threads' TLS until exit ("possibly lost"); so the
# reference run counts definite, indirect and possible leaks, the oneDNN run the first two.
VALGRIND = valgrind --error-exitcode=1 --leak-check=full -q
# A sample of the other exported models: a decoder with a causal mask and a Conv front end.
VALGRIND_SAMPLE = gpt2_tiny_opset13 vit_tiny_opset17
# A decoder with past key/values, stepped by the CLI and by examples/decode.c.
VALGRIND_DECODER = tests/models/llama_past_torch17
valgrind: build
	@DNNX_WITH_SANITIZER_TOOLS=1 tools/install-deps.sh
	@DNNX_BACKENDS=ref $(VALGRIND) --errors-for-leak-kinds=definite,indirect,possible \
		$(DNNX) compare $(DEMO_MODEL)/model.onnx $(DEMO_MODEL)/test_data_set_0 $(DEMO_MODEL)/test_data_set_1
	@DNNX_BACKENDS=ref $(VALGRIND) --errors-for-leak-kinds=definite,indirect,possible $(BUILD)/bin/embed $(DEMO_MODEL)/model.onnx
	@$(VALGRIND) --errors-for-leak-kinds=definite,indirect \
		$(DNNX) compare $(DEMO_MODEL)/model.onnx $(DEMO_MODEL)/test_data_set_0 $(DEMO_MODEL)/test_data_set_1
	@$(VALGRIND) --errors-for-leak-kinds=definite,indirect $(BUILD)/bin/embed $(DEMO_MODEL)/model.onnx
	@for model in $(VALGRIND_SAMPLE); do \
		$(VALGRIND) --errors-for-leak-kinds=definite,indirect $(DNNX) compare tests/models/$$model/model.onnx \
			tests/models/$$model/test_data_set_0 tests/models/$$model/test_data_set_1 >/dev/null || exit 1; \
	done
	@$(VALGRIND) --errors-for-leak-kinds=definite,indirect $(DNNX) compare $(VALGRIND_DECODER)/model.onnx \
		$(VALGRIND_DECODER)/test_data_set_0 $(VALGRIND_DECODER)/test_data_set_1 $(VALGRIND_DECODER)/test_data_set_2 \
		--steps >/dev/null
	@$(VALGRIND) --errors-for-leak-kinds=definite,indirect $(BUILD)/bin/decode $(VALGRIND_DECODER)/model.onnx 6 >/dev/null

# libFuzzer harnesses (tests/fuzz) built with clang + ASan/UBSan, each run FUZZ_SECONDS on the
# seed corpus; fails if any finds a crash, leak, sanitizer report, timeout or out-of-memory.
# Findings land in build-fuzz/findings/, the grown corpus in build-fuzz/work/ (kept between runs).
FUZZ_SECONDS ?= 60
FUZZ_TIMEOUT ?= 10
FUZZ_HARNESSES = fuzz_load fuzz_tensor fuzz_run
fuzz: deps
	@DNNX_WITH_SANITIZER_TOOLS=1 tools/install-deps.sh
	@printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }\n' | \
		clang -fsanitize=fuzzer -x c - -o /dev/null 2>/dev/null || \
		{ echo "fuzz: clang cannot link libFuzzer: install libclang-rt-dev" >&2; exit 1; }
	@CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDNNX_FUZZ=ON -DDNNX_SANITIZE=ON \
		-DDNNX_BUILD_TESTS=OFF >/dev/null
	@cmake --build build-fuzz -j$(JOBS) --target fuzz_harnesses
	@tests/fuzz/make_corpus.sh build-fuzz/corpus
	@status=0; for harness in $(FUZZ_HARNESSES); do \
		mkdir -p build-fuzz/work/$$harness build-fuzz/findings; \
		echo "== $$harness for $(FUZZ_SECONDS)s (log: build-fuzz/$$harness.log)"; \
		if ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 build-fuzz/bin/$$harness \
			-max_total_time=$(FUZZ_SECONDS) -timeout=$(FUZZ_TIMEOUT) -rss_limit_mb=2048 -print_final_stats=1 \
			-dict=build-fuzz/corpus/$$harness.dict -artifact_prefix=build-fuzz/findings/$$harness- \
			build-fuzz/work/$$harness build-fuzz/corpus/$$harness >build-fuzz/$$harness.log 2>&1; then \
			grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units)' build-fuzz/$$harness.log; \
		else \
			tail -n 60 build-fuzz/$$harness.log; status=1; \
		fi; \
	done; exit $$status

clean:
	rm -rf $(BUILD) build-asan
