// The distributed query loop: rank 0 (the coordinator) sends batches of
// queries to the ranks, every rank searches its own shards, rank 0 gathers
// the (queries x k) ids and distances and merges them (MergeTopK).
//
// Pipelining: batch b + 1 is sent (non-blocking) before the coordinator
// searches its own part of batch b and gathers the other ranks' results, so
// a rank finishing batch b finds b + 1 already waiting: sending queries
// overlaps searching. Messages: a BatchHeader (Boost.Serialization) and the
// prepared query rows as a flat float buffer; back, a ResultHeader and the
// ids and distances as flat buffers.
//
// Failures: a rank whose search fails reports it in its ResultHeader; the
// coordinator finishes the batches already sent (so no send is left
// unmatched), then tells every rank to stop with the error. Every rank then
// returns that same error: nobody waits forever. A failure of the protocol
// itself (an MPI call failing, a malformed message) cannot be agreed on,
// since the other side may never answer: the rank seeing it ends the job
// with MPI_Abort, and mpirun stops every rank.
#ifndef ZYPHYR_MPI_QUERY_PIPELINE_H_
#define ZYPHYR_MPI_QUERY_PIPELINE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "mpi/communicator.h"
#include "src/core/status.h"
#include "src/index/neighbor.h"
#include "src/index/top_k_merge.h"

namespace zyphyr {

// Searches one prepared query (PrepareVector: padded, normalised under
// cosine) over this rank's shards named in `shards` (manifest numbers; all
// of the rank's when empty): the k nearest, internal distances, nearest
// first. Called from several threads at once.
using LocalSearch = std::function<Status(const float* query, std::span<const std::uint32_t> shards, std::size_t k,
                                         std::size_t ef, std::vector<Neighbor>* out)>;

struct PipelineOptions {
  std::size_t k = 10;
  std::size_t ef = 64;
  std::size_t batch = 256;  // Queries per batch.
  std::size_t threads = 1;  // Search threads on each rank.
  std::size_t stride = 0;   // Floats per prepared query row.
  std::size_t shards = 0;   // Shards in the index (to know who owns what).
  // Send batch b + 1 before gathering batch b. Off, each batch is sent only
  // once the previous one is merged: a query's latency is then its own round
  // trip, not shared with the batch before it (for latency measurements).
  bool pipelined = true;
};

// Where the coordinator's time went (seconds, summed over batches), and the
// other ranks' search time as they reported it.
struct PipelineTimes {
  double wall = 0;
  double scatter = 0;       // Encoding and sending batches (and waiting for the sends).
  double local_search = 0;  // Rank 0 searching its own shards.
  double gather = 0;        // Waiting for and receiving the other ranks' results.
  double merge = 0;         // MergeTopK.
  double worker_search_max = 0;  // The busiest other rank's total search time.
  double worker_search_sum = 0;
};

struct PipelineResult {
  TopKLists lists;                       // queries x k, internal distances.
  std::vector<double> latency_seconds;   // Per query: its batch sent -> merged.
  PipelineTimes times;
};

// Collective. On rank 0: `queries` holds n prepared rows of options.stride
// floats and `routes` either is empty (every query to every shard) or holds,
// per query, the shard numbers to search (routed mode). Other ranks pass
// empty spans and serve until told to stop. Returns the result on rank 0 and
// an empty result elsewhere; on failure every rank returns the same error,
// e.g. "rank 2: <the rank's search error>".
Result<PipelineResult> RunQueryPipeline(Communicator& comm, std::span<const float> queries,
                                        const std::vector<std::vector<std::uint32_t>>& routes,
                                        const PipelineOptions& options, const LocalSearch& search);

}  // namespace zyphyr

#endif  // ZYPHYR_MPI_QUERY_PIPELINE_H_
