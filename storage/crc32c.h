// CRC-32C (Castagnoli, polynomial 0x1EDC6F41, reflected; the checksum of
// iSCSI, ext4 metadata and SSE4.2's crc32 instruction) of byte ranges. Every
// checksum in a shard file and a mutation log is a CRC-32C.
//
// The SSE4.2 instruction is used when the CPU has it (checked once); otherwise
// a table-driven loop (slicing by 8) gives the same values.
#ifndef ZYPHYR_STORAGE_CRC32C_H_
#define ZYPHYR_STORAGE_CRC32C_H_

#include <cstddef>
#include <cstdint>

namespace zyphyr {

// The CRC-32C of `size` bytes at `data` (initial value and final xor
// 0xFFFFFFFF, as everywhere): Crc32c("123456789", 9) == 0xE3069283.
std::uint32_t Crc32c(const void* data, std::size_t size);

// The CRC-32C of the concatenation of the bytes `crc` covers and `size` more:
// Crc32cExtend(Crc32c(a), b) == Crc32c(a + b). Crc32cExtend(0, ...) == Crc32c(...).
std::uint32_t Crc32cExtend(std::uint32_t crc, const void* data, std::size_t size);

// The table-driven version, whatever the CPU (for tests).
std::uint32_t Crc32cExtendPortable(std::uint32_t crc, const void* data, std::size_t size);

// Whether Crc32cExtend uses the SSE4.2 instruction on this CPU.
bool Crc32cIsHardware();

}  // namespace zyphyr

#endif  // ZYPHYR_STORAGE_CRC32C_H_
