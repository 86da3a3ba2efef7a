// Option values the subcommands share: comma-separated lists ("--ef 10,16,32",
// "--peers hnswlib,faiss", "--ids 5,17"), the ranges of numeric options, and
// the bounds applied after parsing (threads, k, memory).
#ifndef ZYPHYR_CLI_OPTIONS_H_
#define ZYPHYR_CLI_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "src/core/status.h"
#include "src/index/hnsw_options.h"

namespace zyphyr::cli {

// ---- ranges of numeric options (CLI11 validators) ----
//
// Every range is checked as a signed 64-bit value: CLI11 2.1 converts "-1"
// for an unsigned option with strtoull, which wraps it to 2^64-1, so a range
// over the unsigned type would let it through. Violations are CLI11 parse
// errors (exit 2): "error: --k: Value -1 not in range 1 to 1099511627776
// (try 'zyphyr --help')". (CLI::PositiveNumber and CLI::NonNegativeNumber
// are double ranges whose messages print DBL_MAX in 309 digits: not used.)

// Upper bound of counts (rows, queries, k, ef, batch, shards...): far above
// any real value, and low enough that a value past 2^63 (which strtoll
// saturates) is refused rather than taken.
inline constexpr std::int64_t kMaxCount = std::int64_t{1} << 40;
// Upper bound of --threads and --build-threads (requests above the hardware
// threads are then clamped: ClampThreads).
inline constexpr std::int64_t kMaxThreadsOption = 65536;

// A count in [min, kMaxCount]: min 1, or 0 where 0 means a default.
inline CLI::Range CountRange(std::int64_t min) { return CLI::Range(min, kMaxCount); }
// --M: [2, kMaxM] (src/index/hnsw_options.h).
inline CLI::Range MRange() { return CLI::Range(std::int64_t{2}, static_cast<std::int64_t>(kMaxM)); }
// --threads: [0, kMaxThreadsOption], 0 meaning the hardware threads.
inline CLI::Range ThreadsRange() { return CLI::Range(std::int64_t{0}, kMaxThreadsOption); }
// --seed: any non-negative value. A negative seed is refused rather than
// wrapped (its wrapped value would be what the index records and prints).
inline CLI::Range SeedRange() { return CLI::Range(std::int64_t{0}, std::numeric_limits<std::int64_t>::max()); }

// ---- options several commands define alike ----
//
// Each adds the option to `cmd` with its range and its default shown, and
// returns it (for ->each and the like). `help` says what it applies to.

// --M: links per node, MRange().
CLI::Option* AddMOption(CLI::App* cmd, std::size_t* M, const std::string& help);
// --ef-construction: the beam width while building, at least 1.
CLI::Option* AddEfConstructionOption(CLI::App* cmd, std::size_t* ef_construction, const std::string& help);
// --pq-m: pq sub-spaces (0: DefaultPqM), no default shown.
CLI::Option* AddPqMOption(CLI::App* cmd, std::size_t* pq_m);
// --rerank: "<applies_to>: candidates re-ranked with the full vectors
// (default or 0: <EffectiveRerank's default under int8> under int8, <under
// pq> under pq)", no default shown.
CLI::Option* AddRerankOption(CLI::App* cmd, std::size_t* rerank, std::string_view applies_to);

// --rerank-rows auto|memory|file: where indexes with codes re-rank rows from
// (storage/shard.h, RerankRows).
CLI::Option* AddRerankRowsOption(CLI::App* cmd, std::string* rerank_rows);

// ---- lists ----

// "16,32,64" -> {16, 32, 64}; every entry a positive integer (so "-1" is
// refused) of at most kMaxCount. Errors (InvalidArgument): "<option>: 'x' is
// not a positive integer (expected a list such as 16,32,64)", "<option>:
// 2000000000000 is more than 1099511627776".
Result<std::vector<std::size_t>> ParsePositiveList(std::string_view option, std::string_view text);

// "5,17,42" -> {5, 17, 42}; every entry a non-negative integer (ids of an
// index). Errors (InvalidArgument): "<option>: 'x' is not an id (expected a
// list such as 5,17,42)".
Result<std::vector<std::uint64_t>> ParseIdList(std::string_view option, std::string_view text);

// "hnswlib,faiss" -> {"hnswlib", "faiss"}; "" and "none" -> {}. Errors
// (InvalidArgument): an empty entry, or one named twice.
Result<std::vector<std::string>> ParseNameList(std::string_view option, std::string_view text);

// ---- bounds applied after parsing ----

// A value after its bound: `value` as used, and a one-line "note: ..." for
// stderr when it was lowered (empty otherwise).
struct Bounded {
  std::size_t value = 0;
  std::string note;
};

// The hardware threads of this process (std::thread::hardware_concurrency,
// at least 1).
std::size_t HardwareThreads();

// --threads `requested` as used: 0 stays 0 (the caller's default), and a
// request above `hardware` threads is lowered to `hardware` (more threads
// than the machine runs at once only adds contention), with the note
// "note: <option> 10000 is more than the 2 hardware threads: using 2".
Bounded ClampThreads(std::string_view option, std::size_t requested, std::size_t hardware);

// ClampThreads against HardwareThreads(), printing the note (if any) on
// stderr when `print_note` (rank 0 only under mpirun).
std::size_t UsableThreads(std::string_view option, std::size_t requested, bool print_note = true);

// Threads per rank for --threads `requested` (already clamped) on one of
// `local_ranks` ranks of a node: `requested`, or for 0 the hardware threads
// shared among those ranks (at least 1).
std::size_t ThreadsPerRank(std::size_t requested, int local_ranks);

// --k as used against the `rows` there are to find: k above `rows` is
// lowered to `rows` (every row is returned), with the note "note: --k 1000000
// is more than the 3000 rows of <where>: using k 3000". rows 0 leaves k.
Bounded ClampK(std::size_t k, std::size_t rows, std::string_view where);

// Physical memory, sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGE_SIZE); 0 when
// unknown.
std::uint64_t PhysicalMemoryBytes();

// Bytes per neighbour in result buffers: an 8-byte id and a 4-byte distance.
inline constexpr std::uint64_t kResultBytes = 12;

// InvalidArgument "--k 100000 with 100000000 queries: the results would need
// 120000000000000 bytes, more than the 67430219776 bytes of memory" when
// queries x k x kResultBytes exceeds `memory_bytes` (computed without
// overflow). `memory_bytes` 0 (unknown) accepts everything.
Status CheckResultMemory(std::size_t k, std::size_t queries, std::uint64_t memory_bytes);

}  // namespace zyphyr::cli

#endif  // ZYPHYR_CLI_OPTIONS_H_
