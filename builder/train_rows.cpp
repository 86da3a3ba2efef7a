#include "builder/train_rows.h"

#include <algorithm>
#include <utility>

#include "io/ann_dataset_reader.h"

namespace zyphyr {
namespace {

class FileTrainRows final : public TrainRows {
 public:
  explicit FileTrainRows(AnnDatasetReader reader) : reader_(std::move(reader)) {}
  std::size_t rows() const override { return reader_.train_shape().rows; }
  std::size_t dim() const override { return reader_.dim(); }
  Metric metric() const override { return reader_.metric(); }
  Status Read(std::size_t begin, std::size_t count, std::span<float> out) const override {
    return reader_.ReadTrainRows(begin, count, out);
  }

 private:
  AnnDatasetReader reader_;
};

class MemoryTrainRows final : public TrainRows {
 public:
  MemoryTrainRows(std::span<const float> rows, std::size_t dim, Metric metric)
      : rows_(rows), dim_(dim), metric_(metric) {}
  std::size_t rows() const override { return dim_ == 0 ? 0 : rows_.size() / dim_; }
  std::size_t dim() const override { return dim_; }
  Metric metric() const override { return metric_; }
  Status Read(std::size_t begin, std::size_t count, std::span<float> out) const override {
    std::span<const float> part = rows_.subspan(begin * dim_, count * dim_);
    std::copy(part.begin(), part.end(), out.begin());
    return Status::Ok();
  }

 private:
  std::span<const float> rows_;
  std::size_t dim_;
  Metric metric_;
};

}  // namespace

Result<std::unique_ptr<TrainRows>> OpenTrainRows(const std::string& path) {
  Result<AnnDatasetReader> reader = AnnDatasetReader::Open(path);
  if (!reader.ok()) return reader.status();
  return std::unique_ptr<TrainRows>(std::make_unique<FileTrainRows>(std::move(*reader)));
}

std::unique_ptr<TrainRows> TrainRowsInMemory(const InMemoryRows& rows) {
  return std::make_unique<MemoryTrainRows>(rows.values, rows.dim, rows.metric);
}

}  // namespace zyphyr
