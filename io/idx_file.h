// The idx format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): a big-endian header (magic
// 0x00000803 = unsigned bytes in 3 dimensions for images, then the three sizes as uint32) followed by the pixels,
// row-major. Files are read plain or gzip-compressed (zlib detects which).
//
// Thread safety: may be called from any thread (no HDF5 involved).
#ifndef ZYPHYR_IO_IDX_FILE_H_
#define ZYPHYR_IO_IDX_FILE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "src/core/status.h"

namespace zyphyr {

inline constexpr std::uint32_t kIdxImagesMagic = 0x00000803;

struct IdxImages {
  std::size_t count = 0;
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::vector<std::uint8_t> pixels;  // count * rows * cols, image after image, row-major.
};

// Reads an idx image file. Bytes after the last image are ignored; a gzip stream is read to its end, so its CRC is
// checked. Memory grows with the bytes actually read, so a
// header claiming more images than the file holds costs no more than the file.
// Errors: NotFound "<path>: no such file"; InvalidArgument "<path>: not an idx image file (magic 0x00000801, expected
// 0x00000803)"; InvalidArgument "<path>: truncated (expected 16 bytes of header, found 9)"; InvalidArgument
// "<path>: truncated (expected N bytes of pixels, found M)"; InvalidArgument "<path>: header claims C x R x W pixels,
// too many to address"; IOError "<path>: cannot open: <errno text>" or "<path>: cannot read: <zlib's message>"
// (a corrupt gzip stream, e.g. "incorrect data check"). A gzip stream cut short reads as truncated.
Result<IdxImages> ReadIdxImages(const std::string& path);

}  // namespace zyphyr

#endif  // ZYPHYR_IO_IDX_FILE_H_
