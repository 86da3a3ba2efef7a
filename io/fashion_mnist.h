// Fashion-MNIST (Zalando) from the files of Debian's package
// dataset-fashion-mnist: 60,000 train and 10,000 test images of 28 x 28
// unsigned bytes, used by ann-benchmarks as fashion-mnist-784-euclidean.
#ifndef ZYPHYR_IO_FASHION_MNIST_H_
#define ZYPHYR_IO_FASHION_MNIST_H_

#include <cstddef>
#include <string>
#include <vector>

#include "src/core/status.h"

namespace zyphyr {

// Where the Debian package installs the idx files.
inline constexpr char kFashionMnistDir[] = "/usr/share/datasets/fashion-mnist";
inline constexpr char kFashionMnistPackage[] = "dataset-fashion-mnist";

struct FashionMnist {
  std::size_t dim = 0;         // 784.
  std::size_t train_rows = 0;  // 60,000.
  std::size_t test_rows = 0;   // 10,000.
  std::vector<float> train;    // Pixel values 0..255 as floats, row-major.
  std::vector<float> test;
};

// Reads train-images-idx3-ubyte(.gz) and t10k-images-idx3-ubyte(.gz) from
// `dir`. Errors: NotFound "Fashion-MNIST not found: <dir>/train-images-idx3-
// ubyte.gz is missing (install the Debian package dataset-fashion-mnist:
// apt-get install dataset-fashion-mnist)"; the errors of ReadIdxImages;
// InvalidArgument when train and test images differ in size.
Result<FashionMnist> LoadFashionMnist(const std::string& dir = kFashionMnistDir);

}  // namespace zyphyr

#endif  // ZYPHYR_IO_FASHION_MNIST_H_
