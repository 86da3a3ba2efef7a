#include "cli/options.h"

#include <algorithm>
#include <charconv>

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

}  // namespace

Result<std::vector<std::size_t>> ParsePositiveList(std::string_view option, std::string_view text) {
  std::vector<std::size_t> out;
  for (std::string_view item : Split(text)) {
    std::size_t value = 0;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), value);
    if (item.empty() || ec != std::errc() || end != item.data() + item.size() || value == 0) {
      return Status::InvalidArgument(std::string(option) + ": '" + std::string(item) +
                                     "' is not a positive integer (expected a list such as 16,32,64)");
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

Status CheckPositive(std::size_t value, std::string_view option) {
  if (value == 0) return Status::InvalidArgument(std::string(option) + " must be at least 1");
  return Status::Ok();
}

}  // namespace zyphyr::cli
