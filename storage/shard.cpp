#include "storage/shard.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <cstring>
#include <utility>

#include "src/distance/dispatch.h"
#include "storage/shard_format.h"
#include "storage/shard_views.h"

namespace zyphyr {

namespace {

// `n` byte components of `type` (uint8 or int8) widened to floats, exactly.
void WidenBytes(const unsigned char* bytes, std::size_t n, ElementType type, float* out) {
  if (type == ElementType::kInt8) {
    for (std::size_t j = 0; j < n; ++j) out[j] = static_cast<float>(static_cast<std::int8_t>(bytes[j]));
  } else {
    for (std::size_t j = 0; j < n; ++j) out[j] = static_cast<float>(bytes[j]);
  }
}

// Re-ranking reads: one row by pread from the shard's file, so the rows go
// through the page cache but are never mapped into the process. Byte rows
// are read into the back of `out` and widened to floats in place.
class FileRowSource : public RowSource {
 public:
  FileRowSource(const MappedFile& file, std::uint64_t offset, std::size_t stride, ElementType type)
      : file_(file), offset_(offset), stride_(stride), type_(type), row_bytes_(stride * ElementBytes(type)) {}

  Status Read(std::uint32_t node, float* out) const override {
    // Byte rows land in the last quarter of `out`; widening front to back
    // never overwrites a byte before it is read.
    char* dst = reinterpret_cast<char*>(out) + (stride_ * sizeof(float) - row_bytes_);
    std::size_t done = 0;
    const off_t at = static_cast<off_t>(offset_ + std::uint64_t{node} * row_bytes_);
    while (done < row_bytes_) {
      const ssize_t got = ::pread(file_.fd(), dst + done, row_bytes_ - done, at + static_cast<off_t>(done));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        return Status::IOError(file_.path() + ": cannot read row " + std::to_string(node) + ": " +
                               (got < 0 ? std::strerror(errno) : "unexpected end of file"));
      }
      done += static_cast<std::size_t>(got);
    }
    if (IsByteElement(type_)) WidenBytes(reinterpret_cast<const unsigned char*>(dst), stride_, type_, out);
    return Status::Ok();
  }

 private:
  const MappedFile& file_;
  std::uint64_t offset_;
  std::size_t stride_;
  ElementType type_;
  std::size_t row_bytes_;
};

// Re-ranking reads from the mapping: float rows in place, byte rows widened
// into a copy.
class MappedRowSource : public RowSource {
 public:
  MappedRowSource(const unsigned char* rows, std::size_t stride, ElementType type)
      : rows_(rows), stride_(stride), type_(type), row_bytes_(stride * ElementBytes(type)) {}

  Status Read(std::uint32_t node, float* out) const override {
    const unsigned char* row = rows_ + std::size_t{node} * row_bytes_;
    if (type_ == ElementType::kFloat32) {
      std::memcpy(out, row, row_bytes_);
    } else {
      WidenBytes(row, stride_, type_, out);
    }
    return Status::Ok();
  }

  const float* InPlace(std::uint32_t node) const override {
    if (type_ != ElementType::kFloat32) return nullptr;
    return reinterpret_cast<const float*>(rows_ + std::size_t{node} * row_bytes_);
  }

 private:
  const unsigned char* rows_;
  std::size_t stride_;
  ElementType type_;
  std::size_t row_bytes_;
};

bool RerankFromMemory(RerankRows rows, std::uint64_t vector_bytes) {
  if (rows != RerankRows::kAuto) return rows == RerankRows::kMemory;
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return false;
  return vector_bytes <= static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page) / 4;
}

}  // namespace

Result<RerankRows> ParseRerankRows(std::string_view name) {
  if (name == "auto") return RerankRows::kAuto;
  if (name == "memory") return RerankRows::kMemory;
  if (name == "file") return RerankRows::kFile;
  return Status::InvalidArgument("--rerank-rows: '" + std::string(name) +
                                 "' is not known (expected auto, memory or file)");
}

Result<std::unique_ptr<Shard>> Shard::Open(const std::string& path, const ShardOpenOptions& options) {
  Result<MappedFile> mapped = MappedFile::Open(path);
  if (!mapped.ok()) return mapped.status();
  std::unique_ptr<Shard> shard(new Shard());
  shard->file_ = std::move(*mapped);
  const std::span<const unsigned char> file(shard->file_.data(), shard->file_.size());
  Result<ShardHeader> header = ShardHeader::DecodeFrom(file, path);
  if (!header.ok()) return header.status();
  shard->info_ = std::move(*header);
  const ShardHeader& info = shard->info_;
  ZYPHYR_RETURN_IF_ERROR(CheckSectionTable(info, path));
  ZYPHYR_RETURN_IF_ERROR(CheckSectionChecksums(info, file, options.verify_vectors, path));
  Result<std::span<const std::uint64_t>> ids = CheckIds(info, file, path);
  if (!ids.ok()) return ids.status();
  Result<HnswGraphView> graph = CheckGraph(info, file, path);
  if (!graph.ok()) return graph.status();
  shard->ids_ = *ids;
  shard->graph_ = *graph;
  if (info.quantized()) {
    Result<CompactLinksView> compact = CheckCompactLinks(info, file, shard->graph_, path);
    if (!compact.ok()) return compact.status();
    shard->graph_.compact = *compact;
  }
  Result<const DistanceKernels*> kernels = ProcessKernels();
  if (!kernels.ok()) return kernels.status();
  std::optional<Result<CheckedCodes>> codes;
  if (info.quantized()) {
    codes.emplace(CheckCodes(info, file, path));
    if (!codes->ok()) return codes->status();
  }
  shard->MakeSearcher(**kernels, codes ? &**codes : nullptr, options.rerank_rows);
  shard->DropUnsearched();
  return shard;
}

void Shard::MakeSearcher(const DistanceKernels& kernels, CheckedCodes* codes, RerankRows rerank_rows) {
  const ShardSection& vectors = *info_.Find(SectionKind::kVectors);
  const bool bytes = IsByteElement(info_.element_type);
  if (bytes) {
    byte_rows_ = {file_.data() + vectors.offset, info_.rows, info_.dim, info_.stride, info_.metric, info_.element_type};
  } else {
    rows_ = {reinterpret_cast<const float*>(file_.data() + vectors.offset), info_.rows, info_.dim, info_.stride,
             info_.metric};
  }
  const std::uint64_t n = info_.rows;
  contiguous_ids_ = n == 0 || ids_[n - 1] - ids_[0] == n - 1;
  first_id_ = n == 0 ? 0 : ids_[0];
  if (!codes) {
    searcher_ = bytes ? std::make_unique<HnswSearcher>(byte_rows_, graph_, kernels)
                      : std::make_unique<HnswSearcher>(rows_, graph_, kernels);
    return;
  }
  quantizer_ = std::move(codes->quantizer);
  codes_ = codes->codes;
  rerank_from_memory_ = RerankFromMemory(rerank_rows, vectors.length);
  if (rerank_from_memory_) {
    row_source_ = std::make_unique<MappedRowSource>(file_.data() + vectors.offset, info_.stride, info_.element_type);
  } else {
    row_source_ = std::make_unique<FileRowSource>(file_, vectors.offset, info_.stride, info_.element_type);
  }
  quantized_searcher_ =
      std::make_unique<QuantizedSearcher>(graph_, codes_, *quantizer_, *row_source_, info_.stride, kernels);
}

void Shard::DropUnsearched() const {
  const auto drop = [this](SectionKind kind) {
    const ShardSection& s = *info_.Find(kind);
    file_.DropResident(s.offset, s.length);
  };
  // With codes searches read the compact links only (and the rows by pread).
  if (info_.quantized()) {
    for (SectionKind kind : {SectionKind::kLevel0Links, SectionKind::kUpperOffsets, SectionKind::kUpperLinks}) {
      drop(kind);
    }
  }
  const ShardSection& vectors = *info_.Find(SectionKind::kVectors);
  file_.AdviseRandom(vectors.offset, vectors.length);
  // The checks read the ids and levels once; searches need neither (levels
  // only through the upper offsets, contiguous ids are computed).
  if (contiguous_ids_) drop(SectionKind::kIds);
  drop(SectionKind::kLevels);
}

void Shard::AppendRow(std::uint32_t node, std::vector<float>* out) const {
  if (info_.element_type == ElementType::kFloat32) {
    const float* row = rows_.row(node);
    out->insert(out->end(), row, row + info_.dim);
    return;
  }
  const std::size_t at = out->size();
  out->resize(at + info_.dim);
  WidenBytes(byte_rows_.row(node), info_.dim, info_.element_type, out->data() + at);
}

std::optional<std::uint32_t> Shard::NodeOf(std::uint64_t id) const {
  if (contiguous_ids_) {
    if (id < first_id_ || id - first_id_ >= ids_.size()) return std::nullopt;
    return static_cast<std::uint32_t>(id - first_id_);
  }
  auto it = std::lower_bound(ids_.begin(), ids_.end(), id);
  if (it == ids_.end() || *it != id) return std::nullopt;
  return static_cast<std::uint32_t>(it - ids_.begin());
}

Status Shard::Verify() const {
  const std::span<const unsigned char> file(file_.data(), file_.size());
  for (const ShardSection& s : info_.sections) ZYPHYR_RETURN_IF_ERROR(CheckSectionChecksum(file, s, path()));
  return Status::Ok();
}

std::size_t Shard::ResidentBytes() const {
  if (file_.size() == 0) return 0;
  const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  const std::size_t pages = (file_.size() + page - 1) / page;
  std::vector<unsigned char> vec(pages);
  if (::mincore(const_cast<unsigned char*>(file_.data()), file_.size(), vec.data()) != 0) return 0;
  std::size_t resident = 0;
  for (unsigned char v : vec) resident += (v & 1) ? page : 0;
  return resident;
}

std::size_t Shard::SearchBytes() const {
  using K = SectionKind;
  const bool codes = info_.encoding != Encoding::kFloat32;
  std::size_t bytes = 0;
  for (const ShardSection& s : info_.sections) {
    switch (static_cast<K>(s.kind)) {
      case K::kQuantizer:
      case K::kCodes:
      case K::kCodeBiases:
      case K::kCompactLevel0:
      case K::kCompactUpperNodes:
      case K::kCompactUpperLinks:
        bytes += s.length;
        break;
      case K::kVectors:
        bytes += codes && !rerank_from_memory_ ? 0 : s.length;
        break;
      case K::kLevel0Links:
      case K::kUpperOffsets:
      case K::kUpperLinks:
        bytes += codes ? 0 : s.length;
        break;
      case K::kIds:
        bytes += contiguous_ids_ ? 0 : s.length;
        break;
      default:
        break;
    }
  }
  return bytes;
}

}  // namespace zyphyr
