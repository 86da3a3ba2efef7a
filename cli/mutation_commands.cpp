#include "cli/mutation_commands.h"

#include <cstdint>
#include <vector>

#include <fmt/core.h>

#include "builder/compaction.h"
#include "builder/index_insert.h"
#include "cli/cli_errors.h"
#include "cli/options.h"
#include "cli/stopwatch.h"
#include "io/hdf5_matrix.h"
#include "src/core/parallel_for.h"
#include "storage/index_manifest.h"
#include "storage/index_mutations.h"

namespace zyphyr::cli {

MutationCommands AddMutationCommands(CLI::App& app, MutationOptions* o) {
  MutationCommands cmds;
  cmds.insert = app.add_subcommand("insert", "Add the rows of a 2-D HDF5 dataset to an index (through its log)");
  cmds.insert->add_option("--index", o->index, "Index directory")->required();
  cmds.insert->add_option("--data", o->data, "HDF5 file holding the vectors")->required();
  cmds.insert->add_option("--dataset", o->dataset, "2-D dataset of the file to insert")->capture_default_str();

  cmds.remove = app.add_subcommand("delete", "Delete vectors from an index by id (through its log)");
  cmds.remove->add_option("--index", o->index, "Index directory")->required();
  cmds.remove->add_option("--ids", o->ids, "Comma-separated ids, e.g. 5,17,42")->required();

  cmds.compact = app.add_subcommand("compact", "Fold the mutation logs into newly built shards");
  cmds.compact->add_option("--index", o->index, "Index directory")->required();
  cmds.compact->add_option("--threads", o->threads, "Build threads (0: all; at most the hardware threads)")
      ->capture_default_str()
      ->check(ThreadsRange());
  return cmds;
}

int RunInsert(const MutationOptions& o) {
  // The manifest first: a wrong --index is reported before the vectors are read.
  Result<IndexManifest> manifest = ReadManifest(o.index);
  if (!manifest.ok()) return ReportError(manifest.status());
  std::size_t rows = 0;
  std::size_t cols = 0;
  Result<std::vector<float>> vectors = ReadFloatMatrix(o.data, o.dataset, &rows, &cols);
  if (!vectors.ok()) return ReportError(vectors.status());
  if (rows == 0) return ReportError(Status::InvalidArgument(o.data + ": dataset '" + o.dataset + "' has no rows"));
  if (cols != manifest->dim) {
    return ReportError(Status::InvalidArgument(fmt::format("{}: dataset '{}' has dimension {}, the index {} has {}",
                                                           o.data, o.dataset, cols, o.index, manifest->dim)));
  }
  Result<std::uint64_t> first = InsertIntoIndex(o.index, *vectors, rows);
  if (!first.ok()) return ReportError(first.status());
  if (rows == 1) {
    fmt::print("inserted 1 vector into {} as id {}\n", o.index, *first);
  } else {
    fmt::print("inserted {} vectors into {} as ids {}..{}\n", rows, o.index, *first, *first + rows - 1);
  }
  return 0;
}

int RunDelete(const MutationOptions& o) {
  Result<std::vector<std::uint64_t>> ids = ParseIdList("--ids", o.ids);
  if (!ids.ok()) return ReportError(ids.status());
  Result<std::size_t> deleted = DeleteFromIndex(o.index, *ids);
  if (!deleted.ok()) return ReportError(deleted.status());
  fmt::print("deleted {} {} from {}\n", *deleted, *deleted == 1 ? "id" : "ids", o.index);
  return 0;
}

int RunCompact(const MutationOptions& o) {
  const Stopwatch clock;
  Result<CompactReport> report = CompactIndex(o.index, ResolveThreads(UsableThreads("--threads", o.threads)));
  if (!report.ok()) return ReportError(report.status());
  fmt::print("compacted {}: generation {}, {} rows ({} inserted, {} deleted folded in), {:.1f} s\n", o.index,
             report->generation, report->rows, report->inserted, report->deleted, clock.Seconds());
  return 0;
}

}  // namespace zyphyr::cli
