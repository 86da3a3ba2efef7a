#include "builder/train_rows.h"

#include <algorithm>
#include <utility>

#include "io/ann_dataset_reader.h"
#include "io/vector_file.h"

namespace zyphyr {
namespace {

class HdfTrainRows final : public TrainRows {
 public:
  HdfTrainRows(AnnDatasetReader reader, std::size_t rows) : reader_(std::move(reader)), rows_(rows) {}
  std::size_t rows() const override { return rows_; }
  std::size_t dim() const override { return reader_.dim(); }
  std::optional<Metric> metric() const override { return reader_.metric(); }
  ElementType element_type() const override { return ElementType::kFloat32; }
  Status Read(std::size_t begin, std::size_t count, std::span<float> out) const override {
    return reader_.ReadTrainRows(begin, count, out);
  }

 private:
  AnnDatasetReader reader_;
  std::size_t rows_;
};

class RowFileTrainRows final : public TrainRows {
 public:
  explicit RowFileTrainRows(VectorFile file) : file_(std::move(file)) {}
  std::size_t rows() const override { return file_.rows(); }
  std::size_t dim() const override { return file_.dim(); }
  std::optional<Metric> metric() const override { return std::nullopt; }
  ElementType element_type() const override { return file_.element_type(); }
  Status Read(std::size_t begin, std::size_t count, std::span<float> out) const override {
    return file_.ReadRows(begin, count, out);
  }
  std::uint64_t bytes_read() const override { return file_.bytes_read(); }

 private:
  VectorFile file_;
};

class MemoryTrainRows final : public TrainRows {
 public:
  explicit MemoryTrainRows(const InMemoryRows& rows) : rows_(rows) {}
  std::size_t rows() const override { return rows_.dim == 0 ? 0 : rows_.values.size() / rows_.dim; }
  std::size_t dim() const override { return rows_.dim; }
  std::optional<Metric> metric() const override { return rows_.metric; }
  ElementType element_type() const override { return rows_.element_type; }
  Status Read(std::size_t begin, std::size_t count, std::span<float> out) const override {
    std::span<const float> part = rows_.values.subspan(begin * rows_.dim, count * rows_.dim);
    std::copy(part.begin(), part.end(), out.begin());
    return Status::Ok();
  }

 private:
  InMemoryRows rows_;
};

}  // namespace

Result<std::unique_ptr<TrainRows>> OpenTrainRows(const std::string& path, std::size_t max_rows) {
  if (IsVectorFilePath(path)) {
    Result<VectorFile> file = VectorFile::Open(path, max_rows);
    if (!file.ok()) return file.status();
    return std::unique_ptr<TrainRows>(std::make_unique<RowFileTrainRows>(std::move(*file)));
  }
  Result<AnnDatasetReader> reader = AnnDatasetReader::Open(path);
  if (!reader.ok()) return reader.status();
  const std::size_t available = reader->train_shape().rows;
  if (max_rows > available) {
    return Status::InvalidArgument("--rows " + std::to_string(max_rows) + " exceeds the " + std::to_string(available) +
                                   " rows of " + path);
  }
  const std::size_t rows = max_rows == 0 ? available : max_rows;
  return std::unique_ptr<TrainRows>(std::make_unique<HdfTrainRows>(std::move(*reader), rows));
}

std::unique_ptr<TrainRows> TrainRowsInMemory(const InMemoryRows& rows) {
  return std::make_unique<MemoryTrainRows>(rows);
}

}  // namespace zyphyr
