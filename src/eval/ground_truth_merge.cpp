#include "src/eval/ground_truth_merge.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "src/index/neighbor.h"

namespace zyphyr {
namespace {

template <typename T>
void Append(std::string* out, const std::vector<T>& values) {
  out->append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

template <typename T>
bool Take(std::string_view* in, std::size_t count, std::vector<T>* values) {
  if (count > in->size() / sizeof(T)) return false;
  values->resize(count);
  if (count == 0) return true;  // memcpy must not see the null data() of an empty vector.
  std::memcpy(values->data(), in->data(), count * sizeof(T));
  in->remove_prefix(count * sizeof(T));
  return true;
}

}  // namespace

void OffsetGroundTruthIds(GroundTruth* truth, std::int64_t offset) {
  for (std::int64_t& id : truth->ids) id += offset;
}

Result<GroundTruth> MergeGroundTruth(std::span<const GroundTruth> parts, std::size_t k) {
  std::size_t queries = 0;
  std::size_t first = parts.size();
  std::size_t available = 0;
  for (std::size_t p = 0; p < parts.size(); ++p) {
    const GroundTruth& part = parts[p];
    if (part.k == 0) continue;
    if (first == parts.size()) {
      first = p;
      queries = part.queries;
    } else if (part.queries != queries) {
      return Status::InvalidArgument("ground truth merge: part " + std::to_string(p) + " has " +
                                     std::to_string(part.queries) + " queries, part " + std::to_string(first) +
                                     " has " + std::to_string(queries));
    }
    const std::size_t n = part.queries * part.k;
    if (part.ids.size() != n || part.distances.size() != n || part.keys.size() != n) {
      return Status::InvalidArgument(
          "ground truth merge: part " + std::to_string(p) + " holds " + std::to_string(part.ids.size()) + " ids, " +
          std::to_string(part.distances.size()) + " distances and " + std::to_string(part.keys.size()) + " keys for " +
          std::to_string(part.queries) + " queries x k " + std::to_string(part.k));
    }
    available += part.k;
  }
  if (first == parts.size()) return Status::InvalidArgument("ground truth merge: no part has rows");

  GroundTruth out;
  out.queries = queries;
  out.k = std::min(k, available);
  out.ids.resize(queries * out.k);
  out.distances.resize(queries * out.k);
  out.keys.resize(queries * out.k);
  std::vector<std::size_t> cursor(parts.size());
  for (std::size_t q = 0; q < queries; ++q) {
    std::fill(cursor.begin(), cursor.end(), 0);
    for (std::size_t i = 0; i < out.k; ++i) {
      // The smallest (key, id) at the parts' cursors: few parts, so a scan.
      std::size_t best = parts.size();
      for (std::size_t p = 0; p < parts.size(); ++p) {
        const GroundTruth& part = parts[p];
        if (cursor[p] >= part.k) continue;
        const std::size_t at = q * part.k + cursor[p];
        if (best == parts.size()) {
          best = p;
          continue;
        }
        const std::size_t best_at = q * parts[best].k + cursor[best];
        if (DistanceIdLess(part.keys[at], part.ids[at], parts[best].keys[best_at], parts[best].ids[best_at])) best = p;
      }
      const GroundTruth& part = parts[best];
      const std::size_t at = q * part.k + cursor[best]++;
      out.ids[q * out.k + i] = part.ids[at];
      out.distances[q * out.k + i] = part.distances[at];
      out.keys[q * out.k + i] = part.keys[at];
    }
  }
  return out;
}

std::string SerializeGroundTruth(const GroundTruth& truth) {
  std::string out;
  const std::uint64_t head[2] = {truth.queries, truth.k};
  out.append(reinterpret_cast<const char*>(head), sizeof(head));
  Append(&out, truth.ids);
  Append(&out, truth.distances);
  Append(&out, truth.keys);
  return out;
}

Result<GroundTruth> ParseGroundTruth(std::string_view bytes) {
  const Status malformed =
      Status::InvalidArgument("ground truth message of " + std::to_string(bytes.size()) + " bytes is malformed");
  std::uint64_t head[2];
  if (bytes.size() < sizeof(head)) return malformed;
  std::memcpy(head, bytes.data(), sizeof(head));
  bytes.remove_prefix(sizeof(head));
  GroundTruth truth;
  truth.queries = head[0];
  truth.k = head[1];
  if (truth.k != 0 && truth.queries > std::numeric_limits<std::size_t>::max() / truth.k) return malformed;
  const std::size_t n = truth.queries * truth.k;
  if (!Take(&bytes, n, &truth.ids) || !Take(&bytes, n, &truth.distances) || !Take(&bytes, n, &truth.keys) ||
      !bytes.empty()) {
    return malformed;
  }
  return truth;
}

}  // namespace zyphyr
