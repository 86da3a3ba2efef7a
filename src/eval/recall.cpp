#include "src/eval/recall.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace zyphyr {

double ToRecallOrientation(Metric metric, double reported) {
  return metric == Metric::kInnerProduct ? -reported : reported;
}

double RecallDistance(Metric metric, std::span<const float> a, std::span<const float> b) {
  const std::size_t dim = std::min(a.size(), b.size());
  double dot = 0.0, aa = 0.0, bb = 0.0, l2 = 0.0;
  for (std::size_t j = 0; j < dim; ++j) {
    double x = a[j], y = b[j];
    dot += x * y;
    aa += x * x;
    bb += y * y;
    l2 += (x - y) * (x - y);
  }
  switch (metric) {
    case Metric::kL2:
      return std::sqrt(l2);
    case Metric::kInnerProduct:
      return -dot;
    case Metric::kCosine:
      if (aa == 0.0 || bb == 0.0) return std::numeric_limits<double>::quiet_NaN();
      return 1.0 - dot / (std::sqrt(aa) * std::sqrt(bb));
  }
  return std::numeric_limits<double>::quiet_NaN();
}

std::size_t CountHits(std::span<const double> returned, double kth_true, const RecallOptions& options) {
  std::size_t hits = 0;
  const std::size_t n = std::min(returned.size(), options.k);
  for (std::size_t i = 0; i < n; ++i) {
    if (returned[i] <= kth_true + options.epsilon) ++hits;  // False for NaN.
  }
  return hits;
}

Result<RecallReport> ComputeRecall(Metric metric, std::span<const std::vector<float>> true_distances,
                                   std::span<const std::vector<std::uint64_t>> returned,
                                   const RecallDistanceFn& distance, const RecallOptions& options) {
  if (options.k == 0) return Status::InvalidArgument("recall: k must be at least 1");
  if (returned.size() != true_distances.size()) {
    return Status::InvalidArgument("recall: results for " + std::to_string(returned.size()) +
                                   " queries, ground truth for " + std::to_string(true_distances.size()));
  }
  RecallReport report;
  report.per_query.reserve(returned.size());
  std::vector<double> recomputed;
  double sum = 0.0;
  for (std::size_t q = 0; q < returned.size(); ++q) {
    if (true_distances[q].size() < options.k) {
      return Status::InvalidArgument("recall: query " + std::to_string(q) + " has " +
                                     std::to_string(true_distances[q].size()) + " true distances, k is " +
                                     std::to_string(options.k));
    }
    const double kth_true = ToRecallOrientation(metric, true_distances[q][options.k - 1]);
    recomputed.clear();
    const std::size_t n = std::min(returned[q].size(), options.k);
    for (std::size_t i = 0; i < n; ++i) recomputed.push_back(distance(q, returned[q][i]));
    double r = static_cast<double>(CountHits(recomputed, kth_true, options)) / static_cast<double>(options.k);
    report.per_query.push_back(r);
    sum += r;
  }
  report.recall = returned.empty() ? 0.0 : sum / static_cast<double>(returned.size());
  return report;
}

Result<RecallReport> ComputeRecall(const RecallVectors& vectors, std::span<const std::vector<float>> true_distances,
                                   std::span<const std::vector<std::uint64_t>> returned, const RecallOptions& options) {
  const std::size_t dim = vectors.dim;
  if (dim == 0) return Status::InvalidArgument("recall: dimension must be at least 1");
  if (vectors.rows.size() % dim != 0 || vectors.queries.size() % dim != 0) {
    return Status::InvalidArgument("recall: rows or queries are not a whole number of " + std::to_string(dim) +
                                   "-dimensional vectors");
  }
  const std::size_t num_rows = vectors.rows.size() / dim;
  if (vectors.queries.size() / dim != true_distances.size()) {
    return Status::InvalidArgument("recall: " + std::to_string(vectors.queries.size() / dim) +
                                   " queries, ground truth for " + std::to_string(true_distances.size()));
  }
  // An id past the rows is a caller bug, not a miss: report it up front.
  for (std::size_t q = 0; q < returned.size(); ++q) {
    const std::size_t n = std::min(returned[q].size(), options.k);
    for (std::size_t i = 0; i < n; ++i) {
      if (returned[q][i] >= num_rows) {
        return Status::OutOfRange("recall: query " + std::to_string(q) + " returned id " +
                                  std::to_string(returned[q][i]) + ", data set has " + std::to_string(num_rows) +
                                  " rows");
      }
    }
  }
  auto distance = [&](std::size_t q, std::uint64_t id) {
    return RecallDistance(vectors.metric, vectors.queries.subspan(q * dim, dim),
                          vectors.rows.subspan(static_cast<std::size_t>(id) * dim, dim));
  };
  return ComputeRecall(vectors.metric, true_distances, returned, distance, options);
}

double ReportedDistanceRecall(Metric metric, const TopKLists& found, std::span<const float> true_distances,
                              std::size_t truth_cols, std::size_t k) {
  if (found.queries == 0 || k == 0) return 0.0;
  const RecallOptions options{k, kRecallEpsilon};
  std::vector<double> reported(k);
  std::size_t hits = 0;
  for (std::size_t q = 0; q < found.queries; ++q) {
    for (std::size_t j = 0; j < k; ++j) {
      const std::size_t slot = q * found.k + j;
      reported[j] = found.ids[slot] == kNoId ? std::numeric_limits<double>::infinity()
                                             : ToRecallOrientation(metric, found.distances[slot]);
    }
    hits += CountHits(reported, ToRecallOrientation(metric, true_distances[q * truth_cols + k - 1]), options);
  }
  return static_cast<double>(hits) / static_cast<double>(found.queries * k);
}

std::vector<std::vector<float>> DistancesOf(std::span<const std::vector<Neighbor>> results) {
  std::vector<std::vector<float>> out(results.size());
  for (std::size_t q = 0; q < results.size(); ++q) {
    out[q].reserve(results[q].size());
    for (const Neighbor& nb : results[q]) out[q].push_back(nb.distance);
  }
  return out;
}

std::vector<std::vector<std::uint64_t>> IdsOf(std::span<const std::vector<Neighbor>> results) {
  std::vector<std::vector<std::uint64_t>> out(results.size());
  for (std::size_t q = 0; q < results.size(); ++q) {
    out[q].reserve(results[q].size());
    for (const Neighbor& nb : results[q]) out[q].push_back(nb.id);
  }
  return out;
}

double IdOverlapRecall(const TopKLists& found, std::span<const std::int64_t> truth, std::size_t truth_cols,
                       std::size_t k) {
  if (found.queries == 0 || k == 0) return 0.0;
  std::size_t hits = 0;
  std::vector<std::uint64_t> ids;
  for (std::size_t q = 0; q < found.queries; ++q) {
    ids.assign(found.ids.begin() + q * found.k, found.ids.begin() + (q + 1) * found.k);
    std::sort(ids.begin(), ids.end());
    for (std::size_t j = 0; j < k; ++j) {
      const auto id = static_cast<std::uint64_t>(truth[q * truth_cols + j]);
      if (std::binary_search(ids.begin(), ids.end(), id)) ++hits;
    }
  }
  return static_cast<double>(hits) / static_cast<double>(found.queries * k);
}

double IdOverlapRecall(std::span<const std::vector<std::uint64_t>> returned, std::span<const std::int64_t> truth,
                       std::size_t truth_cols, std::size_t k) {
  if (returned.empty() || k == 0) return 0.0;
  std::size_t hits = 0;
  std::vector<std::uint64_t> ids;
  for (std::size_t q = 0; q < returned.size(); ++q) {
    ids.assign(returned[q].begin(), returned[q].begin() + std::min(returned[q].size(), k));
    std::sort(ids.begin(), ids.end());
    for (std::size_t j = 0; j < k; ++j) {
      const auto id = static_cast<std::uint64_t>(truth[q * truth_cols + j]);
      if (std::binary_search(ids.begin(), ids.end(), id)) ++hits;
    }
  }
  return static_cast<double>(hits) / static_cast<double>(returned.size() * k);
}

}  // namespace zyphyr
