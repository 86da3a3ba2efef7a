// The distributed bench: `mpirun -np P zyphyr bench --index DIR --data
// FILE.hdf5 ...` (or `zyphyr bench --index DIR --nprobe 1,2 ...` on one
// rank). Rank 0 reads the test rows and their stored ground truth; every
// rank opens its shards of the index; after one untimed warm-up pass (the
// shards are mapped, so the first pass would measure the disk), each mode
// (broadcast, then routed for each --nprobe) and ef is measured twice:
//   throughput  every query, in pipelined batches of --batch: recall@k (by
//               ann-benchmarks' rule over the distances the ranks returned
//               against the file's true distances, as `zyphyr search`
//               counts it: src/eval/recall.h, ReportedDistanceRecall), QPS,
//               and the coordinator's time split into scatter, rank 0's own
//               search, gather and merge;
//   latency     the first --latency-queries queries sent one at a time, each
//               only after the previous one is merged: p50/p95/p99 of a
//               single query's round trip (sent, searched on every rank,
//               gathered, merged).
//
// Peers are not run here: hnswlib and FAISS are single-process, and on a
// shared machine their timings next to P busy ranks would mislead; run the
// single-rank bench for the side-by-side table.
//
// Prints the table; writes DIR/report.json and DIR/report.txt (--report).
#ifndef ZYPHYR_CLI_DISTRIBUTED_BENCH_H_
#define ZYPHYR_CLI_DISTRIBUTED_BENCH_H_

#include "cli/bench_command.h"
#include "mpi/communicator.h"

namespace zyphyr::cli {

// Collective. Returns 0; 2 on bad options or input; 1 on failures; the same
// on every rank, printed by rank 0 only.
int RunDistributedBench(Communicator& comm, const BenchOptions& options);

}  // namespace zyphyr::cli

#endif  // ZYPHYR_CLI_DISTRIBUTED_BENCH_H_
