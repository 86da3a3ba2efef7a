#include "io/idx_file.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <new>

namespace zyphyr {
namespace {

struct GzCloser {
  void operator()(gzFile_s* file) const { gzclose(file); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

std::uint32_t BigEndian32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

std::string Hex32(std::uint32_t value) {
  char text[16];
  std::snprintf(text, sizeof(text), "0x%08x", static_cast<unsigned>(value));
  return text;
}

// Reads up to `size` bytes into `out`; fewer only at the end of the (decompressed) stream. IOError with zlib's
// message when the stream is corrupt.
Result<std::size_t> ReadUpTo(gzFile file, const std::string& path, unsigned char* out, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    const auto want = static_cast<unsigned>(std::min<std::size_t>(size - done, 1u << 30));
    const int got = gzread(file, out + done, want);
    if (got < 0) {
      int errnum = 0;
      const char* message = gzerror(file, &errnum);
      std::string text = errnum == Z_ERRNO ? std::strerror(errno) : (message != nullptr ? message : "zlib error");
      // zlib prefixes its message with the file's name, "<fd:N>: " for a descriptor; the path is ours to add.
      if (const std::size_t colon = text.find(">: "); text.rfind("<fd:", 0) == 0 && colon != std::string::npos) {
        text.erase(0, colon + 3);
      }
      return Status::IOError(path + ": cannot read: " + text);
    }
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  return done;
}

}  // namespace

Result<IdxImages> ReadIdxImages(const std::string& path) {
  // The file is opened by us so a missing file is told from other failures by errno, then handed to zlib.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return Status::NotFound(path + ": no such file");
    return Status::IOError(path + ": cannot open: " + std::strerror(errno));
  }
  GzFile file(gzdopen(fd, "rb"));
  if (file == nullptr) {
    ::close(fd);
    return Status::IOError(path + ": cannot open: out of memory");
  }

  unsigned char header[16];
  Result<std::size_t> got = ReadUpTo(file.get(), path, header, sizeof(header));
  if (!got.ok()) return got.status();
  if (*got >= 4 && BigEndian32(header) != kIdxImagesMagic) {
    return Status::InvalidArgument(path + ": not an idx image file (magic " + Hex32(BigEndian32(header)) +
                                   ", expected " + Hex32(kIdxImagesMagic) + ")");
  }
  if (*got < sizeof(header)) {
    return Status::InvalidArgument(path + ": truncated (expected 16 bytes of header, found " + std::to_string(*got) +
                                   ")");
  }
  IdxImages images;
  images.count = BigEndian32(header + 4);
  images.rows = BigEndian32(header + 8);
  images.cols = BigEndian32(header + 12);
  std::size_t total = 0;
  if (__builtin_mul_overflow(images.count, images.rows, &total) || __builtin_mul_overflow(total, images.cols, &total)) {
    return Status::InvalidArgument(path + ": header claims " + std::to_string(images.count) + " x " +
                                   std::to_string(images.rows) + " x " + std::to_string(images.cols) +
                                   " pixels, too many to address");
  }

  // Grown block by block: the header's claim is not trusted with an allocation before the bytes are there.
  constexpr std::size_t kBlock = std::size_t{1} << 20;
  std::size_t have = 0;
  while (have < total) {
    const std::size_t want = std::min(kBlock, total - have);
    try {
      images.pixels.resize(have + want);
    } catch (const std::bad_alloc&) {
      return Status::IOError(path + ": " + std::to_string(total) + " bytes of pixels do not fit in memory");
    }
    Result<std::size_t> read = ReadUpTo(file.get(), path, images.pixels.data() + have, want);
    if (!read.ok()) return read.status();
    have += *read;
    if (*read < want) break;
  }
  if (have < total) {
    return Status::InvalidArgument(path + ": truncated (expected " + std::to_string(total) +
                                   " bytes of pixels, found " + std::to_string(have) + ")");
  }
  // One more read reaches the end of a gzip stream, where zlib checks its CRC; trailing bytes are ignored.
  unsigned char extra = 0;
  Result<std::size_t> tail = ReadUpTo(file.get(), path, &extra, 1);
  if (!tail.ok()) return tail.status();
  return images;
}

}  // namespace zyphyr
