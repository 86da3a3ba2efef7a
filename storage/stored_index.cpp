#include "storage/stored_index.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <unordered_set>

#include "src/core/aligned_buffer.h"
#include "src/index/hnsw_searcher.h"
#include "src/partition/kmeans.h"
#include "storage/atomic_file.h"
#include "storage/interrupt_cleanup.h"
#include "storage/mutation_log.h"
#include "storage/stale_temporaries.h"
#include "storage/unique_fd.h"

namespace zyphyr {
namespace {

std::string JoinPath(const std::string& dir, const std::string& name) { return dir + "/" + name; }

std::uint64_t RandomUid() {
  std::random_device rd;
  std::uint64_t uid = 0;
  while (uid == 0) uid = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  return uid;
}

// An exclusive flock(2) on DIR/.lock for the lifetime of the object.
class DirectoryLock {
 public:
  static Result<DirectoryLock> Acquire(const std::string& dir) {
    const std::string path = JoinPath(dir, kLockName);
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (fd.get() < 0) return Status::IOError(path + ": cannot open: " + std::strerror(errno));
    int rc;
    do {
      rc = ::flock(fd.get(), LOCK_EX);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) return Status::IOError(path + ": cannot lock: " + std::strerror(errno));
    return DirectoryLock(std::move(fd));
  }

 private:
  explicit DirectoryLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;  // Closing it releases the lock.
};

// What a shard's mutation log says, replayed: live inserted vectors by id and
// every deleted id.
struct ReplayedLog {
  std::map<std::uint64_t, std::vector<float>> inserted;  // Live only.
  std::set<std::uint64_t> deleted_base;                  // Deleted ids that are rows of the shard.
  std::size_t deleted_total = 0;
  std::uint64_t max_id_plus_one = 0;
  std::size_t records = 0;
  std::uint64_t torn_bytes = 0;
};

// Replays the log of `entry`. `in_shard` tells whether an id is a row of the shard.
template <typename InShard>
Result<ReplayedLog> ReplayLog(const std::string& dir, const ManifestShard& entry, std::size_t dim, InShard in_shard) {
  const std::string path = JoinPath(dir, entry.log);
  Result<LogContents> contents = ReadMutationLog(path, dim, entry.uid);
  if (!contents.ok()) return contents.status();
  ReplayedLog log;
  log.records = contents->records.size();
  log.torn_bytes = contents->torn_bytes;
  for (const LogRecord& record : contents->records) {
    const std::string at = path + ": record " + std::to_string(record.sequence) + ": ";
    for (std::size_t i = 0; i < record.ids.size(); ++i) {
      const std::uint64_t id = record.ids[i];
      if (record.type == LogRecordType::kInsert) {
        if (in_shard(id) || log.inserted.count(id) != 0) {
          return Status::Corruption(at + "inserts id " + std::to_string(id) + ", which is already taken");
        }
        log.inserted.emplace(
            id, std::vector<float>(record.vectors.begin() + i * dim, record.vectors.begin() + (i + 1) * dim));
        log.max_id_plus_one = std::max(log.max_id_plus_one, id + 1);
      } else {
        if (log.inserted.erase(id) == 0) {
          if (!in_shard(id) || !log.deleted_base.insert(id).second) {
            return Status::Corruption(at + "deletes id " + std::to_string(id) + ", which is not live");
          }
        }
        ++log.deleted_total;
      }
    }
  }
  return log;
}

// The encoding an index was built with, for shards rebuilt by compaction.
QuantizerOptions QuantizationOf(const IndexManifest& m, std::size_t threads) {
  QuantizerOptions q;
  q.encoding = m.encoding;
  q.pq_m = m.pq_m;
  q.seed = m.seed;
  q.threads = threads;
  return q;
}

// The quantizer and codes of shard `number`'s rows under `quantization`
// (none under float32). Errors name the shard, not the (staging) path:
// "shard 0: product quantizer: 100 training rows are fewer than ...".
struct ShardCodes {
  std::optional<Quantizer> quantizer;
  EncodedRows codes;
};
Result<ShardCodes> MakeShardCodes(std::size_t number, const HnswIndex& index, const QuantizerOptions& quantization) {
  ShardCodes out;
  if (quantization.encoding == Encoding::kFloat32) return out;
  Result<Quantizer> trained = Quantizer::Train(index.store().rows(), quantization);
  if (!trained.ok()) return trained.status().WithContext("shard " + std::to_string(number));
  out.quantizer = std::move(*trained);
  out.codes = out.quantizer->Encode(index.store().rows(), quantization.threads);
  return out;
}

// The shard at `path` of the index's rows and graph, with `codes` if any.
Result<WrittenShard> WriteShardWithCodes(const std::string& path, const HnswIndex& index, const ShardParams& base,
                                         const ShardCodes& codes, const FileOps& ops) {
  ShardParams params = base;
  if (codes.quantizer) {
    params.quantizer = &*codes.quantizer;
    params.codes = &codes.codes;
  }
  return WriteShard(path, index.store().rows(), index.store().ids(), index.graph().view(), params, ops);
}

// The options an index was built with, for graphs built over its vectors later
// (inserted vectors, compaction).
HnswBuildOptions BuildOptionsOf(const IndexManifest& m, std::size_t threads) {
  HnswBuildOptions build;
  build.M = m.M;
  build.ef_construction = m.ef_construction;
  build.seed = m.seed;
  build.threads = threads;
  return build;
}

Status CheckShardAgainstManifest(const Shard& shard, const ManifestShard& entry, const IndexManifest& m) {
  const ShardInfo& info = shard.info();
  std::string what;
  if (info.file_size != entry.bytes) {
    what = "size " + std::to_string(info.file_size) + ", manifest says " + std::to_string(entry.bytes);
  } else if (info.header_crc32c != entry.header_crc32c) {
    what = "header checksum differs from the manifest's (a shard of another build?)";
  } else if (info.uid != entry.uid) {
    what = "uid differs from the manifest's";
  } else if (info.rows != entry.rows) {
    what = std::to_string(info.rows) + " rows, manifest says " + std::to_string(entry.rows);
  } else if (const auto last = static_cast<std::uint32_t>(shard.size() - 1);
             shard.size() > 0 && (shard.id(0) < entry.id_begin || shard.id(last) >= entry.id_end)) {
    // Ids increase through a shard: its first and last bound them all.
    what = "ids " + std::to_string(shard.id(0)) + " to " + std::to_string(shard.id(last)) + ", manifest says [" +
           std::to_string(entry.id_begin) + ", " + std::to_string(entry.id_end) + ")";
  } else if (info.dim != m.dim || info.metric != m.metric || info.M != m.M) {
    what = "dimension, metric or M differ from the manifest's";
  } else if (info.encoding != m.encoding) {
    what = "encoding " + std::string(EncodingName(info.encoding)) + ", manifest says " +
           std::string(EncodingName(m.encoding));
  }
  if (what.empty()) return Status::Ok();
  return Status::Corruption(shard.path() + ": does not match the manifest (" + what + ")");
}

}  // namespace

struct StoredIndex::ShardState {
  std::size_t number = 0;  // In the manifest.
  ManifestShard entry;
  std::unique_ptr<Shard> shard;
  std::vector<std::uint8_t> excluded;  // Per node; empty when no row is deleted.
  std::size_t deleted_base = 0;
  std::size_t deleted_total = 0;
  std::unique_ptr<HnswIndex> delta;  // Live inserted vectors; null when none.
  std::unique_ptr<HnswSearcher> delta_searcher;
  std::unordered_set<std::uint64_t> deleted_ids;

  bool Contains(std::uint64_t id) const {
    if (deleted_ids.count(id) != 0) return false;
    if (shard->NodeOf(id)) return true;
    if (!delta) return false;
    std::span<const std::uint64_t> ids = delta->store().ids();
    return std::binary_search(ids.begin(), ids.end(), id);
  }
};

StoredIndex::~StoredIndex() = default;

Result<std::unique_ptr<StoredIndex>> StoredIndex::Open(const std::string& dir, const StoredIndexOptions& options) {
  Result<IndexManifest> manifest = ReadManifest(dir);
  if (!manifest.ok()) return manifest.status();
  std::unique_ptr<StoredIndex> index(new StoredIndex());
  index->dir_ = dir;
  index->manifest_ = std::move(*manifest);
  const IndexManifest& m = index->manifest_;
  index->next_id_ = m.next_id;
  std::vector<std::size_t> numbers = options.shards;
  if (numbers.empty()) {
    numbers.resize(m.shards.size());
    std::iota(numbers.begin(), numbers.end(), std::size_t{0});
  }
  std::sort(numbers.begin(), numbers.end());
  numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
  for (std::size_t number : numbers) {
    if (number >= m.shards.size()) {
      return Status::InvalidArgument(dir + ": has " + std::to_string(m.shards.size()) + " shard" +
                                     (m.shards.size() == 1 ? "" : "s") + ", shard " + std::to_string(number) +
                                     " asked for");
    }
    const ManifestShard& entry = m.shards[number];
    auto state = std::make_unique<ShardState>();
    state->number = number;
    state->entry = entry;
    Result<std::unique_ptr<Shard>> shard =
        Shard::Open(JoinPath(dir, entry.file), ShardOpenOptions{options.verify_vectors});
    if (!shard.ok()) return shard.status();
    state->shard = std::move(*shard);
    ZYPHYR_RETURN_IF_ERROR(CheckShardAgainstManifest(*state->shard, entry, m));

    const Shard& s = *state->shard;
    Result<ReplayedLog> log = ReplayLog(dir, entry, m.dim, [&s](std::uint64_t id) { return s.NodeOf(id).has_value(); });
    if (!log.ok()) return log.status();
    if (!log->deleted_base.empty()) {
      state->excluded.assign(s.size(), 0);
      for (std::uint64_t id : log->deleted_base) {
        state->excluded[*s.NodeOf(id)] = 1;
        state->deleted_ids.insert(id);
      }
    }
    state->deleted_base = log->deleted_base.size();
    state->deleted_total = log->deleted_total;
    if (!log->inserted.empty()) {
      VectorStore store(m.dim, m.metric);
      store.Reserve(log->inserted.size());
      for (const auto& [id, vec] : log->inserted) ZYPHYR_RETURN_IF_ERROR(store.Add(id, vec));
      Result<std::unique_ptr<HnswIndex>> delta = HnswIndex::Build(std::move(store), BuildOptionsOf(m, options.threads));
      if (!delta.ok()) return delta.status();
      state->delta = std::move(*delta);
      state->delta_searcher = std::make_unique<HnswSearcher>(state->delta->store().rows(), state->delta->graph().view(),
                                                             state->delta->kernels());
    }
    index->next_id_ = std::max(index->next_id_, log->max_id_plus_one);
    index->shards_.push_back(std::move(state));
  }
  return index;
}

Result<std::vector<Neighbor>> StoredIndex::Search(std::span<const float> query,
                                                  const HnswSearchOptions& options) const {
  if (options.k == 0) return Status::InvalidArgument("k must be at least 1");
  thread_local AlignedBuffer<float> prepared;
  const std::size_t stride = PaddedDim(manifest_.dim);
  if (prepared.size() < stride) prepared = AlignedBuffer<float>(stride);
  ZYPHYR_RETURN_IF_ERROR(PrepareVector(query, manifest_.dim, manifest_.metric, "query", prepared.data()));

  std::vector<Neighbor> merged;
  ZYPHYR_RETURN_IF_ERROR(SearchPrepared(prepared.data(), options, {}, &merged));
  for (Neighbor& n : merged) n.distance = ReportedDistance(manifest_.metric, n.distance);
  return merged;
}

Status StoredIndex::SearchPrepared(const float* query, const HnswSearchOptions& options,
                                   std::span<const std::size_t> only, std::vector<Neighbor>* out) const {
  const std::size_t ef = EffectiveEf(options);
  thread_local std::vector<ScoredNode> found;
  std::vector<Neighbor>& merged = *out;
  merged.clear();
  for (const auto& state : shards_) {
    if (!only.empty() && std::find(only.begin(), only.end(), state->number) == only.end()) continue;
    if (const QuantizedSearcher* codes = state->shard->quantized_searcher()) {
      const std::size_t rerank = EffectiveRerank(options, state->shard->encoding());
      ZYPHYR_RETURN_IF_ERROR(codes->Search(query, ef, options.k, rerank, &found, state->excluded));
    } else {
      state->shard->searcher().Search(query, ef, &found, state->excluded);
    }
    for (const ScoredNode& s : found) merged.push_back({s.distance, state->shard->id(s.node)});
    if (state->delta_searcher) {
      state->delta_searcher->Search(query, ef, &found);
      for (const ScoredNode& s : found) merged.push_back({s.distance, state->delta->store().id(s.node)});
    }
  }
  const std::size_t keep = std::min(options.k, merged.size());
  std::partial_sort(merged.begin(), merged.begin() + static_cast<std::ptrdiff_t>(keep), merged.end(),
                    [](const Neighbor& a, const Neighbor& b) {
                      return a.distance < b.distance || (a.distance == b.distance && a.id < b.id);
                    });
  merged.resize(keep);
  return Status::Ok();
}

std::size_t StoredIndex::live_rows() const {
  std::size_t rows = 0;
  for (const auto& s : shards_) rows += s->shard->size() - s->deleted_base + (s->delta ? s->delta->size() : 0);
  return rows;
}

std::size_t StoredIndex::inserted_rows() const {
  std::size_t rows = 0;
  for (const auto& s : shards_) rows += s->delta ? s->delta->size() : 0;
  return rows;
}

std::size_t StoredIndex::deleted_ids() const {
  std::size_t n = 0;
  for (const auto& s : shards_) n += s->deleted_total;
  return n;
}

bool StoredIndex::Contains(std::uint64_t id) const {
  for (const auto& s : shards_) {
    if (s->Contains(id)) return true;
  }
  return false;
}

std::size_t StoredIndex::shard_count() const { return shards_.size(); }
const Shard& StoredIndex::shard(std::size_t i) const { return *shards_[i]->shard; }
std::size_t StoredIndex::shard_number(std::size_t i) const { return shards_[i]->number; }

std::size_t StoredIndex::ResidentBytes() const {
  std::size_t bytes = 0;
  for (const auto& s : shards_) bytes += s->shard->ResidentBytes() + (s->delta ? s->delta->MemoryBytes() : 0);
  return bytes;
}

std::size_t StoredIndex::SearchBytes() const {
  std::size_t bytes = 0;
  for (const auto& s : shards_) bytes += s->shard->SearchBytes() + (s->delta ? s->delta->MemoryBytes() : 0);
  return bytes;
}

std::optional<std::size_t> StoredIndex::ShardHolding(std::uint64_t id) const {
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    if (shards_[i]->Contains(id)) return i;
  }
  return std::nullopt;
}

bool StoredIndex::WasDeleted(std::uint64_t id) const {
  for (const auto& s : shards_) {
    if (s->deleted_ids.count(id) != 0) return true;
  }
  return false;
}

void StoredIndex::CollectLive(std::size_t i, std::vector<std::uint64_t>* ids, std::vector<float>* rows) const {
  const std::size_t dim = manifest_.dim;
  const ShardState& s = *shards_[i];
  std::vector<std::pair<std::uint64_t, const float*>> live;
  for (std::size_t node = 0; node < s.shard->size(); ++node) {
    if (s.excluded.empty() || !s.excluded[node])
      live.emplace_back(s.shard->id(static_cast<std::uint32_t>(node)), s.shard->rows().row(node));
  }
  if (s.delta) {
    for (std::size_t j = 0; j < s.delta->size(); ++j)
      live.emplace_back(s.delta->store().id(j), s.delta->store().row(j));
  }
  std::sort(live.begin(), live.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [id, row] : live) {
    ids->push_back(id);
    rows->insert(rows->end(), row, row + dim);
  }
}

Status CheckIndexDirectoryIsNew(const std::string& dir) {
  std::error_code ec;
  if (std::filesystem::symlink_status(dir, ec).type() != std::filesystem::file_type::not_found && !ec) {
    return Status::InvalidArgument(dir + ": already exists (remove it or choose another --index)");
  }
  return Status::Ok();
}

namespace {

std::string TrimSlashes(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

}  // namespace

Result<std::string> CreateStagingDirectory(const std::string& dir) {
  RemoveStaleTemporaries(dir);
  const std::string tmp = TempPathFor(TrimSlashes(dir));
  if (::mkdir(tmp.c_str(), 0755) != 0) return Status::IOError(dir + ": cannot create: " + std::strerror(errno));
  RegisterForInterruptCleanup(tmp, CleanupKind::kTree);
  if (Status owned = WriteStagingOwner(tmp); !owned.ok()) {
    RemoveStagingDirectory(tmp);
    return owned;
  }
  return tmp;
}

void RemoveStagingDirectory(const std::string& staging) {
  std::error_code ignored;
  std::filesystem::remove_all(staging, ignored);
  UnregisterFromInterruptCleanup(staging);
}

Result<ManifestShard> BuildShardFile(const std::string& dir, std::size_t number, VectorStore store,
                                     const HnswBuildOptions& hnsw, const QuantizerOptions& quantization,
                                     const FileOps& ops) {
  const std::span<const std::uint64_t> ids = store.ids();
  for (std::size_t i = 1; i < ids.size(); ++i) {
    if (ids[i] <= ids[i - 1]) return Status::InvalidArgument(dir + ": ids must increase");
  }
  ManifestShard entry;
  entry.file = ShardFileName(number, 1);
  entry.log = ShardLogName(number, 1);
  entry.uid = RandomUid();
  entry.rows = store.size();
  entry.id_begin = ids.empty() ? 0 : ids.front();
  entry.id_end = ids.empty() ? 0 : ids.back() + 1;
  Result<std::unique_ptr<HnswIndex>> index = HnswIndex::Build(std::move(store), hnsw);
  if (!index.ok()) return index.status();
  Result<ShardCodes> codes = MakeShardCodes(number, **index, quantization);
  if (!codes.ok()) return codes.status();
  Result<WrittenShard> written = WriteShardWithCodes(
      JoinPath(dir, entry.file), **index,
      ShardParams{static_cast<std::uint32_t>(std::max(hnsw.ef_construction, hnsw.M)), hnsw.seed, entry.uid}, *codes,
      ops);
  if (!written.ok()) return written.status().WithContext(dir);
  entry.bytes = written->bytes;
  entry.header_crc32c = written->header_crc32c;
  return entry;
}

Status PublishIndexDirectory(const std::string& staging, const std::string& dir, const IndexManifest& manifest) {
  ZYPHYR_RETURN_IF_ERROR(WriteManifest(staging, manifest));
  {
    UniqueFd fd(::open(JoinPath(staging, kLockName).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (fd.get() < 0) return Status::IOError(dir + ": cannot create the lock file: " + std::strerror(errno));
  }
  // The owner file only tells a stale staging directory from a live one.
  if (::unlink(JoinPath(staging, kStagingOwnerName).c_str()) != 0 && errno != ENOENT) {
    return Status::IOError(dir + ": cannot remove " + JoinPath(staging, kStagingOwnerName) + ": " +
                           std::strerror(errno));
  }
  ZYPHYR_RETURN_IF_ERROR(FsyncParentDirectory(JoinPath(staging, kManifestName)));
  const std::string trimmed = TrimSlashes(dir);
  if (::rename(staging.c_str(), trimmed.c_str()) != 0) {
    const int err = errno;
    if (err == EEXIST || err == ENOTEMPTY) {
      return Status::InvalidArgument(dir + ": already exists (remove it or choose another --index)");
    }
    return Status::IOError(dir + ": cannot rename " + staging + " into place: " + std::strerror(err));
  }
  UnregisterFromInterruptCleanup(staging);
  return FsyncParentDirectory(trimmed);
}

Status BuildIndexDirectory(const std::string& dir, VectorStore store, const IndexBuildParams& params,
                           const FileOps& ops) {
  const auto start = std::chrono::steady_clock::now();
  ZYPHYR_RETURN_IF_ERROR(CheckIndexDirectoryIsNew(dir));
  Result<std::string> staging = CreateStagingDirectory(dir);
  if (!staging.ok()) return staging.status();
  // Removes the half-built directory on any failure.
  struct Cleanup {
    std::string path;
    ~Cleanup() {
      if (!path.empty()) RemoveStagingDirectory(path);
    }
  } cleanup{*staging};

  IndexManifest m;
  m.dim = store.dim();
  m.metric = store.metric();
  m.M = params.hnsw.M;
  m.ef_construction = params.hnsw.ef_construction;
  m.seed = params.hnsw.seed;
  m.rows = store.size();
  m.next_id = store.size() == 0 ? 0 : store.ids().back() + 1;
  m.generation = 1;
  m.source = params.source;
  m.encoding = params.quantization.encoding;
  m.pq_m =
      m.encoding == Encoding::kPq ? (params.quantization.pq_m == 0 ? DefaultPqM(m.dim) : params.quantization.pq_m) : 0;
  QuantizerOptions quantization = params.quantization;
  quantization.pq_m = m.pq_m;
  Result<ManifestShard> entry = BuildShardFile(*staging, 0, std::move(store), params.hnsw, quantization, ops);
  if (!entry.ok()) return entry.status();
  m.shards.push_back(*entry);
  m.build_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ZYPHYR_RETURN_IF_ERROR(PublishIndexDirectory(*staging, dir, m));
  cleanup.path.clear();
  return Status::Ok();
}

namespace {

// Reads the manifest and every log (no shard opened): the id the next insert gets.
Result<std::uint64_t> NextId(const std::string& dir, const IndexManifest& m) {
  std::uint64_t next = m.next_id;
  for (const ManifestShard& entry : m.shards) {
    Result<LogContents> log = ReadMutationLog(JoinPath(dir, entry.log), m.dim, entry.uid);
    if (!log.ok()) return log.status();
    for (const LogRecord& r : log->records) {
      if (r.type != LogRecordType::kInsert) continue;
      for (std::uint64_t id : r.ids) next = std::max(next, id + 1);
    }
  }
  return next;
}

}  // namespace

Result<std::uint64_t> InsertIntoIndex(const std::string& dir, std::span<const float> rows, std::size_t count,
                                      const FileOps& ops) {
  Result<IndexManifest> m = ReadManifest(dir);
  if (!m.ok()) return m.status();
  if (count == 0) return Status::InvalidArgument("nothing to insert");
  if (rows.size() != count * m->dim) {
    return Status::InvalidArgument("vectors have dimension " + std::to_string(rows.size() / count) + ", the index " +
                                   dir + " has " + std::to_string(m->dim));
  }
  AlignedBuffer<float> scratch(PaddedDim(m->dim));
  for (std::size_t i = 0; i < count; ++i) {
    ZYPHYR_RETURN_IF_ERROR(PrepareVector(rows.subspan(i * m->dim, m->dim), m->dim, m->metric,
                                         "vector " + std::to_string(i), scratch.data()));
  }
  Result<DirectoryLock> lock = DirectoryLock::Acquire(dir);
  if (!lock.ok()) return lock.status();
  // Re-read under the lock: a compaction may have replaced the manifest.
  m = ReadManifest(dir);
  if (!m.ok()) return m.status();
  Result<std::uint64_t> first = NextId(dir, *m);
  if (!first.ok()) return first.status();
  std::vector<std::uint64_t> ids(count);
  for (std::size_t i = 0; i < count; ++i) ids[i] = *first + i;
  // Each vector goes to the last shard, or under k-means to the shard whose
  // centroid is nearest, so routed searches find it.
  std::vector<std::size_t> target(count, m->shards.size() - 1);
  if (m->partition == "kmeans") {
    std::vector<float> centroids;
    for (const ManifestShard& entry : m->shards)
      centroids.insert(centroids.end(), entry.centroid.begin(), entry.centroid.end());
    for (std::size_t i = 0; i < count; ++i) {
      ZYPHYR_RETURN_IF_ERROR(PrepareVector(rows.subspan(i * m->dim, m->dim), m->dim, m->metric,
                                           "vector " + std::to_string(i), scratch.data()));
      target[i] = NearestCentroids(std::span<const float>(scratch.data(), m->dim), centroids, m->dim, 1).front();
    }
  }
  for (std::size_t shard = 0; shard < m->shards.size(); ++shard) {
    std::vector<std::uint64_t> shard_ids;
    std::vector<float> shard_rows;
    for (std::size_t i = 0; i < count; ++i) {
      if (target[i] != shard) continue;
      shard_ids.push_back(ids[i]);
      shard_rows.insert(shard_rows.end(), rows.begin() + i * m->dim, rows.begin() + (i + 1) * m->dim);
    }
    if (shard_ids.empty()) continue;
    const ManifestShard& entry = m->shards[shard];
    Result<MutationLogWriter> writer = MutationLogWriter::Open(JoinPath(dir, entry.log), m->dim, entry.uid, ops);
    if (!writer.ok()) return writer.status();
    ZYPHYR_RETURN_IF_ERROR(writer->AppendInsert(shard_ids, shard_rows));
  }
  return *first;
}

Result<std::size_t> DeleteFromIndex(const std::string& dir, std::span<const std::uint64_t> ids, const FileOps& ops) {
  Result<DirectoryLock> lock = DirectoryLock::Acquire(dir);
  if (!lock.ok()) return lock.status();
  Result<std::unique_ptr<StoredIndex>> index = StoredIndex::Open(dir);
  if (!index.ok()) return index.status();
  std::vector<std::uint64_t> unique(ids.begin(), ids.end());
  std::sort(unique.begin(), unique.end());
  unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
  if (unique.empty()) return Status::InvalidArgument("no ids to delete");
  const IndexManifest& m = (*index)->manifest();
  std::vector<std::vector<std::uint64_t>> per_shard(m.shards.size());
  for (std::uint64_t id : unique) {
    std::optional<std::size_t> shard = (*index)->ShardHolding(id);
    if (shard) {
      per_shard[*shard].push_back(id);
    } else if ((*index)->WasDeleted(id)) {
      return Status::InvalidArgument("id " + std::to_string(id) + " is already deleted");
    } else {
      return Status::InvalidArgument("id " + std::to_string(id) + " is not in the index");
    }
  }
  for (std::size_t i = 0; i < per_shard.size(); ++i) {
    if (per_shard[i].empty()) continue;
    const ManifestShard& entry = m.shards[i];
    Result<MutationLogWriter> writer = MutationLogWriter::Open(JoinPath(dir, entry.log), m.dim, entry.uid, ops);
    if (!writer.ok()) return writer.status();
    ZYPHYR_RETURN_IF_ERROR(writer->AppendDelete(per_shard[i]));
  }
  return unique.size();
}

Result<CompactReport> CompactIndex(const std::string& dir, std::size_t threads, const FileOps& ops) {
  Result<DirectoryLock> lock = DirectoryLock::Acquire(dir);
  if (!lock.ok()) return lock.status();
  RemoveStaleTemporaries(dir);  // Staging directories of killed builds of this index.
  // From holding the lock (not waiting for it) to the new manifest.
  const auto start = std::chrono::steady_clock::now();
  StoredIndexOptions open_options;
  open_options.threads = threads;
  Result<std::unique_ptr<StoredIndex>> opened = StoredIndex::Open(dir, open_options);
  if (!opened.ok()) return opened.status();
  const StoredIndex& index = **opened;
  const IndexManifest& old = index.manifest();
  IndexManifest next = old;
  next.generation = old.generation + 1;
  next.next_id = index.next_id();
  next.rows = 0;
  next.shards.clear();
  CompactReport report;
  report.generation = next.generation;
  report.inserted = index.inserted_rows();
  report.deleted = index.deleted_ids();

  // The new shards are strays until the manifest names them: removed on a
  // failure and by an interrupt.
  struct UnpublishedFiles {
    std::vector<std::string> paths;
    void Add(const std::string& path) {
      paths.push_back(path);
      RegisterForInterruptCleanup(path, CleanupKind::kFile);
    }
    void Published() {
      for (const std::string& path : paths) UnregisterFromInterruptCleanup(path);
      paths.clear();
    }
    ~UnpublishedFiles() {
      for (const std::string& path : paths) {
        RemoveQuietly(path);
        UnregisterFromInterruptCleanup(path);
      }
    }
  } unpublished;
  for (std::size_t i = 0; i < index.shard_count(); ++i) {
    std::vector<std::uint64_t> live_ids;
    std::vector<float> live_rows;
    index.CollectLive(i, &live_ids, &live_rows);
    VectorStore store(old.dim, old.metric);
    store.Reserve(live_ids.size());
    ZYPHYR_RETURN_IF_ERROR(store.AddBatch(live_ids, live_rows));

    Result<std::unique_ptr<HnswIndex>> rebuilt = HnswIndex::Build(std::move(store), BuildOptionsOf(old, threads));
    if (!rebuilt.ok()) return rebuilt.status();
    ManifestShard entry;
    entry.file = ShardFileName(i, next.generation);
    entry.log = ShardLogName(i, next.generation);
    entry.uid = RandomUid();
    entry.rows = (*rebuilt)->size();
    entry.id_begin = old.shards[i].id_begin;
    entry.centroid = old.shards[i].centroid;
    entry.id_end = std::max(old.shards[i].id_end, live_ids.empty() ? 0 : live_ids.back() + 1);
    Result<ShardCodes> codes = MakeShardCodes(i, **rebuilt, QuantizationOf(old, threads));
    if (!codes.ok()) return codes.status();
    Result<WrittenShard> written = WriteShardWithCodes(
        JoinPath(dir, entry.file), **rebuilt,
        ShardParams{static_cast<std::uint32_t>(std::max(old.ef_construction, old.M)), old.seed, entry.uid}, *codes,
        ops);
    if (!written.ok()) return written.status();
    unpublished.Add(JoinPath(dir, entry.file));
    entry.bytes = written->bytes;
    entry.header_crc32c = written->header_crc32c;
    next.rows += entry.rows;
    next.shards.push_back(entry);
  }
  report.rows = next.rows;
  // The compaction rebuilt every shard the new manifest names, so its own
  // time is their build time (the original build's describes files it removes).
  next.build_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // The instant the compaction takes effect. Before it, the new shards are
  // strays the next compaction removes; after it, the old files are.
  if (Status committed = WriteManifest(dir, next); !committed.ok()) {
    // A failure after the rename (the directory's fsync) leaves the new
    // manifest in place: its shards must stay.
    Result<IndexManifest> now = ReadManifest(dir);
    if (now.ok() && now->generation == next.generation) unpublished.Published();
    return committed;
  }
  unpublished.Published();
  std::set<std::string> keep = {kManifestName, kLockName};
  for (const ManifestShard& entry : next.shards) {
    keep.insert(entry.file);
    keep.insert(entry.log);
  }
  std::error_code ec;
  for (const auto& file : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = file.path().filename().string();
    const bool ours = name.rfind("shard-", 0) == 0 || name.rfind(".shard-", 0) == 0 ||
                      name.rfind(std::string(".") + kManifestName + ".tmp-", 0) == 0;
    if (ours && keep.count(name) == 0) RemoveQuietly(file.path().string());
  }
  return report;
}

Result<std::vector<std::string>> VerifyPath(const std::string& path) {
  std::vector<std::string> lines;
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) {
    Result<std::unique_ptr<Shard>> shard = Shard::Open(path, ShardOpenOptions{true});
    if (!shard.ok()) return shard.status();
    lines.push_back(path + ": header, " + std::to_string((*shard)->info().sections.size()) +
                    " section checksums and graph structure ok (" + std::to_string((*shard)->size()) + " rows)");
    return lines;
  }
  Result<std::unique_ptr<StoredIndex>> index = StoredIndex::Open(path, StoredIndexOptions{true, 1, {}});
  if (!index.ok()) return index.status();
  const IndexManifest& m = (*index)->manifest();
  lines.push_back(JoinPath(path, kManifestName) + ": ok (generation " + std::to_string(m.generation) + ", " +
                  std::to_string(m.shards.size()) + " shard" + (m.shards.size() == 1 ? "" : "s") + ")");
  for (std::size_t i = 0; i < m.shards.size(); ++i) {
    const Shard& shard = (*index)->shard(i);
    lines.push_back(shard.path() + ": header, " + std::to_string(shard.info().sections.size()) +
                    " section checksums and graph structure ok (" + std::to_string(shard.size()) +
                    " rows), matches the manifest");
    const std::string log_path = JoinPath(path, m.shards[i].log);
    Result<LogContents> log = ReadMutationLog(log_path, m.dim, m.shards[i].uid);
    if (!log.ok()) return log.status();
    std::string line = log_path + ": " + std::to_string(log->records.size()) + " records ok";
    if (log->torn_bytes > 0) {
      line += ", a torn tail of " + std::to_string(log->torn_bytes) + " bytes (an unacknowledged write; dropped)";
    }
    lines.push_back(line);
  }
  lines.push_back(path + ": " + std::to_string((*index)->live_rows()) + " live vectors (" +
                  std::to_string((*index)->inserted_rows()) + " inserted, " + std::to_string((*index)->deleted_ids()) +
                  " deleted since the last compaction)");
  return lines;
}

}  // namespace zyphyr
