#include "cli/inspect_commands.h"

#include <filesystem>
#include <memory>
#include <system_error>
#include <vector>

#include <fmt/core.h>

#include "builder/open_index.h"
#include "cli/cli_errors.h"
#include "cli/formatting.h"
#include "src/core/metric.h"
#include "src/core/parallel_for.h"
#include "storage/index_manifest.h"
#include "storage/index_verify.h"
#include "storage/mutation_log.h"
#include "storage/shard.h"
#include "storage/shard_format.h"
#include "storage/stored_index.h"

namespace zyphyr::cli {
namespace {

void PrintShard(const Shard& shard) {
  const ShardHeader& s = shard.info();
  fmt::print("shard {}\n", shard.path());
  fmt::print("  version {}.{}, {} bytes, header crc32c 0x{:08x}\n", s.major, s.minor, s.file_size, s.header_crc32c);
  fmt::print("  rows {}, dim {}, stride {}, metric {}, flags 0x{:x}\n", s.rows, s.dim, s.stride, MetricName(s.metric),
             s.flags);
  fmt::print("  M {}, efConstruction {}, seed {}, uid {:016x}\n", s.M, s.ef_construction, s.seed, s.uid);
  if (s.element_type != ElementType::kFloat32) {
    fmt::print("  rows stored as {} ({} bytes per row)\n", ElementTypeName(s.element_type), s.row_bytes());
  }
  if (const Quantizer* q = shard.quantizer()) {
    fmt::print("  encoding {}, {} code bytes per row (stride {}){}\n", EncodingName(s.encoding), q->code_bytes(),
               s.code_stride, q->HasBiases() ? ", with code biases" : "");
  }
  if (s.entry_point == kNoNode) {
    fmt::print("  entry point none, top level {}, upper links {}\n", s.max_level, s.upper_links);
  } else {
    fmt::print("  entry point {}, top level {}, upper links {}\n", s.entry_point, s.max_level, s.upper_links);
  }
  fmt::print("  {:<22} {:>12} {:>12}  {}\n", "section", "offset", "length", "crc32c");
  for (const ShardSection& section : s.sections) {
    fmt::print("  {:<22} {:>12} {:>12}  0x{:08x}\n", SectionName(section.kind), section.offset, section.length,
               section.crc32c);
  }
}

int InfoShard(const std::string& path) {
  Result<std::unique_ptr<Shard>> shard = Shard::Open(path);
  if (!shard.ok()) return ReportError(shard.status());
  PrintShard(**shard);
  return 0;
}

int InfoIndex(const std::string& dir) {
  StoredIndexOptions options;
  options.threads = ResolveThreads(0);
  Result<std::unique_ptr<StoredIndex>> opened = OpenSearchableIndex(dir, options);
  if (!opened.ok()) return ReportError(opened.status());
  const StoredIndex& index = **opened;
  const IndexManifest& m = index.manifest();
  fmt::print("index {}\n", dir);
  fmt::print("  dim {}, metric {}, M {}, efConstruction {}, seed {}\n", m.dim, MetricName(m.metric), m.M,
             m.ef_construction, m.seed);
  fmt::print("  generation {}, {} rows in {} {} ({} partition), next id {}\n", m.generation, m.rows, m.shards.size(),
             m.shards.size() == 1 ? "shard" : "shards", m.partition, index.next_id());
  fmt::print("  live rows {} (inserted {}, deleted {})\n", index.live_rows(), index.inserted_rows(),
             index.deleted_ids());
  fmt::print("  rows stored as {}\n", ElementTypeName(m.element_type));
  if (m.encoding == Encoding::kPq) {
    fmt::print("  encoding pq, {} sub-spaces (searches traverse codes, re-rank with the rows)\n", m.pq_m);
  } else if (m.encoding == Encoding::kInt8) {
    fmt::print("  encoding int8 (searches traverse codes, re-rank with the rows)\n");
  }
  if (!m.source.empty()) fmt::print("  source {}\n", m.source);
  for (std::size_t i = 0; i < index.shard_count(); ++i) {
    const Shard& shard = index.shard(i);
    PrintShard(shard);
    const ManifestShard& entry = m.shards[i];
    fmt::print("  ids [{}, {})\n", entry.id_begin, entry.id_end);
    const std::string log_path = (std::filesystem::path(dir) / entry.log).string();
    Result<LogContents> log = ReadMutationLog(log_path, shard.dim(), shard.info().uid);
    if (!log.ok()) return ReportError(log.status());
    std::size_t inserts = 0;
    for (const LogRecord& record : log->records) inserts += record.type == LogRecordType::kInsert ? 1 : 0;
    const std::size_t records = log->records.size();
    fmt::print("  log {}: {} ({} insert, {} delete), {} bytes, {} torn bytes{}\n", entry.log,
               Plural(records, "record", "records"), inserts, records - inserts, log->valid_bytes, log->torn_bytes,
               log->valid_bytes == 0 ? " (not written yet)" : "");
  }
  return 0;
}

}  // namespace

InspectCommands AddInspectCommands(CLI::App& app, InspectOptions* o) {
  InspectCommands cmds;
  cmds.info = app.add_subcommand("info", "Print a shard file's header and sections, or an index directory's summary");
  cmds.info->add_option("path", o->path, "Shard file (.zys) or index directory")->required();
  cmds.verify = app.add_subcommand("verify", "Check every checksum and structure of a shard file or index directory");
  cmds.verify->add_option("path", o->path, "Shard file (.zys) or index directory")->required();
  return cmds;
}

int RunInfo(const InspectOptions& o) {
  std::error_code ec;
  if (std::filesystem::is_directory(o.path, ec)) return InfoIndex(o.path);
  return InfoShard(o.path);
}

int RunVerify(const InspectOptions& o) {
  Result<std::vector<std::string>> lines = VerifyPath(o.path);
  if (!lines.ok()) return ReportError(lines.status());
  for (const std::string& line : *lines) fmt::print("{}\n", line);
  fmt::print("ok: {}\n", o.path);
  return 0;
}

}  // namespace zyphyr::cli
