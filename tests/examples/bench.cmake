# dnnx bench, run as a user would: it must exit 0 and its --json output must parse with the
# stable keys and the settings it was given. Timings are never asserted on.
# Included from tests/examples/CMakeLists.txt it adds the tests; run with cmake -P it is the
# JSON check: -DDNNX=<dnnx> -DMODEL=<model.onnx> -DBENCH_ARGS="<args>" -DEXPECT_RUNS=N
# -DEXPECT_BATCH=<N or null> -DEXPECT_FPMATH=<strict|bf16> [-DEXPECT_BACKENDS=<ref|all>].
if(CMAKE_SCRIPT_MODE_FILE)
  separate_arguments(bench_args UNIX_COMMAND "${BENCH_ARGS}")
  execute_process(COMMAND ${DNNX} bench ${MODEL} ${bench_args} --json
                  OUTPUT_VARIABLE json ERROR_VARIABLE errors RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "dnnx bench exited with ${status}:\n${errors}")
  endif()
  macro(json_get out)
    string(JSON ${out} ERROR_VARIABLE json_error GET "${json}" ${ARGN})
    if(json_error)
      message(FATAL_ERROR "JSON: ${json_error}\n${json}")
    endif()
  endmacro()
  macro(expect key expected)
    json_get(value ${key})
    if(NOT "${value}" STREQUAL "${expected}")
      message(FATAL_ERROR "JSON key ${key} is '${value}', expected '${expected}'\n${json}")
    endif()
  endmacro()
  macro(expect_type key expected)
    string(JSON type ERROR_VARIABLE json_error TYPE "${json}" ${key})
    if(NOT type STREQUAL "${expected}")
      message(FATAL_ERROR "JSON key ${key} has type '${type}', expected ${expected}\n${json}")
    endif()
  endmacro()
  expect(runs ${EXPECT_RUNS})
  expect(warmup 1)
  expect(threads 1)
  expect(fpmath ${EXPECT_FPMATH})
  if(NOT DEFINED EXPECT_BACKENDS)
    set(EXPECT_BACKENDS all)
  endif()
  expect(backends ${EXPECT_BACKENDS})
  if(EXPECT_BATCH STREQUAL "null")
    expect_type(batch NULL)
    expect_type(samples_per_s NULL)
  else()
    expect(batch ${EXPECT_BATCH})
    expect_type(samples_per_s NUMBER)
  endif()
  expect_type(arena_bytes NUMBER)
  foreach(key load_ms first_run_ms median_ms p90_ms min_ms max_ms mean_ms runs_per_s median_cpu_ms
              load_peak_rss_kib peak_rss_kib)
    expect_type(${key} NUMBER)
  endforeach()
  foreach(key model dnnx_version backends)
    expect_type(${key} STRING)
  endforeach()
  expect_type(opt_level NULL)
  string(JSON n_times ERROR_VARIABLE json_error LENGTH "${json}" times_ms)
  string(JSON n_cpu_times ERROR_VARIABLE json_error LENGTH "${json}" cpu_times_ms)
  string(JSON n_inputs ERROR_VARIABLE json_error LENGTH "${json}" inputs)
  string(JSON backends_type ERROR_VARIABLE json_error TYPE "${json}" nodes_by_backend)
  if(NOT n_times EQUAL EXPECT_RUNS OR NOT n_cpu_times EQUAL EXPECT_RUNS OR n_inputs LESS 1
     OR NOT backends_type STREQUAL "OBJECT")
    message(FATAL_ERROR "times_ms has ${n_times} entries, cpu_times_ms ${n_cpu_times}, inputs ${n_inputs}, "
                        "nodes_by_backend is ${backends_type}\n${json}")
  endif()
  json_get(shape inputs 0 shape)
  message(STATUS "dnnx bench --json parsed; first input shape ${shape}")
  return()
endif()

set(bench_script ${CMAKE_CURRENT_LIST_FILE})
set(bench_tiny ${PROJECT_SOURCE_DIR}/tests/models/bert_tiny_opset17)

add_test(NAME cli.help_bench COMMAND dnnx_cli bench --help)
set_tests_properties(cli.help_bench PROPERTIES PASS_REGULAR_EXPRESSION "^usage: dnnx bench ")
add_test(NAME cli.bench_bad_runs
         COMMAND sh -c "\"$0\" bench model.onnx -n 0 2>&1; echo status=$?" $<TARGET_FILE:dnnx_cli>)
set_tests_properties(cli.bench_bad_runs PROPERTIES
                     PASS_REGULAR_EXPRESSION "^dnnx: error: -n: 0 is outside [^\n]+\nstatus=1\n$")

if(EXISTS ${EXAMPLE_NODE_TEST}/model.onnx)
  # No input has a batch dim, so batch and samples_per_s are null.
  add_test(NAME cli.bench_json_add
           COMMAND ${CMAKE_COMMAND} -DDNNX=$<TARGET_FILE:dnnx_cli> -DMODEL=${EXAMPLE_NODE_TEST}/model.onnx
                   "-DBENCH_ARGS=-n 3 --warmup 1 --threads 1" -DEXPECT_RUNS=3 -DEXPECT_BATCH=null
                   -DEXPECT_FPMATH=strict -P ${bench_script})
endif()

if(EXISTS ${bench_tiny}/model.onnx)
  add_test(NAME cli.bench_json
           COMMAND ${CMAKE_COMMAND} -DDNNX=$<TARGET_FILE:dnnx_cli> -DMODEL=${bench_tiny}/model.onnx
                   "-DBENCH_ARGS=--shape batch=2 --shape sequence=8 -n 3 --warmup 1 --threads 1" -DEXPECT_RUNS=3
                   -DEXPECT_BATCH=2 -DEXPECT_FPMATH=strict -P ${bench_script})
  add_test(NAME cli.bench_json_bf16_ref
           COMMAND ${CMAKE_COMMAND} -DDNNX=$<TARGET_FILE:dnnx_cli> -DMODEL=${bench_tiny}/model.onnx
                   "-DBENCH_ARGS=-d ${bench_tiny}/test_data_set_1 -n 2 --warmup 1 --threads 1 --fpmath bf16
                   --backends ref"
                   -DEXPECT_RUNS=2 -DEXPECT_BATCH=3 -DEXPECT_FPMATH=bf16 -DEXPECT_BACKENDS=ref -P ${bench_script})
  add_test(NAME cli.bench_text
           COMMAND dnnx_cli bench ${bench_tiny}/model.onnx -d ${bench_tiny}/test_data_set_0 -n 3 --warmup 1)
  string(CONCAT bench_text_report
         "first run: +[0-9.]+ ms\n"
         "latency: +median [0-9.]+ ms +p90 [0-9.]+ ms +min [0-9.]+ ms[^\n]*\n"
         "(cpu time: +median [0-9.]+ ms[^\n]*\n)?"
         "throughput: +[0-9.]+ runs/s +[0-9.]+ samples/s \\(batch 1\\)\n"
         "memory: +peak RSS [0-9.]+ MiB[^\n]*arena [0-9.]+ MiB \\([0-9]+ bytes\\)\n")
  set_tests_properties(cli.bench_text PROPERTIES PASS_REGULAR_EXPRESSION "${bench_text_report}")
  # What bench -o writes is read back by compare: outputs are named, valid TensorProtos.
  set(bench_out ${CMAKE_CURRENT_BINARY_DIR}/cli_bench_outputs)
  add_test(NAME cli.bench_writes_outputs
           COMMAND sh -c "rm -rf \"$2\" && \"$0\" bench \"$1/model.onnx\" -d \"$1/test_data_set_0\" -n 1 --warmup 0 \
-o \"$2\" >/dev/null && cp \"$1\"/test_data_set_0/input_*.pb \"$2\" && \"$0\" compare \"$1/model.onnx\" \"$2\""
                   $<TARGET_FILE:dnnx_cli> ${bench_tiny} ${bench_out})
endif()
