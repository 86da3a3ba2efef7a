# Included by tests/CMakeLists.txt: the billion-scale row files end to end.
# `dataset synthetic` writes a uint8 and a float32 set (3000 x 16, 50 queries;
# uint8 distances tie a lot) once, as a fixture; `dataset groundtruth` on 1, 2
# and 3 ranks must write files byte-identical to the run without mpirun; and
# the refusals, each with its one-line message.
set(ROWS ${CMAKE_CURRENT_BINARY_DIR}/cli_rows)
set(ROWS_SYN ${ZYPHYR_EXE} dataset synthetic --n 3000 --dim 16 --queries 50 --clusters 8 --seed 5)
string(JOIN " " ROWS_SYN ${ROWS_SYN})
zyphyr_cli_test(dataset_rows_synthetic 0
  "^wrote [^~]*/base\\.u8bin: 3000 x 16 base rows and [^~]*/query\\.u8bin: 50 x 16 queries [^~]*no ground truth: compute it with~  zyphyr dataset groundtruth --data [^~]*/base\\.u8bin --queries [^~]*/query\\.u8bin --metric l2 --k 100 --out GT\\.ibin~wrote [^~]*/base\\.fbin: 3000 x 16 base rows"
  bash -c "set -e
    rm -rf '${ROWS}' && mkdir -p '${ROWS}' && cd '${ROWS}'
    ${ROWS_SYN} --out '${ROWS}/base.u8bin' --queries-out '${ROWS}/query.u8bin'
    ${ROWS_SYN} --out '${ROWS}/base.fbin' --queries-out '${ROWS}/query.fbin'
    ${ZYPHYR_EXE} dataset synthetic --n 10 --dim 8 --queries 5 --out '${ROWS}/b8.u8bin' --queries-out '${ROWS}/q8.u8bin' >/dev/null
    head -c 1000 '${ROWS}/base.u8bin' > '${ROWS}/truncated.u8bin'")
set_tests_properties(cli.dataset_rows_synthetic PROPERTIES FIXTURES_SETUP rows)

function(zyphyr_rows_test name status regex)
  zyphyr_cli_test(${name} ${status} "${regex}" ${ARGN})
  set_tests_properties(cli.${name} PROPERTIES FIXTURES_REQUIRED rows ENVIRONMENT "${ZYPHYR_MPI_ENV}")
endfunction()

foreach(set u8bin fbin)
  foreach(out ibin hdf5)
    set(gt_list dataset groundtruth --data ${ROWS}/base.${set} --queries ${ROWS}/query.${set} --metric l2 --k 100 --threads 1 --force)
    string(JOIN " " gt_args ${gt_list})
    zyphyr_rows_test(dataset_groundtruth_${set}_${out}_ref 0
      "^wrote [^~]*/gt-${set}-ref\\.${out}: ground truth of 50 queries x k=100 over 3000 rows of [^~]*/base\\.${set}, metric l2, "
      ${ZYPHYR_EXE} ${gt_list} --out ${ROWS}/gt-${set}-ref.${out})
    set_tests_properties(cli.dataset_groundtruth_${set}_${out}_ref PROPERTIES FIXTURES_SETUP rows_gt_${set}_${out})
    foreach(np 1 2 3)
      if(np EQUAL 1)
        set(said ", [0-9.]+ s~identical$")
      else()
        set(said ", [0-9.]+ s on ${np} ranks~identical$")
      endif()
      zyphyr_rows_test(dataset_groundtruth_${set}_${out}_np${np} 0 "^wrote [^~]*/gt-${set}-np${np}\\.${out}: [^~]*${said}"
        bash -c "'${MPIEXEC_EXECUTABLE}' --oversubscribe -np ${np} ${ZYPHYR_EXE} ${gt_args} --out '${ROWS}/gt-${set}-np${np}.${out}' && cmp '${ROWS}/gt-${set}-ref.${out}' '${ROWS}/gt-${set}-np${np}.${out}' && echo identical")
      set_tests_properties(cli.dataset_groundtruth_${set}_${out}_np${np} PROPERTIES
        FIXTURES_REQUIRED "rows;rows_gt_${set}_${out}" RESOURCE_LOCK mpi_cpus LABELS mpi TIMEOUT 180)
    endforeach()
  endforeach()
endforeach()

# The uint8 set's ground truth against a plain brute force (ids and squared distances, exactly).
zyphyr_rows_test(dataset_groundtruth_u8bin_brute_force 0 "^50 queries x 100 neighbours match$"
  /usr/bin/python3 -c "
import struct
def rows(p):
    b = open(p, 'rb').read()
    n, d = struct.unpack('II', b[:8])
    return [b[8 + i * d:8 + (i + 1) * d] for i in range(n)]
X = rows('${ROWS}/base.u8bin')
Q = rows('${ROWS}/query.u8bin')
g = open('${ROWS}/gt-u8bin-ref.ibin', 'rb').read()
q, k = struct.unpack('II', g[:8])
ids = struct.unpack('%dI' % (q * k), g[8:8 + 4 * q * k])
ds = struct.unpack('%df' % (q * k), g[8 + 4 * q * k:])
for i in range(q):
    best = sorted((sum((a - b) ** 2 for a, b in zip(Q[i], x)), j) for j, x in enumerate(X))[:k]
    assert [j for _, j in best] == list(ids[i * k:(i + 1) * k]), i
    assert [float(d) for d, _ in best] == list(ds[i * k:(i + 1) * k]), i
print(q, 'queries x', k, 'neighbours match')")
set_tests_properties(cli.dataset_groundtruth_u8bin_brute_force PROPERTIES FIXTURES_REQUIRED "rows;rows_gt_u8bin_ibin")

# Every row-file extension: written, read back by groundtruth.
zyphyr_rows_test(dataset_rows_every_extension 0 "^(ok [a-z0-9]+~){4}ok bvecs$"
  bash -c "set -e
    cd '${ROWS}'
    for ext in fbin u8bin i8bin fvecs bvecs
    do
    ${ZYPHYR_EXE} dataset synthetic --n 300 --dim 12 --queries 7 --seed 3 --force --out every.\$ext --queries-out every-q.\$ext >/dev/null
    ${ZYPHYR_EXE} dataset groundtruth --data every.\$ext --queries every-q.\$ext --metric ip --k 10 --force --out every-\$ext.ivecs >/dev/null
    test \$(stat -c %s every-\$ext.ivecs) -eq \$((7 * 44)) && echo ok \$ext
    done")
set_tests_properties(cli.dataset_rows_every_extension PROPERTIES RESOURCE_LOCK rows_every)

# The same seed writes the same bytes.
zyphyr_rows_test(dataset_rows_synthetic_is_deterministic 0 "~identical$"
  bash -c "cd '${ROWS}' && ${ROWS_SYN} --out again.u8bin --queries-out again-q.u8bin --force && cmp base.u8bin again.u8bin && cmp query.u8bin again-q.u8bin && echo identical")

# Refusals.
zyphyr_rows_test(dataset_groundtruth_needs_metric 2
  "^error: --metric is required for [^~]*/base\\.u8bin: \\.u8bin files carry no metric$"
  ${ZYPHYR_EXE} dataset groundtruth --data ${ROWS}/base.u8bin --queries ${ROWS}/query.u8bin --out ${ROWS}/never.ibin)
zyphyr_rows_test(dataset_groundtruth_other_dimension 2
  "^error: [^~]*/q8\\.u8bin: queries have dimension 8, [^~]*/base\\.u8bin has 16$"
  ${ZYPHYR_EXE} dataset groundtruth --data ${ROWS}/base.u8bin --queries ${ROWS}/q8.u8bin --metric l2 --out ${ROWS}/never.ibin)
zyphyr_rows_test(dataset_groundtruth_truncated 2
  "^error: [^~]*/truncated\\.u8bin: size 1000 bytes does not match the header's 3000 rows x 16 dimensions of uint8 \\(48008 bytes\\): truncated$"
  ${ZYPHYR_EXE} dataset groundtruth --data ${ROWS}/truncated.u8bin --queries ${ROWS}/query.u8bin --metric l2 --out ${ROWS}/never.ibin)
zyphyr_rows_test(dataset_groundtruth_needs_out 2
  "^error: --out is required for [^~]*/base\\.fbin: the ground truth of a row file goes to a file of its own \\(\\.ibin, \\.bin, \\.ivecs or \\.hdf5\\)$"
  ${ZYPHYR_EXE} dataset groundtruth --data ${ROWS}/base.fbin --queries ${ROWS}/query.fbin --metric l2)
zyphyr_rows_test(dataset_groundtruth_out_exists 2 "^error: [^~]*/gt-fbin-ref\\.ibin: already exists \\(pass --force to replace it\\)$"
  ${ZYPHYR_EXE} dataset groundtruth --data ${ROWS}/base.fbin --queries ${ROWS}/query.fbin --metric l2 --out ${ROWS}/gt-fbin-ref.ibin)
set_tests_properties(cli.dataset_groundtruth_out_exists PROPERTIES FIXTURES_REQUIRED "rows;rows_gt_fbin_ibin")
zyphyr_rows_test(dataset_groundtruth_rows_past_end 2 "^error: [^~]*/base\\.fbin: --rows 3001 exceeds the 3000 rows of the file$"
  ${ZYPHYR_EXE} dataset groundtruth --data ${ROWS}/base.fbin --queries ${ROWS}/query.fbin --metric l2 --rows 3001 --out ${ROWS}/never.ibin)
zyphyr_rows_test(dataset_rows_needs_queries_out 2 "^error: --queries-out is required: [^~]*/never\\.u8bin is a row file, which holds no queries$"
  ${ZYPHYR_EXE} dataset synthetic --n 10 --dim 4 --queries 2 --out ${ROWS}/never.u8bin)
zyphyr_rows_test(dataset_rows_base_exists 2 "^error: [^~]*/base\\.u8bin: already exists \\(pass --force to replace it\\)$"
  ${ZYPHYR_EXE} dataset synthetic --n 10 --dim 4 --queries 2 --out ${ROWS}/base.u8bin --queries-out ${ROWS}/never-q.u8bin)
# On 2 ranks a refusal is reported once, by rank 0, and every rank exits 2.
add_test(NAME mpi_cli.dataset_groundtruth_other_dimension_np2 COMMAND ${MPI_EXPECT} 2 2
  "^error: [^~]*/q8\\.u8bin: queries have dimension 8, [^~]*/base\\.u8bin has 16~"
  -- ${ZYPHYR_EXE} dataset groundtruth --data ${ROWS}/base.u8bin --queries ${ROWS}/q8.u8bin --metric l2 --out ${ROWS}/never.ibin)
set_tests_properties(mpi_cli.dataset_groundtruth_other_dimension_np2 PROPERTIES FIXTURES_REQUIRED rows
  RESOURCE_LOCK mpi_cpus LABELS mpi TIMEOUT 180 ENVIRONMENT "ASAN_OPTIONS=detect_leaks=0:abort_on_error=1")
# An HDF5 --data on 2 ranks: its train rows split, its test rows the queries; the same file as on 1 rank.
zyphyr_rows_test(dataset_groundtruth_hdf5_data_np2 0 ", [0-9.]+ s on 2 ranks~identical$"
  bash -c "set -e
    '${ZYPHYR_EXE}' dataset groundtruth --data '${SYN}' --k 20 --threads 1 --force --out '${ROWS}/syn-gt-np1.ibin'
    '${MPIEXEC_EXECUTABLE}' --oversubscribe -np 2 '${ZYPHYR_EXE}' dataset groundtruth --data '${SYN}' --k 20 --threads 1 --force --out '${ROWS}/syn-gt-np2.ibin'
    cmp '${ROWS}/syn-gt-np1.ibin' '${ROWS}/syn-gt-np2.ibin' && echo identical")
set_tests_properties(cli.dataset_groundtruth_hdf5_data_np2 PROPERTIES FIXTURES_REQUIRED "rows;syn"
  RESOURCE_LOCK "mpi_cpus;syn_file" LABELS mpi TIMEOUT 180)
# More ranks than rows: the ranks without rows send empty lists; k is lowered to the 3 rows, as on 1 rank.
zyphyr_rows_test(dataset_groundtruth_ranks_without_rows 0
  "note: --k 5 is more than the 3 rows of [^~]*/base\\.u8bin: using k 3~wrote [^~]*: ground truth of 50 queries x k=3 over 3 rows [^~]* on 4 ranks~identical$"
  bash -c "set -e
    '${ZYPHYR_EXE}' dataset groundtruth --data '${ROWS}/base.u8bin' --queries '${ROWS}/query.u8bin' --metric ip --rows 3 --k 5 --threads 1 --force --out '${ROWS}/few-np1.ivecs' 2>/dev/null >/dev/null
    '${MPIEXEC_EXECUTABLE}' --oversubscribe -np 4 '${ZYPHYR_EXE}' dataset groundtruth --data '${ROWS}/base.u8bin' --queries '${ROWS}/query.u8bin' --metric ip --rows 3 --k 5 --threads 1 --force --out '${ROWS}/few-np4.ivecs' 2>&1
    cmp '${ROWS}/few-np1.ivecs' '${ROWS}/few-np4.ivecs' && echo identical")
set_tests_properties(cli.dataset_groundtruth_ranks_without_rows PROPERTIES RESOURCE_LOCK mpi_cpus LABELS mpi TIMEOUT 180)
