#include "cli/rank_prologue.h"

#include <fmt/core.h>

#include "cli/cli_errors.h"
#include "cli/options.h"

namespace zyphyr::cli {

int ReportAgreed(const Communicator& comm, const Status& status) {
  if (!comm.is_root()) return ExitCodeOf(status);
  return ReportError(status);
}

std::size_t RankThreads(const Communicator& comm, std::size_t requested) {
  return ThreadsPerRank(UsableThreads("--threads", requested, comm.is_root()), comm.local_size());
}

Result<SearchPrologue> OpenDatasetAndIndex(Communicator& comm, const std::string& data, const std::string& index_dir,
                                           std::size_t threads, RerankRows rerank_rows) {
  SearchPrologue opened;
  Status st;
  if (comm.is_root()) {
    Result<QueryFile> reader = QueryFile::Open(data);
    st = reader.status();
    if (reader.ok()) opened.dataset.emplace(std::move(*reader));
  }
  ZYPHYR_RETURN_IF_ERROR(comm.Agree(st, Communicator::Blame::kInput));
  Result<std::unique_ptr<DistributedIndex>> index = DistributedIndex::Open(comm, index_dir, threads, rerank_rows);
  if (!index.ok()) return index.status();
  opened.index = std::move(*index);
  const std::size_t dim = opened.index->manifest().dim;
  if (comm.is_root() && opened.dataset->dim() != dim) {
    st = Status::InvalidArgument(
        fmt::format("{}: queries have dimension {}, the index {} has {}", data, opened.dataset->dim(), index_dir, dim));
  }
  ZYPHYR_RETURN_IF_ERROR(comm.Agree(st, Communicator::Blame::kInput));
  return opened;
}

}  // namespace zyphyr::cli
