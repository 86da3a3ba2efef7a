#include "storage/stored_index.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <unordered_set>

#include "src/core/aligned_buffer.h"
#include "src/index/hnsw_searcher.h"
#include "storage/index_directory.h"
#include "storage/mutation_log.h"

namespace zyphyr {
namespace {

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

Status CheckShardAgainstManifest(const Shard& shard, const ManifestShard& entry, const IndexManifest& m) {
  const ShardHeader& info = shard.info();
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
  } else if (info.element_type != m.element_type) {
    what = std::string(ElementTypeName(info.element_type)) + " rows, manifest says " +
           std::string(ElementTypeName(m.element_type));
  }
  if (what.empty()) return Status::Ok();
  return Status::Corruption(shard.path() + ": does not match the manifest (" + what + ")");
}

}  // namespace

HnswBuildOptions BuildOptionsOf(const IndexManifest& m, std::size_t threads) {
  return {.M = m.M, .ef_construction = m.ef_construction, .threads = threads, .seed = m.seed};
}

struct StoredIndex::ShardState {
  std::size_t number = 0;  // In the manifest.
  ManifestShard entry;
  std::unique_ptr<Shard> shard;
  std::vector<std::uint8_t> excluded;  // Per node; empty when no row is deleted.
  std::size_t deleted_base = 0;
  std::size_t deleted_total = 0;
  // Live inserted vectors, in id order: in `delta` when indexed (then
  // searched with delta_searcher), else in `inserted`.
  std::optional<VectorStore> inserted;
  std::unique_ptr<HnswIndex> delta;
  std::unique_ptr<HnswSearcher> delta_searcher;
  std::unordered_set<std::uint64_t> deleted_ids;

  // Null when none were inserted.
  const VectorStore* inserted_rows() const { return delta ? &delta->store() : inserted ? &*inserted : nullptr; }
  std::size_t inserted_count() const { return inserted_rows() ? inserted_rows()->size() : 0; }

  bool Contains(std::uint64_t id) const {
    if (deleted_ids.count(id) != 0) return false;
    if (shard->NodeOf(id)) return true;
    if (!inserted_rows()) return false;
    std::span<const std::uint64_t> ids = inserted_rows()->ids();
    return std::binary_search(ids.begin(), ids.end(), id);
  }

  // Applies the replayed `log`: deletions masked, inserted vectors held, and
  // indexed when `options` says how.
  Status Apply(const ReplayedLog& log, const IndexManifest& m, const StoredIndexOptions& options);
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
        Shard::Open(JoinPath(dir, entry.file), ShardOpenOptions{options.verify_vectors, options.rerank_rows});
    if (!shard.ok()) return shard.status();
    state->shard = std::move(*shard);
    ZYPHYR_RETURN_IF_ERROR(CheckShardAgainstManifest(*state->shard, entry, m));

    const Shard& s = *state->shard;
    Result<ReplayedLog> log = ReplayLog(dir, entry, m.dim, [&s](std::uint64_t id) { return s.NodeOf(id).has_value(); });
    if (!log.ok()) return log.status();
    ZYPHYR_RETURN_IF_ERROR(state->Apply(*log, m, options));
    index->next_id_ = std::max(index->next_id_, log->max_id_plus_one);
    index->shards_.push_back(std::move(state));
  }
  return index;
}

Status StoredIndex::ShardState::Apply(const ReplayedLog& log, const IndexManifest& m,
                                      const StoredIndexOptions& options) {
  const Shard& s = *shard;
  if (!log.deleted_base.empty()) {
    excluded.assign(s.size(), 0);
    for (std::uint64_t id : log.deleted_base) {
      excluded[*s.NodeOf(id)] = 1;
      deleted_ids.insert(id);
    }
  }
  deleted_base = log.deleted_base.size();
  deleted_total = log.deleted_total;
  if (log.inserted.empty()) return Status::Ok();
  VectorStore store(m.dim, m.metric);
  store.Reserve(log.inserted.size());
  for (const auto& [id, vec] : log.inserted) ZYPHYR_RETURN_IF_ERROR(store.Add(id, vec));
  if (options.index_inserted == nullptr) {
    inserted = std::move(store);
    return Status::Ok();
  }
  Result<std::unique_ptr<HnswIndex>> built =
      options.index_inserted(std::move(store), BuildOptionsOf(m, options.threads));
  if (!built.ok()) return built.status();
  delta = std::move(*built);
  delta_searcher = std::make_unique<HnswSearcher>(delta->store().rows(), delta->graph().view(), delta->kernels());
  return Status::Ok();
}

Result<std::vector<Neighbor>> StoredIndex::Search(std::span<const float> query,
                                                  const HnswSearchOptions& options) const {
  if (options.k == 0) return Status::InvalidArgument("k must be at least 1");
  thread_local AlignedBuffer<float> prepared;
  const std::size_t stride = PaddedDim(manifest_.dim);
  if (prepared.size() < stride) prepared = AlignedBuffer<float>(stride);
  ZYPHYR_RETURN_IF_ERROR(PrepareVector(query, manifest_.dim, manifest_.metric, "query", prepared.data()));
  ZYPHYR_RETURN_IF_ERROR(
      CheckFitsElementType(query, manifest_.element_type, "query", StoresText(manifest_.element_type)));

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
      state->shard->searcher()->Search(query, ef, &found, state->excluded);
    }
    for (const ScoredNode& s : found) merged.push_back({s.distance, state->shard->id(s.node)});
    if (state->inserted) {
      return Status::Internal(dir_ + ": opened without indexing its inserted vectors");
    }
    if (state->delta_searcher) {
      state->delta_searcher->Search(query, ef, &found);
      for (const ScoredNode& s : found) merged.push_back({s.distance, state->delta->store().id(s.node)});
    }
  }
  const std::size_t keep = std::min(options.k, merged.size());
  std::partial_sort(merged.begin(), merged.begin() + static_cast<std::ptrdiff_t>(keep), merged.end(),
                    NeighborOrder{});
  merged.resize(keep);
  return Status::Ok();
}

std::size_t StoredIndex::live_rows() const {
  std::size_t rows = 0;
  for (const auto& s : shards_) rows += s->shard->size() - s->deleted_base + s->inserted_count();
  return rows;
}

std::size_t StoredIndex::inserted_rows() const {
  std::size_t rows = 0;
  for (const auto& s : shards_) rows += s->inserted_count();
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
  // (id, shard node) or (id, inserted row + the shard's size), in id order.
  std::vector<std::pair<std::uint64_t, std::size_t>> live;
  const std::size_t n = s.shard->size();
  for (std::size_t node = 0; node < n; ++node) {
    if (s.excluded.empty() || !s.excluded[node]) live.emplace_back(s.shard->id(static_cast<std::uint32_t>(node)), node);
  }
  const VectorStore* inserted = s.inserted_rows();
  if (inserted != nullptr) {
    for (std::size_t j = 0; j < inserted->size(); ++j) live.emplace_back(inserted->id(j), n + j);
  }
  std::sort(live.begin(), live.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [id, at] : live) {
    ids->push_back(id);
    if (at < n) {
      s.shard->AppendRow(static_cast<std::uint32_t>(at), rows);
    } else {
      const float* row = inserted->row(at - n);
      rows->insert(rows->end(), row, row + dim);
    }
  }
}

}  // namespace zyphyr
