// DistributedBuild: `zyphyr build` on P ranks (P = 1 without mpirun), and
// every other build of an index directory (`zyphyr bench`, tests: one rank,
// rows in memory). The shards are built by builder/shard_build.h and the
// manifest assembled by builder/new_index.h.
//
// The train rows of an ann-benchmarks file are split into S shards (S >= P);
// rank r owns the contiguous block of shards ShardsOfRank(S, P, r), builds
// their HNSW graphs with its own threads and writes their shard files into a
// staging directory beside the index directory (which must be on a file
// system every rank sees). Rank 0 then writes the manifest and renames the
// staging directory into place: the index appears complete, or not at all.
//
// Partitions:
//   range   shard s holds rows EvenPart(N, S, s); each rank reads only its
//           shards' rows (HDF5 hyperslabs).
//   kmeans  each rank reads its own 1/P of the rows; a sample of every
//           rank's rows trains S centroids (k-means, on rank 0); each row goes
//           to the shard of its nearest centroid, rows travel to the owning
//           ranks (all-to-all); centroids are stored in the manifest so
//           searches can route queries (--nprobe).
// A row's id is its row number in the file, whatever shard holds it.
//
// Every failure is agreed by all ranks (Communicator::Agree) before the next
// step: every rank returns the same error, and rank 0 removes the staging
// directory, so no partial index is ever published.
#ifndef ZYPHYR_MPI_DISTRIBUTED_BUILD_H_
#define ZYPHYR_MPI_DISTRIBUTED_BUILD_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "builder/train_rows.h"
#include "mpi/communicator.h"
#include "src/core/element_type.h"
#include "src/core/metric.h"
#include "src/core/status.h"
#include "src/index/hnsw_options.h"
#include "src/quant/quantizer.h"
#include "storage/index_manifest.h"

namespace zyphyr {

struct DistributedBuildParams {
  std::string data;  // ann-benchmarks HDF5 file; its 'train' rows are indexed.
  // Rows in memory to index instead of the file's (every rank passes the
  // same); `data` then only names them (errors, the manifest's source).
  std::optional<InMemoryRows> rows;
  std::string index;                // Directory to create; must not exist.
  std::size_t shards = 0;           // 0: one per rank.
  std::string partition = "range";  // "range" or "kmeans".
  std::optional<Metric> metric;     // Default: the file's (required for row files, which carry none).
  std::size_t max_rows = 0;         // > 0: only the first max_rows rows of the file (--rows).
  // How the shards store their rows. Default: as the dataset publishes them
  // (TrainRows::element_type), but float32 under cosine (normalised rows).
  // A byte type needs every value to be an integer in its range.
  std::optional<ElementType> element_type;
  HnswBuildOptions hnsw;            // Threads are per rank.
  // Codes stored beside the rows (int8, pq; trained per shard), or none
  // (float32). pq_m 0: DefaultPqM(dim).
  QuantizerOptions quantization;
  // Rows sampled (over all ranks) to train the k-means centroids; 0:
  // max(20000, 64 S), at most N and at most 1 GiB of floats.
  std::size_t kmeans_sample = 0;
  std::size_t kmeans_iterations = 25;
};

struct DistributedBuildReport {
  IndexManifest manifest;            // On rank 0 only; build_seconds: rank 0's wall time up to publishing.
  double seconds = 0;                // Wall time on rank 0.
  double slowest_build_seconds = 0;  // The slowest rank's graph building and writing (rank 0 only).
  // Bytes this rank read from a row file (header included; TrainRows::bytes_read): its own rows only.
  std::uint64_t bytes_read = 0;
};

// Collective. Errors (the same on every rank): InvalidArgument "--partition
// must be range or kmeans, got 'x'", "--shards 2 is fewer than the 4 ranks
// (each rank builds at least one shard)", "--shards 9 exceeds the 8 rows of
// <file>", "<dir>: already exists (...)"; the dataset reader's errors; those
// of TrainKMeans, HnswIndex::Build and WriteShard, prefixed "rank R: " when
// P > 1; InvalidArgument "--metric is required for base.u8bin: row files
// carry no metric", "--element-type uint8 cannot hold the normalised rows of
// metric cosine", "<file>: row 17 column 3 holds 0.5, not a uint8 (0..255)";
// Internal for an MPI failure.
Result<DistributedBuildReport> DistributedBuild(Communicator& comm, const DistributedBuildParams& params);

}  // namespace zyphyr

#endif  // ZYPHYR_MPI_DISTRIBUTED_BUILD_H_
