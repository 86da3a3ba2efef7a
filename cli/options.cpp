#include "cli/options.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <optional>
#include <thread>

#include <fmt/core.h>
#include <unistd.h>

#include "src/index/quantized_searcher.h"

namespace zyphyr::cli {
namespace {

std::vector<std::string_view> Split(std::string_view text) {
  std::vector<std::string_view> items;
  std::size_t pos = 0;
  while (true) {
    const std::size_t comma = text.find(',', pos);
    items.push_back(text.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos));
    if (comma == std::string_view::npos) return items;
    pos = comma + 1;
  }
}

// a * b, or nothing when it overflows (or either is nothing).
std::optional<std::uint64_t> Multiply(std::optional<std::uint64_t> a, std::optional<std::uint64_t> b) {
  if (!a || !b) return std::nullopt;
  if (*a != 0 && *b > std::numeric_limits<std::uint64_t>::max() / *a) return std::nullopt;
  return *a * *b;
}

}  // namespace

CLI::Option* AddMOption(CLI::App* cmd, std::size_t* M, const std::string& help) {
  return cmd->add_option("--M", *M, help)->capture_default_str()->check(MRange());
}

CLI::Option* AddEfConstructionOption(CLI::App* cmd, std::size_t* ef_construction, const std::string& help) {
  return cmd->add_option("--ef-construction", *ef_construction, help)->capture_default_str()->check(CountRange(1));
}

CLI::Option* AddPqMOption(CLI::App* cmd, std::size_t* pq_m) {
  return cmd
      ->add_option("--pq-m", *pq_m, "pq: sub-spaces, the code size in bytes (default or 0: dimension / 8, rounded up)")
      ->check(CountRange(0));
}

CLI::Option* AddRerankRowsOption(CLI::App* cmd, std::string* rerank_rows) {
  return cmd
      ->add_option("--rerank-rows", *rerank_rows,
                   "Indexes with codes: re-rank with rows from memory (the mapping), from the file (pread: for indexes "
                   "beyond RAM), or auto (memory when a shard's rows take at most a quarter of RAM)")
      ->capture_default_str();
}

CLI::Option* AddRerankOption(CLI::App* cmd, std::size_t* rerank, std::string_view applies_to) {
  return cmd
      ->add_option("--rerank", *rerank,
                   fmt::format("{}: candidates re-ranked with the full vectors (default or 0: {} under int8, {} "
                               "under pq)",
                               applies_to, DefaultRerankText(Encoding::kInt8), DefaultRerankText(Encoding::kPq)))
      ->check(CountRange(0));
}

Result<std::vector<std::size_t>> ParsePositiveList(std::string_view option, std::string_view text) {
  std::vector<std::size_t> out;
  for (std::string_view item : Split(text)) {
    std::size_t value = 0;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), value);
    if (item.empty() || ec != std::errc() || end != item.data() + item.size() || value == 0) {
      return Status::InvalidArgument(std::string(option) + ": '" + std::string(item) +
                                     "' is not a positive integer (expected a list such as 16,32,64)");
    }
    if (value > static_cast<std::size_t>(kMaxCount)) {
      return Status::InvalidArgument(fmt::format("{}: {} is more than {}", option, value, kMaxCount));
    }
    out.push_back(value);
  }
  return out;
}

Result<std::vector<std::uint64_t>> ParseIdList(std::string_view option, std::string_view text) {
  std::vector<std::uint64_t> out;
  for (std::string_view item : Split(text)) {
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), value);
    if (item.empty() || ec != std::errc() || end != item.data() + item.size()) {
      return Status::InvalidArgument(std::string(option) + ": '" + std::string(item) +
                                     "' is not an id (expected a list such as 5,17,42)");
    }
    out.push_back(value);
  }
  return out;
}

Result<std::vector<std::string>> ParseNameList(std::string_view option, std::string_view text) {
  std::vector<std::string> out;
  if (text.empty() || text == "none") return out;
  for (std::string_view item : Split(text)) {
    if (item.empty())
      return Status::InvalidArgument(std::string(option) + ": empty entry in '" + std::string(text) + "'");
    if (std::find(out.begin(), out.end(), item) != out.end()) {
      return Status::InvalidArgument(std::string(option) + ": '" + std::string(item) + "' is named twice");
    }
    out.emplace_back(item);
  }
  return out;
}

std::size_t HardwareThreads() { return std::max(1u, std::thread::hardware_concurrency()); }

Bounded ClampThreads(std::string_view option, std::size_t requested, std::size_t hardware) {
  if (requested <= hardware) return {requested, ""};
  return {hardware, fmt::format("note: {} {} is more than the {} hardware threads: using {}", option, requested,
                                hardware, hardware)};
}

std::size_t UsableThreads(std::string_view option, std::size_t requested, bool print_note) {
  Bounded threads = ClampThreads(option, requested, HardwareThreads());
  if (print_note && !threads.note.empty()) fmt::print(stderr, "{}\n", threads.note);
  return threads.value;
}

std::size_t ThreadsPerRank(std::size_t requested, int local_ranks) {
  if (requested != 0) return requested;
  return std::max<std::size_t>(1, HardwareThreads() / static_cast<std::size_t>(std::max(local_ranks, 1)));
}

Bounded ClampK(std::size_t k, std::size_t rows, std::string_view where) {
  if (rows == 0 || k <= rows) return {k, ""};
  return {rows, fmt::format("note: --k {} is more than the {} rows of {}: using k {}", k, rows, where, rows)};
}

std::uint64_t PhysicalMemoryBytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return 0;
  return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size);
}

Status CheckResultMemory(std::size_t k, std::size_t queries, std::uint64_t memory_bytes) {
  if (memory_bytes == 0) return Status::Ok();
  const std::optional<std::uint64_t> bytes = Multiply(Multiply(k, queries), kResultBytes);
  if (bytes && *bytes <= memory_bytes) return Status::Ok();
  const std::string need = bytes ? std::to_string(*bytes) : std::string("more than 2^64");
  return Status::InvalidArgument(
      fmt::format("--k {} with {} queries: the results would need {} bytes, more than the {} bytes of memory", k,
                  queries, need, memory_bytes));
}

}  // namespace zyphyr::cli
