#include "storage/stale_temporaries.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <system_error>

namespace zyphyr {
namespace {

struct Owner {
  std::string host;
  long pid = 0;
};

// The pid in "<prefix><pid>-...", or nothing when the name does not have that shape.
std::optional<long> PidInName(std::string_view name, std::string_view prefix) {
  if (!name.starts_with(prefix)) return std::nullopt;
  name.remove_prefix(prefix.size());
  long pid = 0;
  const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
  if (ec != std::errc() || end == name.data() || end == name.data() + name.size() || *end != '-' || pid <= 0) {
    return std::nullopt;
  }
  return pid;
}

std::optional<Owner> ReadOwner(const std::filesystem::path& dir) {
  std::ifstream in(dir / kStagingOwnerName);
  Owner owner;
  if (!(in >> owner.host >> owner.pid) || owner.pid <= 0) return std::nullopt;
  return owner;
}

}  // namespace

std::string ThisHostName() {
  char name[HOST_NAME_MAX + 1] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

Status WriteStagingOwner(const std::string& dir) {
  const std::string path = dir + "/" + kStagingOwnerName;
  std::ofstream out(path, std::ios::trunc);
  out << ThisHostName() << ' ' << static_cast<long>(::getpid()) << '\n';
  out.flush();
  if (!out) return Status::IOError(path + ": cannot write: " + std::strerror(errno));
  return Status::Ok();
}

bool ProcessMayBeAlive(long pid) {
  if (pid <= 0 || pid > INT_MAX) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH;
}

std::vector<std::string> RemoveStaleTemporaries(const std::string& target) {
  std::filesystem::path path(target);
  while (path.has_relative_path() && path.filename().empty()) path = path.parent_path();  // "dir/" -> "dir".
  std::string prefix = ".";  // Built in steps: GCC 12 warns (-Wrestrict) on "." + name + ".tmp-".
  prefix += path.filename().string();
  prefix += ".tmp-";
  std::filesystem::path parent = path.parent_path();
  if (parent.empty()) parent = ".";

  std::vector<std::string> removed;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(parent, ec)) {
    const std::string name = entry.path().filename().string();
    std::optional<long> pid = PidInName(name, prefix);
    if (!pid) continue;
    std::error_code type_ec;
    const bool is_dir = entry.is_directory(type_ec) && !entry.is_symlink(type_ec);
    if (is_dir) {
      if (std::optional<Owner> owner = ReadOwner(entry.path())) {
        if (owner->host != ThisHostName()) continue;
        pid = owner->pid;
      }
    }
    if (ProcessMayBeAlive(*pid)) continue;
    std::error_code remove_ec;
    if (is_dir) {
      std::filesystem::remove_all(entry.path(), remove_ec);
    } else {
      std::filesystem::remove(entry.path(), remove_ec);
    }
    if (!remove_ec) removed.push_back(entry.path().string());
  }
  return removed;
}

}  // namespace zyphyr
