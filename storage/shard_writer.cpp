// WriteShard: lays out the header, the section table and the sections of a
// shard file (storage/shard_format.h) and writes them atomically.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "src/core/vector_store.h"
#include "storage/atomic_file.h"
#include "storage/crc32c.h"
#include "storage/shard.h"
#include "storage/shard_format.h"
#include "storage/shard_header.h"
#include "storage/unique_fd.h"

namespace zyphyr {
namespace {

struct PlannedSection {
  SectionKind kind;
  const void* data;
  std::uint64_t length;
  std::uint64_t offset = 0;
  std::uint32_t crc = 0;
};

// The sections of a shard in file order, and the bytes made for it that
// they point into.
struct ShardPlan {
  std::vector<PlannedSection> sections;
  std::vector<std::uint8_t> model;      // The quantizer, serialised.
  std::vector<std::uint8_t> byte_rows;  // The rows as bytes (uint8 or int8 shards).
  CompactLinksBytes compact;
  std::uint64_t upper_links = 0;  // Entries of the upper links section.
};

std::uint64_t AlignUp(std::uint64_t x) { return (x + kSectionAlignment - 1) / kSectionAlignment * kSectionAlignment; }

// Sizes agree, rows are of a storable shape, ids increase.
Status CheckRows(const std::string& path, RowsView rows, std::span<const std::uint64_t> ids, HnswGraphView graph) {
  const std::size_t n = rows.size;
  if (ids.size() != n || graph.size != n) {
    return Status::InvalidArgument(path + ": " + std::to_string(n) + " rows, " + std::to_string(ids.size()) +
                                   " ids and a graph of " + std::to_string(graph.size) + " nodes do not match");
  }
  if (rows.dim == 0 || rows.stride != PaddedDim(rows.dim)) {
    return Status::InvalidArgument(path + ": rows of dimension " + std::to_string(rows.dim) + " with stride " +
                                   std::to_string(rows.stride) + " cannot be stored");
  }
  for (std::size_t i = 1; i < n; ++i) {
    if (ids[i] <= ids[i - 1]) {
      return Status::InvalidArgument(path + ": ids must increase, but row " + std::to_string(i) + " has id " +
                                     std::to_string(ids[i]) + " after " + std::to_string(ids[i - 1]));
    }
  }
  return Status::Ok();
}

// The rows as bytes of `type`, stride apart and zero-padded, each value an
// integer in the type's range.
Status ToByteRows(const std::string& path, RowsView rows, std::span<const std::uint64_t> ids, ElementType type,
                  std::vector<std::uint8_t>* out) {
  if (MetricNormalizes(rows.metric)) {
    return Status::InvalidArgument(path + ": " + std::string(ElementTypeName(type)) +
                                   " rows cannot hold the unit-normalised rows of metric cosine");
  }
  out->assign(rows.size * rows.stride, 0);
  for (std::size_t i = 0; i < rows.size; ++i) {
    const float* row = rows.row(i);
    ZYPHYR_RETURN_IF_ERROR(CheckFitsElementType(
        {row, rows.dim}, type, path + ": row " + std::to_string(i) + " (id " + std::to_string(ids[i]) + ")"));
    std::uint8_t* dst = out->data() + i * rows.stride;
    for (std::size_t j = 0; j < rows.dim; ++j) {
      const int value = static_cast<int>(row[j]);
      dst[j] = static_cast<std::uint8_t>(type == ElementType::kInt8 ? static_cast<std::int8_t>(value) : value);
    }
  }
  return Status::Ok();
}

// No codes, or a quantizer and its codes of the rows.
Status CheckCodes(const std::string& path, RowsView rows, const ShardParams& params) {
  const Quantizer* quantizer = params.quantizer;
  if ((quantizer == nullptr) != (params.codes == nullptr)) {
    return Status::InvalidArgument(path + ": a quantizer and its codes go together");
  }
  if (quantizer == nullptr) return Status::Ok();
  const EncodedRows& codes = *params.codes;
  const std::size_t n = rows.size;
  if (quantizer->dim() != rows.dim || quantizer->metric() != rows.metric ||
      !quantizer->AcceptsCodeStride(codes.stride) || codes.codes.size() != n * codes.stride ||
      codes.biases.size() != (quantizer->HasBiases() ? n : 0) || !std::isfinite(codes.max_error) ||
      codes.max_error < 0.0f) {
    return Status::InvalidArgument(path + ": the codes do not fit the rows (" + std::to_string(codes.codes.size()) +
                                   " code bytes " + std::to_string(codes.stride) + " apart and " +
                                   std::to_string(codes.biases.size()) + " biases for " + std::to_string(n) +
                                   " rows of dimension " + std::to_string(rows.dim) + ")");
  }
  return Status::Ok();
}

// The sections in kind order, each on the next page boundary past the
// table and the section before, with its CRC.
void PlanSections(RowsView rows, std::span<const std::uint64_t> ids, HnswGraphView graph, const ShardParams& params,
                  ShardPlan* plan) {
  const std::size_t n = rows.size;
  for (std::size_t i = 0; i < n; ++i) plan->upper_links += static_cast<std::uint64_t>(graph.levels[i]) * (graph.M + 1);
  const std::size_t level0_entries = n * graph.level0_stride();
  std::vector<PlannedSection>& sections = plan->sections;
  const bool bytes = IsByteElement(params.element_type);
  sections = {
      {SectionKind::kVectors, bytes ? static_cast<const void*>(plan->byte_rows.data()) : rows.data,
       static_cast<std::uint64_t>(n) * rows.stride * ElementBytes(params.element_type)},
      {SectionKind::kIds, ids.data(), static_cast<std::uint64_t>(n) * sizeof(std::uint64_t)},
      {SectionKind::kLevels, graph.levels, static_cast<std::uint64_t>(n)},
      {SectionKind::kLevel0Links, graph.level0, level0_entries * sizeof(std::uint32_t)},
      {SectionKind::kUpperOffsets, graph.upper_offsets, static_cast<std::uint64_t>(n) * sizeof(std::uint64_t)},
      {SectionKind::kUpperLinks, graph.upper, plan->upper_links * sizeof(std::uint32_t)},
  };
  if (const Quantizer* quantizer = params.quantizer) {
    const EncodedRows& codes = *params.codes;
    plan->model = quantizer->Serialize();
    sections.push_back({SectionKind::kQuantizer, plan->model.data(), plan->model.size()});
    sections.push_back({SectionKind::kCodes, codes.codes.data(), codes.codes.size()});
    if (quantizer->HasBiases()) {
      sections.push_back({SectionKind::kCodeBiases, codes.biases.data(), codes.biases.size() * sizeof(float)});
    }
    const CompactLinksBytes& compact = plan->compact = EncodeCompactLinks(graph);
    sections.push_back({SectionKind::kCompactLevel0, compact.level0.data(), compact.level0.size()});
    sections.push_back({SectionKind::kCompactUpperNodes, compact.upper_nodes.data(), compact.upper_nodes.size()});
    sections.push_back({SectionKind::kCompactUpperLinks, compact.upper.data(), compact.upper.size()});
  }
  std::uint64_t offset = AlignUp(kShardHeaderBytes + sections.size() * kSectionEntryBytes);
  for (PlannedSection& s : sections) {
    s.offset = offset;
    s.crc = Crc32c(s.data, s.length);
    offset = AlignUp(offset + s.length);
  }
}

ShardHeader HeaderFor(RowsView rows, HnswGraphView graph, const ShardParams& params, const ShardPlan& plan) {
  const Quantizer* quantizer = params.quantizer;
  ShardHeader header;
  header.minor = quantizer ? kShardMinorVersion : kShardMinorVersionWithoutCodes;
  if (IsByteElement(params.element_type)) {
    header.major = kShardMajorVersionByteRows;
    header.minor = kShardMinorVersionByteRows;
    header.element_type = params.element_type;
  }
  header.file_size = plan.sections.back().offset + plan.sections.back().length;
  header.rows = rows.size;
  header.dim = static_cast<std::uint32_t>(rows.dim);
  header.stride = static_cast<std::uint32_t>(rows.stride);
  header.metric = rows.metric;
  header.flags = MetricNormalizes(rows.metric) ? kShardFlagNormalized : 0u;
  header.M = static_cast<std::uint32_t>(graph.M);
  header.ef_construction = params.ef_construction;
  header.entry_point = graph.entry_point;
  header.max_level = graph.max_level;
  header.seed = params.seed;
  header.upper_links = plan.upper_links;
  header.uid = params.uid;
  if (quantizer != nullptr) {
    header.encoding = quantizer->encoding();
    header.code_stride = static_cast<std::uint32_t>(params.codes->stride);
    header.code_error_bound = params.codes->max_error;
  }
  for (const PlannedSection& s : plan.sections) {
    header.sections.push_back({static_cast<std::uint32_t>(s.kind), s.offset, s.length, s.crc});
  }
  return header;
}

// Writes `head` (the header, the table and the padding to the first
// section), then the sections with the padding between them, to `path`
// atomically.
Status WriteShardFile(const std::string& path, const std::vector<unsigned char>& head,
                      const std::vector<PlannedSection>& sections, const FileOps& ops) {
  Result<PendingFile> pending = PendingFile::Create(path);
  if (!pending.ok()) return pending.status();
  const std::string& tmp = pending->temp_path();
  UniqueFd file(::open(tmp.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
  if (file.get() < 0) return Status::IOError(tmp + ": cannot open: " + std::strerror(errno));
  const int fd = file.get();

  Status status = WriteAll(ops, fd, head.data(), head.size(), path);
  static const std::vector<unsigned char> kZeros(kSectionAlignment, 0);
  for (std::size_t i = 0; status.ok() && i < sections.size(); ++i) {
    status = WriteAll(ops, fd, sections[i].data, sections[i].length, path);
    if (status.ok() && i + 1 < sections.size()) {
      const std::uint64_t pad = sections[i + 1].offset - (sections[i].offset + sections[i].length);
      status = WriteAll(ops, fd, kZeros.data(), pad, path);
    }
  }
  if (status.ok()) status = SyncFd(ops, fd, path);
  if (const int err = file.Close(); err != 0 && status.ok()) {
    status = Status::IOError(path + ": cannot write: " + std::strerror(err));
  }
  if (!status.ok()) return status;  // `pending` removes the temporary.
  return pending->Commit();
}

}  // namespace

Result<WrittenShard> WriteShard(const std::string& path, RowsView rows, std::span<const std::uint64_t> ids,
                                HnswGraphView graph, const ShardParams& params, const FileOps& ops) {
  ZYPHYR_RETURN_IF_ERROR(CheckRows(path, rows, ids, graph));
  ZYPHYR_RETURN_IF_ERROR(CheckCodes(path, rows, params));
  ShardPlan plan;
  if (IsByteElement(params.element_type)) {
    ZYPHYR_RETURN_IF_ERROR(ToByteRows(path, rows, ids, params.element_type, &plan.byte_rows));
  }
  PlanSections(rows, ids, graph, params, &plan);
  const ShardHeader header = HeaderFor(rows, graph, params, plan);
  std::vector<unsigned char> head;
  const std::uint32_t header_crc = header.EncodeTo(&head);
  head.resize(plan.sections.front().offset, 0);  // Zeros up to the first section.
  ZYPHYR_RETURN_IF_ERROR(WriteShardFile(path, head, plan.sections, ops));
  return WrittenShard{header.file_size, header_crc};
}

}  // namespace zyphyr
