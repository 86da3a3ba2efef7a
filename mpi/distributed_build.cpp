#include "mpi/distributed_build.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <numeric>
#include <utility>
#include <vector>

#include "builder/new_index.h"
#include "builder/shard_build.h"
#include "mpi/messages.h"
#include "mpi/shard_assignment.h"
#include "src/core/vector_store.h"
#include "src/partition/kmeans.h"
#include "storage/index_directory.h"
#include "storage/interrupt_cleanup.h"

namespace zyphyr {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// What a rank built, sent to rank 0.
struct RankReport {
  std::vector<ManifestShard> shards;
  double build_seconds = 0;
  template <typename Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& shards& build_seconds;
  }
};

// The rows of one shard, ready to build.
struct ShardRows {
  std::vector<std::uint64_t> ids;
  std::vector<float> rows;  // ids.size() * dim.
};

// Shard `number` of the index `m` describes (its shards not yet named). The
// rows of `part` are released once copied into the store, before the graph
// is built.
Result<ManifestShard> BuildOne(const std::string& staging, std::size_t number, ShardRows part, const IndexManifest& m,
                               const HnswBuildOptions& hnsw) {
  if (part.ids.empty()) {
    return Status::InvalidArgument("shard " + std::to_string(number) + " would hold no rows (use fewer --shards)");
  }
  if (IsByteElement(m.element_type)) {
    for (std::size_t i = 0; i < part.ids.size(); ++i) {
      ZYPHYR_RETURN_IF_ERROR(CheckFitsElementType({&part.rows[i * m.dim], m.dim}, m.element_type,
                                                  m.source + ": row " + std::to_string(part.ids[i])));
    }
  }
  VectorStore store(m.dim, m.metric);
  store.Reserve(part.ids.size());
  ZYPHYR_RETURN_IF_ERROR(store.AddBatch(part.ids, part.rows));
  part = ShardRows();
  return BuildShardFile(staging, number, std::move(store), hnsw, QuantizationOf(m, hnsw.threads), m.element_type);
}

// Range partition: each owned shard is one hyperslab of the file.
Result<std::vector<ManifestShard>> BuildRangeShards(const TrainRows& reader, const std::string& staging,
                                                    std::size_t shards, IndexRange mine, const IndexManifest& m,
                                                    const HnswBuildOptions& hnsw) {
  const std::size_t n = reader.rows();
  const std::size_t dim = reader.dim();
  std::vector<ManifestShard> built;
  for (std::size_t s = mine.begin; s < mine.end; ++s) {
    const IndexRange rows = EvenPart(n, shards, s);
    ShardRows part;
    part.ids.resize(rows.size());
    std::iota(part.ids.begin(), part.ids.end(), std::uint64_t{rows.begin});
    part.rows.resize(rows.size() * dim);
    ZYPHYR_RETURN_IF_ERROR(reader.Read(rows.begin, rows.size(), part.rows));
    Result<ManifestShard> entry = BuildOne(staging, s, std::move(part), m, hnsw);
    if (!entry.ok()) return entry.status();
    built.push_back(std::move(*entry));
  }
  return built;
}

// This rank's slice of rows as the engine stores them (normalised under
// cosine), dim floats each, unpadded.
Result<std::vector<float>> PreparedSlice(const TrainRows& reader, IndexRange slice, Metric metric) {
  const std::size_t dim = reader.dim();
  std::vector<float> raw(slice.size() * dim);
  ZYPHYR_RETURN_IF_ERROR(reader.Read(slice.begin, slice.size(), raw));
  if (metric != Metric::kCosine) return raw;
  VectorStore store(dim, metric);
  store.Reserve(slice.size());
  std::vector<std::uint64_t> ids(slice.size());
  std::iota(ids.begin(), ids.end(), std::uint64_t{slice.begin});
  ZYPHYR_RETURN_IF_ERROR(store.AddBatch(ids, raw));
  for (std::size_t i = 0; i < slice.size(); ++i) std::memcpy(&raw[i * dim], store.row(i), dim * sizeof(float));
  return raw;
}

std::size_t SampleSize(const DistributedBuildParams& p, std::size_t n, std::size_t shards, std::size_t dim) {
  std::size_t sample = p.kmeans_sample != 0 ? p.kmeans_sample : std::max<std::size_t>(20000, 64 * shards);
  sample = std::min(sample, (std::size_t{1} << 30) / (dim * sizeof(float)));
  return std::max(std::min(sample, n), shards);
}

// Trains the S centroids on rank 0 over a sample of every rank's `rows` (its
// slice), evenly spaced over each slice; every rank gets them.
Result<std::vector<float>> TrainCentroids(Communicator& comm, const std::vector<float>& rows, std::size_t n,
                                          std::size_t shards, std::size_t dim, const DistributedBuildParams& p) {
  const auto ranks = static_cast<std::size_t>(comm.size());
  const auto rank = static_cast<std::size_t>(comm.rank());
  const std::size_t slice = rows.size() / dim;
  const std::size_t share = std::min(EvenPart(SampleSize(p, n, shards, dim), ranks, rank).size(), slice);
  std::string sample(share * dim * sizeof(float), '\0');
  for (std::size_t j = 0; j < share; ++j) {
    const std::size_t i = j * slice / share;
    std::memcpy(&sample[j * dim * sizeof(float)], &rows[i * dim], dim * sizeof(float));
  }
  Result<std::vector<std::string>> gathered = comm.Gather(sample);
  if (!gathered.ok()) return gathered.status();
  std::vector<float> centroids;
  Status trained;
  if (comm.is_root()) {
    std::vector<float> all;
    for (const std::string& part : *gathered) {
      const auto* f = reinterpret_cast<const float*>(part.data());
      all.insert(all.end(), f, f + part.size() / sizeof(float));
    }
    KMeansOptions options;
    options.clusters = shards;
    options.iterations = p.kmeans_iterations;
    options.seed = p.hnsw.seed;
    options.threads = p.hnsw.threads;
    Result<std::vector<float>> model = TrainKMeans(all, dim, options);
    if (model.ok()) centroids = std::move(*model);
    trained = model.status();
  }
  ZYPHYR_RETURN_IF_ERROR(comm.Agree(trained));
  ZYPHYR_RETURN_IF_ERROR(comm.Broadcast(&centroids));
  return centroids;
}

// Sends each row of this rank's slice (rows [first, ...), emptied) to the rank
// owning the shard of its nearest centroid, as records (shard, id, dim
// floats); returns the rows of this rank's shards `mine`, ids increasing.
Result<std::vector<ShardRows>> ExchangeRows(Communicator& comm, std::vector<float>* rows, std::size_t first,
                                            const std::vector<float>& centroids, std::size_t shards, IndexRange mine,
                                            std::size_t dim, std::size_t threads) {
  const auto ranks = static_cast<std::size_t>(comm.size());
  const std::size_t slice = rows->size() / dim;
  const std::vector<std::uint32_t> nearest = AssignNearest(*rows, dim, centroids, threads);
  const std::size_t record = 2 * sizeof(std::uint64_t) + dim * sizeof(float);
  std::vector<std::vector<std::byte>> to(ranks);
  for (std::size_t i = 0; i < slice; ++i) {
    const std::uint64_t header[2] = {nearest[i], first + i};
    std::vector<std::byte>& out = to[RankOfShard(shards, ranks, nearest[i])];
    const std::size_t at = out.size();
    out.resize(at + record);
    std::memcpy(&out[at], header, sizeof(header));
    std::memcpy(&out[at + sizeof(header)], &(*rows)[i * dim], dim * sizeof(float));
  }
  rows->clear();
  rows->shrink_to_fit();
  Result<std::vector<std::byte>> received = comm.AllToAll(to, record);
  to.clear();
  if (!received.ok()) return received.status();

  // Slices arrive in rank order and each in row order, so ids increase.
  std::vector<ShardRows> parts(mine.size());
  for (std::size_t at = 0; at < received->size(); at += record) {
    std::uint64_t header[2];
    std::memcpy(header, &(*received)[at], sizeof(header));
    ShardRows& part = parts[header[0] - mine.begin];
    part.ids.push_back(header[1]);
    const std::size_t old = part.rows.size();
    part.rows.resize(old + dim);
    std::memcpy(&part.rows[old], &(*received)[at + sizeof(header)], dim * sizeof(float));
  }
  return parts;
}

// K-means partition: sample, train on rank 0, assign, exchange rows.
Result<std::vector<ManifestShard>> BuildKMeansShards(Communicator& comm, const TrainRows& reader,
                                                     const std::string& staging, std::size_t shards, IndexRange mine,
                                                     const IndexManifest& m, const DistributedBuildParams& p) {
  const std::size_t n = reader.rows();
  const std::size_t dim = reader.dim();
  const IndexRange slice = EvenPart(n, static_cast<std::size_t>(comm.size()), static_cast<std::size_t>(comm.rank()));
  Result<std::vector<float>> rows = PreparedSlice(reader, slice, m.metric);
  ZYPHYR_RETURN_IF_ERROR(comm.Agree(rows.status()));
  Result<std::vector<float>> centroids = TrainCentroids(comm, *rows, n, shards, dim, p);
  if (!centroids.ok()) return centroids.status();
  Result<std::vector<ShardRows>> parts =
      ExchangeRows(comm, &*rows, slice.begin, *centroids, shards, mine, dim, p.hnsw.threads);
  if (!parts.ok()) return parts.status();
  std::vector<ManifestShard> built;
  for (std::size_t s = mine.begin; s < mine.end; ++s) {
    Result<ManifestShard> entry = BuildOne(staging, s, std::move((*parts)[s - mine.begin]), m, p.hnsw);
    if (!entry.ok()) return entry.status();
    entry->centroid.assign(centroids->begin() + s * dim, centroids->begin() + (s + 1) * dim);
    built.push_back(std::move(*entry));
  }
  return built;
}

// The checks every rank makes alike, then the ones only rank 0 can make, then
// the rows: the file's, unless given. Agreed.
Result<std::unique_ptr<TrainRows>> CheckAndOpen(Communicator& comm, const DistributedBuildParams& p,
                                                std::size_t shards) {
  const auto ranks = static_cast<std::size_t>(comm.size());
  Status st;
  if (p.partition != "range" && p.partition != "kmeans") {
    st = Status::InvalidArgument("--partition must be range or kmeans, got '" + p.partition + "'");
  } else if (shards < ranks) {
    st = Status::InvalidArgument("--shards " + std::to_string(shards) + " is fewer than the " + std::to_string(ranks) +
                                 " ranks (each rank builds at least one shard)");
  } else if (comm.is_root()) {
    st = CheckIndexDirectoryIsNew(p.index);
  }
  ZYPHYR_RETURN_IF_ERROR(comm.Agree(st, Communicator::Blame::kInput));

  Result<std::unique_ptr<TrainRows>> rows = p.rows ? TrainRowsInMemory(*p.rows) : OpenTrainRows(p.data, p.max_rows);
  st = rows.status();
  if (st.ok() && !p.metric && !(*rows)->metric()) {
    st = Status::InvalidArgument("--metric is required for " + p.data + ": row files carry no metric");
  } else if (st.ok() && p.element_type && IsByteElement(*p.element_type) &&
             MetricNormalizes(p.metric.value_or((*rows)->metric().value_or(Metric::kL2)))) {
    st = Status::InvalidArgument("--element-type " + std::string(ElementTypeName(*p.element_type)) +
                                 " cannot hold the normalised rows of metric cosine");
  } else if (st.ok() && shards > (*rows)->rows()) {
    st = Status::InvalidArgument("--shards " + std::to_string(shards) + " exceeds the " +
                                 std::to_string((*rows)->rows()) + " rows of " + p.data);
  }
  ZYPHYR_RETURN_IF_ERROR(comm.Agree(st, Communicator::Blame::kInput));
  return rows;
}

// On rank 0: `m` completed with every rank's shards and published from
// `staging`. Errors: a report that does not decode; PublishIndexDirectory's.
Status AssembleAndPublish(const std::vector<std::string>& reports, const std::string& staging,
                          const DistributedBuildParams& p, Clock::time_point start, DistributedBuildReport* report) {
  IndexManifest& m = report->manifest;
  for (const std::string& bytes : reports) {
    Result<RankReport> part = Decode<RankReport>(bytes, "build report");
    if (!part.ok()) return part.status();
    report->slowest_build_seconds = std::max(report->slowest_build_seconds, part->build_seconds);
    AddShards(std::move(part->shards), &m);
  }
  // The build's wall time up to publishing (IndexManifest::build_seconds).
  m.build_seconds = SecondsSince(start);
  return PublishIndexDirectory(staging, p.index, m);
}

}  // namespace

Result<DistributedBuildReport> DistributedBuild(Communicator& comm, const DistributedBuildParams& p) {
  const Clock::time_point start = Clock::now();
  const auto ranks = static_cast<std::size_t>(comm.size());
  const std::size_t shards = p.shards == 0 ? ranks : p.shards;
  Result<std::unique_ptr<TrainRows>> rows = CheckAndOpen(comm, p, shards);
  if (!rows.ok()) return rows.status();
  DistributedBuildReport report;
  const Metric metric = p.metric ? *p.metric : *(*rows)->metric();
  report.manifest = NewIndexManifest((*rows)->dim(), metric, p.hnsw, p.quantization, p.partition, p.data);
  // As the dataset publishes its rows, unless told; normalised rows are floats.
  const ElementType published = MetricNormalizes(metric) ? ElementType::kFloat32 : (*rows)->element_type();
  report.manifest.element_type = p.element_type.value_or(published);

  Status st;
  std::string staging;
  if (comm.is_root()) {
    Result<std::string> created = CreateStagingDirectory(p.index);
    st = created.status();
    if (created.ok()) staging = *created;
  }
  ZYPHYR_RETURN_IF_ERROR(comm.Agree(st, Communicator::Blame::kInput));
  ZYPHYR_RETURN_IF_ERROR(comm.Broadcast(&staging));
  // From here on rank 0 removes the staging directory unless it is published.
  struct Cleanup {
    std::string path;
    ~Cleanup() {
      if (!path.empty()) RemoveStagingDirectory(path);
    }
  } cleanup{comm.is_root() ? staging : std::string()};
  // An interrupt removes it on every rank, not on rank 0 alone: mpirun sends
  // SIGKILL to the whole job as soon as its first rank has ended, which may be
  // before rank 0's interrupt thread has run.
  struct InterruptRegistration {
    std::string path;
    explicit InterruptRegistration(std::string p) : path(std::move(p)) {
      if (!path.empty()) RegisterForInterruptCleanup(path, CleanupKind::kTree);
    }
    ~InterruptRegistration() {
      if (!path.empty()) UnregisterFromInterruptCleanup(path);
    }
  } const interrupt_registration{comm.is_root() ? std::string() : staging};

  const IndexRange mine = ShardsOfRank(shards, ranks, static_cast<std::size_t>(comm.rank()));
  const Clock::time_point build_start = Clock::now();
  Result<std::vector<ManifestShard>> built =
      p.partition == "range" ? BuildRangeShards(**rows, staging, shards, mine, report.manifest, p.hnsw)
                             : BuildKMeansShards(comm, **rows, staging, shards, mine, report.manifest, p);
  const double build_seconds = SecondsSince(build_start);
  ZYPHYR_RETURN_IF_ERROR(comm.Agree(built.status()));

  Result<std::vector<std::string>> reports = comm.Gather(Encode(RankReport{std::move(*built), build_seconds}));
  ZYPHYR_RETURN_IF_ERROR(comm.Agree(reports.status()));
  if (comm.is_root()) {
    st = AssembleAndPublish(*reports, staging, p, start, &report);
    if (st.ok()) cleanup.path.clear();
  } else {
    report.manifest = IndexManifest();  // The manifest is rank 0's only.
  }
  ZYPHYR_RETURN_IF_ERROR(comm.Agree(st, Communicator::Blame::kInput));
  report.seconds = SecondsSince(start);
  report.bytes_read = (*rows)->bytes_read();
  return report;
}

}  // namespace zyphyr
