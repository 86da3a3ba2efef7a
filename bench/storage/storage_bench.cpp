// zyphyr_storage_bench: what opening a stored index costs, Zyphyr's shard
// files (mapped, searched in place) against hnswlib's saveIndex/loadIndex
// (read whole into memory), each measured in a fresh process by
// bench/storage/run.sh.
//
//   zyphyr_storage_bench open --index DIR [--queries FILE.hdf5] [--cold] [--k 10] [--ef 64]
//   zyphyr_storage_bench hnswlib-save --data FILE.hdf5 --out FILE.bin [--M 16] [--ef-construction 200] [--threads 0]
//   zyphyr_storage_bench hnswlib-open --file FILE.bin --data FILE.hdf5 [--queries FILE.hdf5] [--cold] [--k 10] [--ef
//   64]
//
// Each prints one JSON object: open time, resident memory before and after
// opening (and after searching when --queries is given, with QPS on one
// thread over two passes of the queries (the first faults pages in, "qps" is
// the second), recall@k against the file's ground truth, and a CRC-32C of
// all returned ids so runs can be compared for identical results). --cold drops
// the files' pages from the page cache first (posix_fadvise DONTNEED), so the
// open reads from disk.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bench/peers/hnswlib_peer.h"
#include "builder/open_index.h"
#include "io/ann_dataset_reader.h"
#include "src/eval/memory_usage.h"
#include "storage/crc32c.h"
#include "storage/stored_index.h"

namespace zyphyr {
namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

double Mib(std::size_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }
double RssMib() {
  Result<std::size_t> rss = VmRssBytes();
  return rss.ok() ? Mib(*rss) : 0.0;
}

// Drops the clean pages of `path` (a file, or every file in a directory) from the page cache.
void DropFromPageCache(const std::string& path) {
  std::vector<std::string> files;
  if (std::filesystem::is_directory(path)) {
    for (const auto& e : std::filesystem::directory_iterator(path)) files.push_back(e.path().string());
  } else {
    files.push_back(path);
  }
  for (const std::string& f : files) {
    const int fd = ::open(f.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    ::fdatasync(fd);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
  }
}

std::uint64_t PathBytes(const std::string& path) {
  if (!std::filesystem::is_directory(path)) return std::filesystem::file_size(path);
  std::uint64_t bytes = 0;
  for (const auto& e : std::filesystem::directory_iterator(path)) {
    if (e.is_regular_file()) bytes += e.file_size();
  }
  return bytes;
}

struct QueryOptions {
  std::string queries;
  std::size_t k = 10;
  std::size_t ef = 64;
};

// Searches every test row of the queries file one at a time on this thread;
// adds QPS, recall@k (id overlap with the file's ground truth) and a checksum
// of the returned ids to `out`.
int RunQueries(const QueryOptions& q, const std::function<std::vector<std::uint64_t>(std::span<const float>)>& search,
               Json* out) {
  Result<AnnDatasetReader> reader = AnnDatasetReader::Open(q.queries);
  if (!reader.ok()) return fmt::print(stderr, "error: {}\n", reader.status().message()), 1;
  Result<std::vector<float>> test = reader->ReadTest();
  if (!test.ok()) return fmt::print(stderr, "error: {}\n", test.status().message()), 1;
  const std::size_t dim = reader->dim();
  const std::size_t n = test->size() / dim;
  // Two passes: the first faults in what the searches touch (from disk when
  // the page cache was dropped), the second runs on resident pages.
  std::vector<std::uint64_t> all, first;
  double seconds = 0;
  for (int pass = 0; pass < 2; ++pass) {
    all.clear();
    const Clock::time_point start = Clock::now();
    for (std::size_t i = 0; i < n; ++i) {
      std::vector<std::uint64_t> ids = search({test->data() + i * dim, dim});
      ids.resize(q.k, ~std::uint64_t{0});
      all.insert(all.end(), ids.begin(), ids.end());
    }
    seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (pass == 0) {
      (*out)["qps_first_pass"] = n / seconds;
      first = all;
    }
  }
  (*out)["passes_identical"] = first == all;
  (*out)["queries"] = n;
  (*out)["k"] = q.k;
  (*out)["ef"] = q.ef;
  (*out)["qps"] = n / seconds;
  (*out)["ids_crc32c"] = fmt::format("0x{:08x}", Crc32c(all.data(), all.size() * sizeof(std::uint64_t)));
  if (reader->has_ground_truth()) {
    Result<std::vector<std::int64_t>> truth = reader->ReadNeighbors();
    if (truth.ok()) {
      const std::size_t width = reader->ground_truth_shape().cols;
      double hits = 0;
      for (std::size_t i = 0; i < n; ++i) {
        std::set<std::uint64_t> expected;
        for (std::size_t j = 0; j < q.k && j < width; ++j) expected.insert((*truth)[i * width + j]);
        for (std::size_t j = 0; j < q.k; ++j) hits += expected.count(all[i * q.k + j]);
      }
      (*out)["recall"] = hits / (static_cast<double>(n) * q.k);
    }
  }
  (*out)["rss_after_search_mib"] = RssMib();
  return 0;
}

int Open(const std::string& dir, bool cold, const QueryOptions& q) {
  if (cold) DropFromPageCache(dir);
  Json out;
  out["engine"] = "zyphyr";
  out["path"] = dir;
  out["file_bytes"] = PathBytes(dir);
  out["cold"] = cold;
  out["rss_before_open_mib"] = RssMib();
  const Clock::time_point start = Clock::now();
  Result<std::unique_ptr<StoredIndex>> index = OpenSearchableIndex(dir);
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  if (!index.ok()) return fmt::print(stderr, "error: {}\n", index.status().message()), 1;
  out["open_ms"] = ms;
  out["rss_after_open_mib"] = RssMib();
  out["mapping_resident_after_open_mib"] = Mib((*index)->ResidentBytes());
  if (!q.queries.empty()) {
    const int rc = RunQueries(
        q,
        [&](std::span<const float> v) {
          std::vector<std::uint64_t> ids;
          Result<std::vector<Neighbor>> found = (*index)->Search(v, HnswSearchOptions{q.k, q.ef});
          if (found.ok()) {
            for (const Neighbor& nb : *found) ids.push_back(nb.id);
          }
          return ids;
        },
        &out);
    if (rc != 0) return rc;
    out["mapping_resident_after_search_mib"] = Mib((*index)->ResidentBytes());
  }
  fmt::print("{}\n", out.dump());
  return 0;
}

int HnswlibSave(const std::string& data, const std::string& file, std::size_t M, std::size_t ef_construction,
                std::size_t threads) {
  Result<AnnDatasetReader> reader = AnnDatasetReader::Open(data);
  if (!reader.ok()) return fmt::print(stderr, "error: {}\n", reader.status().message()), 1;
  Result<std::vector<float>> train = reader->ReadTrain();
  if (!train.ok()) return fmt::print(stderr, "error: {}\n", train.status().message()), 1;
  const std::size_t n = train->size() / reader->dim();
  const Clock::time_point start = Clock::now();
  Result<std::unique_ptr<HnswlibPeer>> peer =
      HnswlibPeer::Create(reader->dim(), reader->metric(), n, M, ef_construction, 42);
  if (!peer.ok()) return fmt::print(stderr, "error: {}\n", peer.status().message()), 1;
  if (Status st = (*peer)->AddBatch(*train, 0, threads); !st.ok())
    return fmt::print(stderr, "error: {}\n", st.message()), 1;
  const double build_s = std::chrono::duration<double>(Clock::now() - start).count();
  if (Status st = (*peer)->Save(file); !st.ok()) return fmt::print(stderr, "error: {}\n", st.message()), 1;
  fmt::print(
      "{}\n",
      Json{
          {"engine", "hnswlib"}, {"path", file}, {"build_s", build_s}, {"file_bytes", std::filesystem::file_size(file)}}
          .dump());
  return 0;
}

int HnswlibOpen(const std::string& file, const std::string& data, bool cold, const QueryOptions& q) {
  Result<AnnDatasetReader> reader = AnnDatasetReader::Open(data);
  if (!reader.ok()) return fmt::print(stderr, "error: {}\n", reader.status().message()), 1;
  if (cold) DropFromPageCache(file);
  Json out;
  out["engine"] = "hnswlib";
  out["path"] = file;
  out["file_bytes"] = std::filesystem::file_size(file);
  out["cold"] = cold;
  out["rss_before_open_mib"] = RssMib();
  const Clock::time_point start = Clock::now();
  Result<std::unique_ptr<HnswlibPeer>> peer = HnswlibPeer::Load(file, reader->dim(), reader->metric());
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  if (!peer.ok()) return fmt::print(stderr, "error: {}\n", peer.status().message()), 1;
  out["open_ms"] = ms;
  out["rss_after_open_mib"] = RssMib();
  if (!q.queries.empty()) {
    (*peer)->SetEf(q.ef);
    const int rc = RunQueries(
        q,
        [&](std::span<const float> v) {
          std::vector<std::uint64_t> ids;
          for (const auto& [d, label] : (*peer)->Search(v, q.k)) ids.push_back(label);
          return ids;
        },
        &out);
    if (rc != 0) return rc;
  }
  fmt::print("{}\n", out.dump());
  return 0;
}

}  // namespace
}  // namespace zyphyr

int main(int argc, char** argv) {
  CLI::App app{"Open-time and resident-memory benchmark of stored indexes", "zyphyr_storage_bench"};
  app.require_subcommand(1);
  std::string index, data, file;
  bool cold = false;
  std::size_t M = 16, ef_construction = 200, threads = 0;
  zyphyr::QueryOptions q;

  CLI::App* open = app.add_subcommand("open", "Open a Zyphyr index directory");
  open->add_option("--index", index)->required();
  CLI::App* save = app.add_subcommand("hnswlib-save", "Build hnswlib over a dataset's train rows and save it");
  save->add_option("--data", data)->required();
  save->add_option("--out", file)->required();
  save->add_option("--M", M);
  save->add_option("--ef-construction", ef_construction);
  save->add_option("--threads", threads);
  CLI::App* hopen = app.add_subcommand("hnswlib-open", "Load an hnswlib index file");
  hopen->add_option("--file", file)->required();
  hopen->add_option("--data", data, "The dataset it was built from (for dimension and metric)")->required();
  for (CLI::App* cmd : {open, hopen}) {
    cmd->add_flag("--cold", cold, "Drop the files from the page cache first");
    cmd->add_option("--queries", q.queries, "Search the test rows of this file after opening");
    cmd->add_option("--k", q.k);
    cmd->add_option("--ef", q.ef);
  }
  CLI11_PARSE(app, argc, argv);
  if (open->parsed()) return zyphyr::Open(index, cold, q);
  if (save->parsed()) return zyphyr::HnswlibSave(data, file, M, ef_construction, threads);
  return zyphyr::HnswlibOpen(file, data, cold, q);
}
