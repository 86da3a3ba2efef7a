// The input format shared by the fuzz targets and the seed-corpus generator,
// and the driver both targets run their inputs through (RunFuzzInput).
//
// A fuzz input is one mode byte followed by a file image (a shard file for
// shard_fuzzer, a mutation log for mutation_log_fuzzer):
//   bit 0 (kRepairChecksums): before the image is written out, the fuzzer
//          recomputes every checksum it can locate in it (and, for shards, the
//          file-size field), so that mutations reach the structural checks
//          behind the checksums instead of stopping at the first CRC;
//   bit 1 (kVerifyVectors): shards only, open with verify_vectors.
// Other bits are ignored. An empty input is ignored.
//
// Reproducing a crash: run the fuzzer binary on the crash file
// (build/fuzz/fuzz/shard_fuzzer build/fuzz/artifacts/crash-...); the file it
// opened is the image after the mode byte, repaired when bit 0 is set (the
// fuzzer keeps it at the path it prints on start-up).
#ifndef ZYPHYR_FUZZ_FUZZ_INPUT_H_
#define ZYPHYR_FUZZ_FUZZ_INPUT_H_

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "src/core/status.h"
#include "storage/byte_order.h"
#include "storage/crc32c.h"
#include "storage/shard_format.h"

namespace zyphyr::fuzz {

inline constexpr std::uint8_t kRepairChecksums = 1;
inline constexpr std::uint8_t kVerifyVectors = 2;

// The mutation log fuzzer reads every log as belonging to a shard of this
// dimension and uid; the seed logs are written for it.
inline constexpr std::size_t kLogDim = 4;
inline constexpr std::uint64_t kLogUid = 1234;

// Layout constants of the mutation log (storage/mutation_log.h).
inline constexpr std::size_t kLogHeaderBytes = 64;
inline constexpr std::size_t kLogHeaderCrcOffset = 60;
inline constexpr std::size_t kRecordHeaderBytes = 32;
inline constexpr std::size_t kRecordPayloadBytesOffset = 8;
inline constexpr std::size_t kRecordPayloadCrcOffset = 24;
inline constexpr std::size_t kRecordHeaderCrcOffset = 28;

// Recomputes the checksums of a shard image: each section's CRC-32C (for the
// entries that lie inside the image and name a range inside it), the
// file-size field, then the header CRC. Leaves what it cannot locate alone.
inline void RepairShard(std::vector<unsigned char>& b) {
  namespace h = shard_header;
  if (b.size() < kShardHeaderBytes) return;
  StoreLe<std::uint64_t>(&b[h::kFileSize], b.size());
  const std::uint32_t count = LoadLe<std::uint32_t>(&b[h::kSectionCount]);
  const std::uint64_t table_end = kShardHeaderBytes + std::uint64_t{count} * kSectionEntryBytes;
  if (count == 0 || count > kMaxSections || table_end > b.size()) return;
  for (std::uint32_t i = 0; i < count; ++i) {
    unsigned char* e = &b[kShardHeaderBytes + std::size_t{i} * kSectionEntryBytes];
    const std::uint64_t offset = LoadLe<std::uint64_t>(e + section_entry::kOffset);
    const std::uint64_t length = LoadLe<std::uint64_t>(e + section_entry::kLength);
    if (offset > b.size() || length > b.size() - offset) continue;
    StoreLe<std::uint32_t>(e + section_entry::kCrc, Crc32c(b.data() + offset, length));
  }
  StoreLe<std::uint32_t>(&b[h::kHeaderCrc], 0);
  StoreLe<std::uint32_t>(&b[h::kHeaderCrc], Crc32c(b.data(), table_end));
}

// Recomputes the checksums of a mutation log image: the header's, then each
// record's payload and header CRC, following the payload lengths for as long
// as the records fit in the image.
inline void RepairLog(std::vector<unsigned char>& b) {
  if (b.size() < kLogHeaderBytes) return;
  StoreLe<std::uint32_t>(&b[kLogHeaderCrcOffset], Crc32c(b.data(), kLogHeaderCrcOffset));
  std::uint64_t off = kLogHeaderBytes;
  while (off + kRecordHeaderBytes <= b.size()) {
    unsigned char* r = &b[off];
    const std::uint64_t payload = LoadLe<std::uint64_t>(r + kRecordPayloadBytesOffset);
    const std::uint64_t left = b.size() - off - kRecordHeaderBytes;
    if (payload <= left) StoreLe<std::uint32_t>(r + kRecordPayloadCrcOffset, Crc32c(r + kRecordHeaderBytes, payload));
    StoreLe<std::uint32_t>(r + kRecordHeaderCrcOffset, Crc32c(r, kRecordHeaderCrcOffset));
    if (payload > left) break;
    off += kRecordHeaderBytes + payload;
  }
}

// This process's scratch file: `stem`-<pid>`ext` in /dev/shm when writable
// (no disk traffic), else in $TMPDIR or /tmp. Printed once; removed when the
// fuzzer exits normally, kept after a crash (it holds the failing image).
inline const std::string& ScratchFile(const char* stem, const char* ext) {
  // Never destroyed, so that the exit handler can still use it.
  static const std::string* const path = [&] {
    std::string dir = "/dev/shm";
    if (::access(dir.c_str(), W_OK) != 0) {
      const char* tmp = std::getenv("TMPDIR");
      dir = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
    }
    auto* p = new std::string(dir + "/" + stem + "-" + std::to_string(::getpid()) + ext);
    std::fprintf(stderr, "%s: scratch file %s\n", stem, p->c_str());
    return p;
  }();
  static const bool registered = [] { return std::atexit([] { ::unlink(path->c_str()); }) == 0; }();
  (void)registered;
  return *path;
}

// Replaces the contents of `path` with `bytes`; aborts on failure (the
// fuzzer cannot go on without its file).
inline void WriteFileOrDie(const std::string& path, const unsigned char* data, std::size_t size) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::perror(path.c_str());
    std::abort();
  }
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::perror(path.c_str());
      std::abort();
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  ::close(fd);
}

// Prints a broken invariant and aborts (libFuzzer reports it as a crash).
[[noreturn]] inline void Fail(const std::string& what) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

// A fuzz input taken apart: its mode byte, and the file its image went to.
struct FuzzFile {
  std::uint8_t mode = 0;
  const std::string* path = nullptr;  // ScratchFile's, alive until exit.
  std::size_t image_bytes = 0;        // The image's size, as written.
};

// Writes the image of the non-empty input data[0..size) (the bytes after the
// mode byte) to this process's ScratchFile(stem, ext), after `repair` when
// the mode byte has kRepairChecksums.
inline FuzzFile WriteInputImage(const std::uint8_t* data, std::size_t size, void (*repair)(std::vector<unsigned char>&),
                                const char* stem, const char* ext) {
  FuzzFile file;
  file.mode = data[0];
  std::vector<unsigned char> image(data + 1, data + size);
  if (file.mode & kRepairChecksums) repair(image);
  file.path = &ScratchFile(stem, ext);
  WriteFileOrDie(*file.path, image.data(), image.size());
  file.image_bytes = image.size();
  return file;
}

// Every refusal of a fuzzed file names it: its message starts with "<path>: ".
inline void CheckErrorNamesPath(const Status& error, const std::string& path) {
  if (error.message().rfind(path + ": ", 0) != 0) Fail("error does not start with the path: " + error.ToString());
}

// The whole of a fuzz target's LLVMFuzzerTestOneInput: ignores an empty
// input, else writes its image (WriteInputImage) and runs `check` on the file.
inline int RunFuzzInput(const std::uint8_t* data, std::size_t size, void (*repair)(std::vector<unsigned char>&),
                        const char* stem, const char* ext, void (*check)(const FuzzFile&)) {
  if (size == 0) return 0;
  check(WriteInputImage(data, size, repair, stem, ext));
  return 0;
}

}  // namespace zyphyr::fuzz

#endif  // ZYPHYR_FUZZ_FUZZ_INPUT_H_
