#include "src/eval/true_distances.h"

#include <charconv>
#include <string>

namespace zyphyr {
namespace {

// How the values of one row move from first to last.
enum class RowOrder { kConstant, kAscending, kDescending, kNeither };

RowOrder OrderOf(std::span<const float> row) {
  bool up = false, down = false;
  for (std::size_t j = 1; j < row.size(); ++j) {
    if (row[j] > row[j - 1]) up = true;
    if (row[j] < row[j - 1]) down = true;
  }
  if (up && down) return RowOrder::kNeither;
  if (up) return RowOrder::kAscending;
  if (down) return RowOrder::kDescending;
  return RowOrder::kConstant;
}

// The shortest text that reads back as `value`.
std::string FloatText(float value) {
  char text[32];
  const std::to_chars_result end = std::to_chars(text, text + sizeof(text), value);
  return std::string(text, end.ptr);
}

constexpr const char* kCannotTell =
    ": cannot tell the inner-product sign convention (<q, x> descending or -<q, x> ascending)";

// l2, cosine: the first row that ever descends is refused.
Status CheckAscending(Metric metric, std::span<const float> distances, std::size_t cols, std::string_view what) {
  for (std::size_t i = 1; i < distances.size(); ++i) {
    if (i % cols == 0 || distances[i] >= distances[i - 1]) continue;
    return Status::InvalidArgument(
        std::string(what) + " row " + std::to_string(i / cols) + " is not ascending (column " +
        std::to_string(i % cols) + " holds " + FloatText(distances[i]) + " after " + FloatText(distances[i - 1]) +
        "): " + std::string(MetricName(metric)) + " distances are stored nearest (smallest) first");
  }
  return Status::Ok();
}

}  // namespace

Result<TrueDistanceSign> NormalizeTrueDistances(Metric metric, std::span<float> distances, std::size_t cols,
                                                std::string_view what,
                                                std::optional<TrueDistanceSign> if_all_constant) {
  if (cols == 0 || distances.empty()) return TrueDistanceSign::kReported;
  if (metric != Metric::kInnerProduct) {
    ZYPHYR_RETURN_IF_ERROR(CheckAscending(metric, distances, cols, what));
    return TrueDistanceSign::kReported;
  }
  // The first row that is not constant sets the order; every other row must
  // share it.
  const std::size_t rows = distances.size() / cols;
  RowOrder order = RowOrder::kConstant;
  std::size_t first = 0;  // The row that set `order`.
  for (std::size_t r = 0; r < rows; ++r) {
    const RowOrder row = OrderOf(distances.subspan(r * cols, cols));
    if (row == RowOrder::kNeither) {
      return Status::InvalidArgument(std::string(what) + " row " + std::to_string(r) +
                                     " is neither ascending nor descending");
    }
    if (row == RowOrder::kConstant || row == order) continue;
    if (order == RowOrder::kConstant) {
      order = row;
      first = r;
      continue;
    }
    const auto name = [](RowOrder o) { return o == RowOrder::kAscending ? "ascending" : "descending"; };
    return Status::InvalidArgument(std::string(what) + " rows disagree in order (row " + std::to_string(first) + " " +
                                   name(order) + ", row " + std::to_string(r) + " " + name(row) + ")" + kCannotTell);
  }
  if (order == RowOrder::kConstant) {
    if (if_all_constant) order = *if_all_constant == TrueDistanceSign::kReported ? RowOrder::kDescending
                                                                                 : RowOrder::kAscending;
  }
  if (order == RowOrder::kConstant) {
    return Status::InvalidArgument(std::string(what) + " rows are all constant" + kCannotTell);
  }
  if (order == RowOrder::kDescending) return TrueDistanceSign::kReported;
  for (float& d : distances) d = -d;
  return TrueDistanceSign::kNegated;
}

}  // namespace zyphyr
