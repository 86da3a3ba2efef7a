#include "io/fashion_mnist.h"

#include <filesystem>

#include "io/idx_file.h"

namespace zyphyr {
namespace {

// The idx file `stem` in `dir`, compressed as Debian ships it or plain.
Result<std::string> FindIdx(const std::string& dir, const std::string& stem) {
  const std::filesystem::path base(dir);
  for (const std::string& name : {stem + ".gz", stem}) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(base / name, ec)) return (base / name).string();
  }
  return Status::NotFound("Fashion-MNIST not found: " + (base / (stem + ".gz")).string() +
                          " is missing (install the Debian package " + kFashionMnistPackage + ": apt-get install " +
                          kFashionMnistPackage + ")");
}

Result<IdxImages> Load(const std::string& dir, const std::string& stem) {
  Result<std::string> path = FindIdx(dir, stem);
  if (!path.ok()) return path.status();
  return ReadIdxImages(*path);
}

std::vector<float> ToFloats(const std::vector<std::uint8_t>& pixels) {
  return std::vector<float>(pixels.begin(), pixels.end());
}

}  // namespace

Result<FashionMnist> LoadFashionMnist(const std::string& dir) {
  Result<IdxImages> train = Load(dir, "train-images-idx3-ubyte");
  if (!train.ok()) return train.status();
  Result<IdxImages> test = Load(dir, "t10k-images-idx3-ubyte");
  if (!test.ok()) return test.status();
  if (train->rows != test->rows || train->cols != test->cols) {
    return Status::InvalidArgument("Fashion-MNIST in " + dir + ": train images are " + std::to_string(train->rows) +
                                   "x" + std::to_string(train->cols) + " but test images are " +
                                   std::to_string(test->rows) + "x" + std::to_string(test->cols));
  }
  FashionMnist data;
  data.dim = train->rows * train->cols;
  data.train_rows = train->count;
  data.test_rows = test->count;
  data.train = ToFloats(train->pixels);
  data.test = ToFloats(test->pixels);
  return data;
}

}  // namespace zyphyr
