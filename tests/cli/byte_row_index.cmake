# Included by tests/CMakeLists.txt after dataset_row_files.cmake: indexes of
# the row files' uint8 set, whose shards keep the rows as uint8 (version 2.0):
# built and searched on 2 ranks, benched against a big-ann ground truth, and
# the refusals (no --metric, --rows past the file, queries that are not
# uint8).
set(U8IDX ${ROWS}/idx-u8)
zyphyr_rows_test(build_rows_u8_np2 0
  "^built [^~]*/idx-u8: 3000 x 16 uint8, metric l2, M 12, efConstruction 100, 2 shards \\(range partition\\) on 2 ranks, "
  bash -c "rm -rf '${U8IDX}' && exec '${MPIEXEC_EXECUTABLE}' --oversubscribe -np 2 ${ZYPHYR_EXE} build --data '${ROWS}/base.u8bin' --metric l2 --index '${U8IDX}' --M 12 --ef-construction 100 --threads 1")
set_tests_properties(cli.build_rows_u8_np2 PROPERTIES FIXTURES_SETUP rows_u8_index RESOURCE_LOCK mpi_cpus LABELS mpi)

function(zyphyr_u8_index_test name status regex)
  zyphyr_rows_test(${name} ${status} "${regex}" ${ARGN})
  set_tests_properties(cli.${name} PROPERTIES FIXTURES_REQUIRED "rows;rows_u8_index")
endfunction()
zyphyr_u8_index_test(info_rows_u8 0 "rows stored as uint8~.*  version 2\\.0, [0-9]+ bytes.*  rows stored as uint8 \\(16 bytes per row\\)"
  ${ZYPHYR_EXE} info ${U8IDX})
zyphyr_u8_index_test(search_rows_u8_np2 0 "^searched 50 queries: k 10, ef 32, 2 ranks x 1 thread, broadcast, [0-9]+ QPS; wrote "
  ${MPIEXEC_EXECUTABLE} --oversubscribe -np 2 ${ZYPHYR_EXE} search --index ${U8IDX} --queries ${ROWS}/query.u8bin --k 10
  --ef 32 --threads 1 --out ${ROWS}/search-u8.hdf5)
set_tests_properties(cli.search_rows_u8_np2 PROPERTIES RESOURCE_LOCK mpi_cpus LABELS mpi)
zyphyr_u8_index_test(bench_rows_u8_np2 0 "broadcast +64 +(0\\.9[5-9][0-9]*|1\\.0+) "
  ${MPIEXEC_EXECUTABLE} --oversubscribe -np 2 ${ZYPHYR_EXE} bench --index ${U8IDX} --data ${ROWS}/base.u8bin
  --queries ${ROWS}/query.u8bin --groundtruth ${ROWS}/gt-u8bin-ref.ibin --ef 16,64 --threads 1 --latency-queries 10
  --report ${ROWS}/bench-u8-np2)
set_tests_properties(cli.bench_rows_u8_np2 PROPERTIES FIXTURES_REQUIRED "rows;rows_u8_index;rows_gt_u8bin_ibin"
  RESOURCE_LOCK mpi_cpus LABELS mpi)
zyphyr_u8_index_test(search_rows_u8_float_queries 2
  "^error: query row 0 column [0-9]+ holds -?[0-9.e+-]+, not a uint8 \\(0\\.\\.255\\): the index stores uint8 rows$"
  ${ZYPHYR_EXE} search --index ${U8IDX} --queries ${ROWS}/query.fbin --k 10 --ef 32 --out ${ROWS}/never.hdf5)

# The in-process bench over the row files, with the big-ann ground truth (its ids' distances recomputed).
zyphyr_rows_test(bench_rows_u8 0 "zyphyr +64 +(0\\.9[5-9][0-9]*|1\\.0+) "
  ${ZYPHYR_EXE} bench --data ${ROWS}/base.u8bin --queries ${ROWS}/query.u8bin --groundtruth ${ROWS}/gt-u8bin-ref.ibin
  --metric l2 --peers none --ef 16,64 --threads 1 --build-threads 1 --M 12 --ef-construction 100 --report ${ROWS}/bench-u8)
set_tests_properties(cli.bench_rows_u8 PROPERTIES FIXTURES_REQUIRED "rows;rows_gt_u8bin_ibin")

zyphyr_rows_test(build_rows_no_metric 2 "^error: --metric is required for [^~]*/base\\.u8bin: row files carry no metric$"
  ${ZYPHYR_EXE} build --data ${ROWS}/base.u8bin --index ${ROWS}/never)
zyphyr_rows_test(build_rows_past_the_file 2 "^error: [^~]*/base\\.u8bin: --rows 5000 exceeds the 3000 rows of the file$"
  ${ZYPHYR_EXE} build --data ${ROWS}/base.u8bin --metric l2 --rows 5000 --index ${ROWS}/never)
zyphyr_rows_test(build_rows_prefix_float32 0
  "^built [^~]*/idx-prefix: 1000 x 16, metric l2, M 8, efConstruction 32, 1 shard \\(range partition\\) on 1 rank, "
  bash -c "rm -rf '${ROWS}/idx-prefix' && exec ${ZYPHYR_EXE} build --data '${ROWS}/base.u8bin' --metric l2 --rows 1000 --element-type float32 --M 8 --ef-construction 32 --threads 1 --index '${ROWS}/idx-prefix'")
zyphyr_rows_test(build_rows_fractional_as_uint8 2
  "^error: [^~]*/base\\.fbin: row 0 column [0-9]+ holds -?[0-9.e+-]+, not a uint8 \\(0\\.\\.255\\)$"
  ${ZYPHYR_EXE} build --data ${ROWS}/base.fbin --metric l2 --element-type uint8 --threads 1 --index ${ROWS}/never)
