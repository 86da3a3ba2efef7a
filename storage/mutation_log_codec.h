// The byte encoding of a mutation log (layout in storage/mutation_log.h and storage/FORMAT.md): the file header and
// the records as MutationLogWriter writes them, and the parse of a whole log image with its torn-tail rules, which
// ReadMutationLog and MutationLogWriter::Open share.
//
// Internal to storage/mutation_log*.cpp.
#ifndef ZYPHYR_STORAGE_MUTATION_LOG_CODEC_H_
#define ZYPHYR_STORAGE_MUTATION_LOG_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "src/core/status.h"
#include "storage/mutation_log.h"

namespace zyphyr::mutation_log_codec {

// The size of the file header; a file shorter than this holds no records.
inline constexpr std::size_t kHeaderSize = 64;

// The 64-byte file header for a log of `dim` and `uid`.
std::vector<unsigned char> EncodeHeader(std::uint32_t dim, std::uint64_t uid);

// The bytes of `record` (its type, ids, vectors and sequence number as set): record header, then payload.
std::vector<unsigned char> EncodeRecord(const LogRecord& record);

// Parses a whole log image read from `path`, for a shard of `dim` and `uid`. An empty image is an empty log; one
// shorter than the header is a torn creation. Errors: Corruption or Unsupported naming `path` (see mutation_log.h).
Result<LogContents> ParseLog(const std::string& path, const std::vector<unsigned char>& bytes, std::size_t dim,
                             std::uint64_t uid);

}  // namespace zyphyr::mutation_log_codec

#endif  // ZYPHYR_STORAGE_MUTATION_LOG_CODEC_H_
