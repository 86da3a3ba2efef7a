// The distributed bench: `mpirun -np P zyphyr bench --index DIR --data
// FILE.hdf5 ...` (or `zyphyr bench --index DIR --nprobe 1,2 ...` on one
// rank). Rank 0 reads the test rows and their stored ground truth; every
// rank opens its shards of the index; after one untimed warm-up pass (the
// shards are mapped, so the first pass would measure the disk), each mode
// (broadcast, then routed for each --nprobe) and ef is measured over every
// query: recall@k (id overlap with the file's ground truth), QPS, latency
// percentiles (a query's latency is its batch's round trip: sent, searched
// on every rank, gathered, merged) and the coordinator's time split into
// scatter, rank 0's own search, gather and merge.
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
