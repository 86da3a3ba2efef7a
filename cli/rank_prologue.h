// The collective start shared by the commands that search a stored index on
// every rank (`zyphyr search`, the distributed bench), and how they report an
// agreed status.
#ifndef ZYPHYR_CLI_RANK_PROLOGUE_H_
#define ZYPHYR_CLI_RANK_PROLOGUE_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "io/query_file.h"
#include "mpi/communicator.h"
#include "mpi/distributed_index.h"
#include "src/core/status.h"

namespace zyphyr::cli {

// For a status every rank holds alike (agreed): prints it as the one-line
// error on rank 0 only; returns its exit code (cli/cli_errors.h) on every
// rank.
int ReportAgreed(const Communicator& comm, const Status& status);

// --threads as used on this rank: clamped to the hardware threads (rank 0
// prints the note), 0 the node's hardware threads shared among its ranks.
std::size_t RankThreads(const Communicator& comm, std::size_t requested);

// What the prologue opened.
struct SearchPrologue {
  std::optional<QueryFile> dataset;  // Rank 0 only: the file of the queries.
  std::unique_ptr<DistributedIndex> index;  // Every rank: its shards.
};

// Collective: rank 0 opens the queries' file `data` (an HDF5 file's test
// rows, or a row file: io/query_file.h); agreed; every rank opens
// its shards of the index directory `index_dir` searched on `threads` threads
// (DistributedIndex::Open); rank 0 checks the queries' dimension against the
// index's; agreed. Errors, the same on every rank: those of
// QueryFile::Open and DistributedIndex::Open, and InvalidArgument
// "<data>: queries have dimension 8, the index <index_dir> has 16".
Result<SearchPrologue> OpenDatasetAndIndex(Communicator& comm, const std::string& data, const std::string& index_dir,
                                           std::size_t threads, RerankRows rerank_rows = RerankRows::kAuto);

}  // namespace zyphyr::cli

#endif  // ZYPHYR_CLI_RANK_PROLOGUE_H_
