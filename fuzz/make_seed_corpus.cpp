// Writes seed corpora for the fuzz targets:
//   make_seed_corpus OUTDIR
// fills OUTDIR/shard with small valid shards (each metric, several M, an
// empty shard, a single row, a dimension that needs padding) and OUTDIR/log
// with valid mutation logs of dimension kLogDim and uid kLogUid (header only,
// inserts, deletes, a torn tail, a torn header). Each seed is a fuzz input as
// fuzz/fuzz_input.h describes: a mode byte, then the file image; every image
// is written with checksum repair on and off.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "fuzz/fuzz_input.h"
#include "src/core/vector_store.h"
#include "src/data/synthetic.h"
#include "src/index/hnsw_index.h"
#include "src/quant/quantizer.h"
#include "storage/mutation_log.h"
#include "storage/shard.h"

namespace zyphyr::fuzz {
namespace {

std::vector<unsigned char> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<unsigned char>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool WriteSeed(const std::string& path, std::uint8_t mode, const std::vector<unsigned char>& image) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.put(static_cast<char>(mode));
  out.write(reinterpret_cast<const char*>(image.data()), static_cast<std::streamsize>(image.size()));
  out.close();
  if (!out) std::fprintf(stderr, "make_seed_corpus: cannot write %s\n", path.c_str());
  return static_cast<bool>(out);
}

// Writes `image` as seeds "<name>-raw" (no repair) and "<name>-repair" into `dir`, and
// "<name>-verify" (repair, verify vectors) when `verify`.
bool WriteSeeds(const std::string& dir, const std::string& name, const std::vector<unsigned char>& image,
                bool verify = false) {
  bool ok = WriteSeed(dir + "/" + name + "-raw", 0, image);
  ok = WriteSeed(dir + "/" + name + "-repair", kRepairChecksums, image) && ok;
  if (verify) ok = WriteSeed(dir + "/" + name + "-verify", kRepairChecksums | kVerifyVectors, image) && ok;
  return ok;
}

struct ShardSpec {
  const char* name;
  std::size_t n;
  std::size_t dim;
  Metric metric;
  std::size_t M;
  Encoding encoding = Encoding::kFloat32;  // int8, pq: a version 1.2 shard with codes.
};

Status MakeShard(const std::string& dir, const ShardSpec& spec) {
  VectorStore store(spec.dim, spec.metric);
  if (spec.n > 0) {
    Result<Dataset> data = ClusteredGaussian(spec.n, spec.dim, 3, 7 + spec.n);
    if (!data.ok()) return data.status();
    std::vector<std::uint64_t> ids(spec.n);
    for (std::size_t i = 0; i < spec.n; ++i) ids[i] = 10 * i + 5;  // Gaps: ids are labels, not row numbers.
    ZYPHYR_RETURN_IF_ERROR(store.AddBatch(ids, data->rows));
  }
  HnswBuildOptions options;
  options.M = spec.M;
  options.ef_construction = 32;
  options.threads = 1;
  Result<std::unique_ptr<HnswIndex>> index = HnswIndex::Build(std::move(store), options);
  if (!index.ok()) return index.status();
  const std::string tmp = dir + "/.tmp-" + spec.name + ".zys";
  ShardParams params{32, 42, 0x5eed0000u + spec.n};
  std::optional<Quantizer> quantizer;
  EncodedRows codes;
  if (spec.encoding != Encoding::kFloat32) {
    Result<Quantizer> trained =
        Quantizer::Train((*index)->store().rows(), {.encoding = spec.encoding, .pq_m = 2, .threads = 1});
    if (!trained.ok()) return trained.status();
    quantizer = std::move(*trained);
    codes = quantizer->Encode((*index)->store().rows(), 1);
    params.quantizer = &*quantizer;
    params.codes = &codes;
  }
  Result<WrittenShard> written =
      WriteShard(tmp, (*index)->store().rows(), (*index)->store().ids(), (*index)->graph().view(), params);
  if (!written.ok()) return written.status();
  const std::vector<unsigned char> image = ReadFile(tmp);
  std::filesystem::remove(tmp);
  if (!WriteSeeds(dir, spec.name, image, spec.n > 0 && spec.n < 50)) return Status::IOError(dir + ": cannot write");
  return Status::Ok();
}

// A log built by `fill` (given a writer), then cut to `keep` bytes when not 0.
template <typename Fill>
Status MakeLog(const std::string& dir, const std::string& name, Fill fill, std::size_t keep = 0) {
  const std::string tmp = dir + "/.tmp-" + name + ".log";
  std::filesystem::remove(tmp);
  {
    Result<MutationLogWriter> writer = MutationLogWriter::Open(tmp, kLogDim, kLogUid);
    if (!writer.ok()) return writer.status();
    ZYPHYR_RETURN_IF_ERROR(fill(*writer));
  }
  std::vector<unsigned char> image = ReadFile(tmp);
  std::filesystem::remove(tmp);
  if (keep != 0 && keep < image.size()) image.resize(keep);
  if (!WriteSeeds(dir, name, image)) return Status::IOError(dir + ": cannot write");
  return Status::Ok();
}

std::vector<float> Vectors(std::size_t count, float base) {
  std::vector<float> v(count * kLogDim);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = base + 0.5f * static_cast<float>(i);
  return v;
}

int Main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTDIR (writes OUTDIR/shard and OUTDIR/log)\n", argv[0]);
    return 2;
  }
  const std::string out = argv[1];
  const std::string shards = out + "/shard";
  const std::string logs = out + "/log";
  std::error_code ec;
  std::filesystem::create_directories(shards, ec);
  std::filesystem::create_directories(logs, ec);
  if (ec) {
    std::fprintf(stderr, "make_seed_corpus: %s: %s\n", out.c_str(), ec.message().c_str());
    return 1;
  }

  const ShardSpec specs[] = {
      {"l2-m4", 40, 8, Metric::kL2, 4},
      {"ip-m2", 30, 5, Metric::kInnerProduct, 2},
      {"cosine-m8", 60, 20, Metric::kCosine, 8},
      {"l2-m16-one-row", 1, 3, Metric::kL2, 16},
      {"l2-m3-dim17", 25, 17, Metric::kL2, 3},
      {"empty", 0, 5, Metric::kL2, 4},
      {"cosine-m2-empty", 0, 1, Metric::kCosine, 2},
      {"ip-m4-int8", 40, 8, Metric::kInnerProduct, 4, Encoding::kInt8},
      {"l2-m4-int8-dim17", 30, 17, Metric::kL2, 4, Encoding::kInt8},
      {"l2-m2-pq", 260, 4, Metric::kL2, 2, Encoding::kPq},
  };
  int written = 0;
  for (const ShardSpec& spec : specs) {
    Status st = MakeShard(shards, spec);
    if (!st.ok()) {
      std::fprintf(stderr, "make_seed_corpus: shard %s: %s\n", spec.name, st.ToString().c_str());
      return 1;
    }
    ++written;
  }

  using W = MutationLogWriter;
  const std::vector<std::uint64_t> two = {100, 101};
  const std::vector<std::uint64_t> one = {7};
  struct LogSpec {
    const char* name;
    std::function<Status(W&)> fill;
    std::size_t keep;
  };
  const LogSpec log_specs[] = {
      {"header-only", [](W&) { return Status::Ok(); }, 0},
      {"one-insert", [&](W& w) { return w.AppendInsert(two, Vectors(2, 1.0f)); }, 0},
      {"one-delete", [&](W& w) { return w.AppendDelete(one); }, 0},
      {"insert-delete-insert",
       [&](W& w) {
         ZYPHYR_RETURN_IF_ERROR(w.AppendInsert(two, Vectors(2, -3.0f)));
         ZYPHYR_RETURN_IF_ERROR(w.AppendDelete(std::vector<std::uint64_t>{100, 5}));
         return w.AppendInsert(one, Vectors(1, 9.0f));
       },
       0},
      // Two records, then 20 bytes of a third's header: a torn tail.
      {"torn-tail",
       [&](W& w) {
         ZYPHYR_RETURN_IF_ERROR(w.AppendInsert(two, Vectors(2, 0.0f)));
         ZYPHYR_RETURN_IF_ERROR(w.AppendDelete(one));
         return w.AppendDelete(two);
       },
       kLogHeaderBytes + (kRecordHeaderBytes + 8 + 16 + 32) + (kRecordHeaderBytes + 16) + 20},
      // A crash while the header was written.
      {"torn-header", [](W&) { return Status::Ok(); }, 30},
  };
  for (const LogSpec& spec : log_specs) {
    Status st = MakeLog(logs, spec.name, spec.fill, spec.keep);
    if (!st.ok()) {
      std::fprintf(stderr, "make_seed_corpus: log %s: %s\n", spec.name, st.ToString().c_str());
      return 1;
    }
    ++written;
  }
  std::printf("make_seed_corpus: wrote seeds for %d files into %s and %s\n", written, shards.c_str(), logs.c_str());
  return 0;
}

}  // namespace
}  // namespace zyphyr::fuzz

int main(int argc, char** argv) { return zyphyr::fuzz::Main(argc, argv); }
