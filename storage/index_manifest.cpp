#include "storage/index_manifest.h"

#include <sys/stat.h>

#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

#include <nlohmann/json.hpp>

#include "storage/atomic_file.h"

namespace zyphyr {
namespace {

using Json = nlohmann::json;

std::string Hex(std::uint64_t v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%0*" PRIx64, digits, v);
  return buf;
}

// Reads fields with messages naming the manifest and the field.
class FieldReader {
 public:
  FieldReader(const Json& object, std::string where) : object_(object), where_(std::move(where)) {}

  Status error() const { return error_; }

  std::uint64_t Uint(const char* name, bool positive = false) {
    const Json* v = Find(name);
    if (v == nullptr) return 0;
    if (!v->is_number_unsigned() || (positive && v->get<std::uint64_t>() == 0)) {
      Fail(std::string("field '") + name + "' must be a " + (positive ? "positive" : "non-negative") + " integer");
      return 0;
    }
    return v->get<std::uint64_t>();
  }

  std::string String(const char* name) {
    const Json* v = Find(name);
    if (v == nullptr) return {};
    if (!v->is_string()) {
      Fail(std::string("field '") + name + "' must be a string");
      return {};
    }
    return v->get<std::string>();
  }

  std::uint64_t HexNumber(const char* name) {
    std::string text = String(name);
    if (!error_.ok()) return 0;
    std::size_t start = text.rfind("0x", 0) == 0 ? 2 : 0;
    if (text.size() <= start || text.size() > start + 16 ||
        text.find_first_not_of("0123456789abcdefABCDEF", start) != std::string::npos) {
      Fail(std::string("field '") + name + "' must be a hexadecimal number, got '" + text + "'");
      return 0;
    }
    return std::stoull(text.substr(start), nullptr, 16);
  }

  const Json* Find(const char* name) {
    if (!error_.ok()) return nullptr;
    auto it = object_.find(name);
    if (it == object_.end()) {
      Fail(std::string("field '") + name + "' is missing");
      return nullptr;
    }
    return &*it;
  }

  void Fail(const std::string& what) {
    if (error_.ok()) error_ = Status::Corruption(where_ + ": " + what);
  }

 private:
  const Json& object_;
  std::string where_;
  Status error_;
};

// A shard or log name must be a plain file name inside the directory.
bool IsPlainName(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos;
}

// "[begin, end)".
std::string IdRange(std::uint64_t begin, std::uint64_t end) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "[%" PRIu64 ", %" PRIu64 ")", begin, end);
  return buf;
}

std::string IdRange(const ManifestShard& s) { return IdRange(s.id_begin, s.id_end); }

// Whether the ranges share an id (an empty range shares none).
bool Overlap(const ManifestShard& a, const ManifestShard& b) {
  return a.id_begin < a.id_end && b.id_begin < b.id_end && a.id_begin < b.id_end && b.id_begin < a.id_end;
}

// Refuses two shards with the same `field` (a file, a log, a uid), naming the
// later one, the first one it repeats, and the value.
template <typename Field>
Status CheckUnique(const IndexManifest& m, const std::string& where, const char* what, Field field) {
  for (std::size_t i = 1; i < m.shards.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (field(m.shards[i]) == field(m.shards[j])) {
        return Status::Corruption(where + ": shard " + std::to_string(i) + " has the same " + what + " as shard " +
                                  std::to_string(j) + " (" + field(m.shards[i]) + ")");
      }
    }
  }
  return Status::Ok();
}

// Every entry on its own: the names shard i of this generation has, and no
// more rows than ids in its range.
Status CheckEachShard(const IndexManifest& m, const std::string& where) {
  for (std::size_t i = 0; i < m.shards.size(); ++i) {
    const ManifestShard& s = m.shards[i];
    const std::string at = where + ": shards[" + std::to_string(i) + "]";
    const std::string whose = " (shard " + std::to_string(i) + " of generation " + std::to_string(m.generation) + ")";
    if (s.file != ShardFileName(i, m.generation)) {
      return Status::Corruption(at + ": file is '" + s.file + "', expected '" + ShardFileName(i, m.generation) + "'" +
                                whose);
    }
    if (s.log != ShardLogName(i, m.generation)) {
      return Status::Corruption(at + ": log is '" + s.log + "', expected '" + ShardLogName(i, m.generation) + "'" +
                                whose);
    }
    if (s.rows > s.id_end - s.id_begin) {
      return Status::Corruption(at + ": " + std::to_string(s.rows) + " rows, more than the " +
                                std::to_string(s.id_end - s.id_begin) + " ids of its id range " + IdRange(s));
    }
  }
  return Status::Ok();
}

// Under range partitioning the shards' id ranges are pairwise disjoint and
// follow each other without gaps in shard order.
Status CheckRangeLayout(const IndexManifest& m, const std::string& where) {
  for (std::size_t i = 1; i < m.shards.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (Overlap(m.shards[j], m.shards[i])) {
        return Status::Corruption(where + ": shards " + std::to_string(j) + " and " + std::to_string(i) +
                                  " have overlapping id ranges " + IdRange(m.shards[j]) + " and " +
                                  IdRange(m.shards[i]));
      }
    }
  }
  for (std::size_t i = 1; i < m.shards.size(); ++i) {
    const ManifestShard& prev = m.shards[i - 1];
    const ManifestShard& s = m.shards[i];
    const std::string pair = "shards " + std::to_string(i - 1) + " and " + std::to_string(i);
    if (s.id_begin > prev.id_end) {
      return Status::Corruption(where + ": id ranges leave " + IdRange(prev.id_end, s.id_begin) +
                                " uncovered between " + pair);
    }
    if (s.id_begin < prev.id_end) {
      return Status::Corruption(where + ": id ranges of " + pair + " are out of order: " + IdRange(prev) + " then " +
                                IdRange(s) + " (range partition: each shard starts where the one before ends)");
    }
  }
  return Status::Ok();
}

}  // namespace

std::string ShardFileName(std::size_t shard, std::uint64_t generation) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "shard-%04zu-g%" PRIu64 ".zys", shard, generation);
  return buf;
}

std::string ShardLogName(std::size_t shard, std::uint64_t generation) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "shard-%04zu-g%" PRIu64 ".log", shard, generation);
  return buf;
}

std::string ManifestToJson(const IndexManifest& m) {
  Json shards = Json::array();
  for (const ManifestShard& s : m.shards) {
    shards.push_back(Json{{"file", s.file},
                          {"log", s.log},
                          {"uid", Hex(s.uid, 16)},
                          {"rows", s.rows},
                          {"id_begin", s.id_begin},
                          {"id_end", s.id_end},
                          {"bytes", s.bytes},
                          {"header_crc32c", "0x" + Hex(s.header_crc32c, 8)}});
    if (!s.centroid.empty()) shards.back()["centroid"] = s.centroid;
  }
  Json j = Json::object();
  j["format"] = "zyphyr-index";
  j["version"] = kManifestVersion;
  j["dim"] = m.dim;
  j["metric"] = std::string(MetricName(m.metric));
  j["M"] = m.M;
  j["ef_construction"] = m.ef_construction;
  j["seed"] = m.seed;
  j["rows"] = m.rows;
  j["next_id"] = m.next_id;
  j["generation"] = m.generation;
  j["partition"] = m.partition;
  j["encoding"] = std::string(EncodingName(m.encoding));
  if (m.encoding == Encoding::kPq) j["pq_m"] = m.pq_m;
  if (m.element_type != ElementType::kFloat32) j["element_type"] = std::string(ElementTypeName(m.element_type));
  j["source"] = m.source;
  if (m.build_seconds) j["build_seconds"] = *m.build_seconds;
  j["shards"] = std::move(shards);
  return j.dump(2) + "\n";
}

Status ValidateManifest(const IndexManifest& m, const std::string& where) {
  if (m.shards.empty()) return Status::Corruption(where + ": field 'shards' must be a non-empty array");
  ZYPHYR_RETURN_IF_ERROR(CheckUnique(m, where, "file", [](const ManifestShard& s) { return s.file; }));
  ZYPHYR_RETURN_IF_ERROR(CheckUnique(m, where, "log", [](const ManifestShard& s) { return s.log; }));
  ZYPHYR_RETURN_IF_ERROR(CheckUnique(m, where, "uid", [](const ManifestShard& s) { return Hex(s.uid, 16); }));
  for (std::size_t i = 0; i < m.shards.size(); ++i) {
    const ManifestShard& s = m.shards[i];
    if (s.id_end < s.id_begin) {
      return Status::Corruption(where + ": shards[" + std::to_string(i) + "]: id_end is below id_begin");
    }
  }
  ZYPHYR_RETURN_IF_ERROR(CheckEachShard(m, where));
  if (m.partition == "range") ZYPHYR_RETURN_IF_ERROR(CheckRangeLayout(m, where));
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < m.shards.size(); ++i) {
    const ManifestShard& s = m.shards[i];
    if (m.next_id < s.id_end) {
      return Status::Corruption(where + ": field 'next_id' is " + std::to_string(m.next_id) +
                                ", below the end of shard " + std::to_string(i) + "'s id range " + IdRange(s) +
                                " (inserts would reuse ids)");
    }
    if (__builtin_add_overflow(total, s.rows, &total)) {
      return Status::Corruption(where + ": shards hold more rows than a 64-bit count, field 'rows' says " +
                                std::to_string(m.rows));
    }
  }
  if (total != m.rows) {
    return Status::Corruption(where + ": shards hold " + std::to_string(total) + " rows, field 'rows' says " +
                              std::to_string(m.rows));
  }
  return Status::Ok();
}

namespace {

// Shard entry `entry` of a manifest of `m`'s dim and partition; `at` names it in errors.
Result<ManifestShard> ShardFromJson(const Json& entry, const std::string& at, const IndexManifest& m) {
  if (!entry.is_object()) return Status::Corruption(at + ": must be an object");
  FieldReader s(entry, at);
  ManifestShard shard;
  shard.file = s.String("file");
  shard.log = s.String("log");
  shard.uid = s.HexNumber("uid");
  shard.rows = s.Uint("rows");
  shard.id_begin = s.Uint("id_begin");
  shard.id_end = s.Uint("id_end");
  shard.bytes = s.Uint("bytes", true);
  shard.header_crc32c = static_cast<std::uint32_t>(s.HexNumber("header_crc32c"));
  if (!s.error().ok()) return s.error();
  if (!IsPlainName(shard.file) || !IsPlainName(shard.log)) {
    return Status::Corruption(at + ": file names must be plain names inside the index directory");
  }
  if (shard.id_end < shard.id_begin) return Status::Corruption(at + ": id_end is below id_begin");
  if (m.partition == "kmeans") {
    auto centroid = entry.find("centroid");
    if (centroid == entry.end()) return Status::Corruption(at + ": field 'centroid' is missing (k-means partition)");
    if (!centroid->is_array() || centroid->size() != m.dim) {
      return Status::Corruption(at + ": field 'centroid' must be an array of " + std::to_string(m.dim) + " numbers");
    }
    for (const Json& x : *centroid) {
      if (!x.is_number() || !std::isfinite(x.get<double>()) ||
          std::fabs(x.get<double>()) > static_cast<double>(std::numeric_limits<float>::max())) {
        return Status::Corruption(at + ": field 'centroid' must hold finite float numbers");
      }
      shard.centroid.push_back(x.get<float>());
    }
  }
  return shard;
}

// The fields older manifests lack: encoding (absent: float32), pq_m (pq only) and build_seconds (absent: unknown).
Status ReadOptionalFields(const Json& j, const std::string& where, IndexManifest* m) {
  // Absent in manifests written before codes existed: float32.
  if (auto encoding = j.find("encoding"); encoding != j.end()) {
    Result<Encoding> e = encoding->is_string() ? ParseEncoding(encoding->get<std::string>())
                                               : Result<Encoding>(Status::InvalidArgument("not a string"));
    if (!e.ok()) return Status::Corruption(where + ": field 'encoding': " + e.status().message());
    m->encoding = *e;
  }
  if (m->encoding == Encoding::kPq) {
    FieldReader pq(j, where);
    m->pq_m = pq.Uint("pq_m", true);
    if (!pq.error().ok()) return pq.error();
  }
  // Absent for float32 rows.
  if (auto type = j.find("element_type"); type != j.end()) {
    Result<ElementType> t = type->is_string() ? ParseElementType(type->get<std::string>())
                                              : Result<ElementType>(Status::InvalidArgument("not a string"));
    if (!t.ok()) return Status::Corruption(where + ": field 'element_type': " + t.status().message());
    if (MetricNormalizes(m->metric) && IsByteElement(*t)) {
      return Status::Corruption(where + ": field 'element_type': " + std::string(ElementTypeName(*t)) +
                                " rows under metric cosine (its rows are normalised floats)");
    }
    m->element_type = *t;
  }
  // Absent in manifests written before it was recorded: unknown.
  if (auto seconds = j.find("build_seconds"); seconds != j.end()) {
    if (!seconds->is_number() || !std::isfinite(seconds->get<double>()) || seconds->get<double>() < 0) {
      return Status::Corruption(where + ": field 'build_seconds' must be a non-negative number of seconds");
    }
    m->build_seconds = seconds->get<double>();
  }
  return Status::Ok();
}

}  // namespace

Result<IndexManifest> ManifestFromJson(const std::string& json, const std::string& where) {
  Json j = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Corruption(where + ": not valid JSON");
  if (!j.is_object() || !j.contains("format") || j["format"] != "zyphyr-index") {
    return Status::Corruption(where + ": not a Zyphyr index manifest");
  }
  FieldReader r(j, where);
  const std::uint64_t version = r.Uint("version", true);
  if (r.error().ok() && version != kManifestVersion) {
    return Status::Unsupported(where + ": unsupported manifest version " + std::to_string(version));
  }
  IndexManifest m;
  m.dim = r.Uint("dim", true);
  const std::string metric = r.String("metric");
  m.M = r.Uint("M", true);
  m.ef_construction = r.Uint("ef_construction", true);
  m.seed = r.Uint("seed");
  m.rows = r.Uint("rows");
  m.next_id = r.Uint("next_id");
  m.generation = r.Uint("generation", true);
  m.partition = r.String("partition");
  m.source = r.String("source");
  const Json* shards = r.Find("shards");
  if (!r.error().ok()) return r.error();
  Result<Metric> parsed = ParseMetric(metric);
  if (!parsed.ok()) return Status::Corruption(where + ": field 'metric': " + parsed.status().message());
  m.metric = *parsed;
  if (m.partition != "range" && m.partition != "kmeans") {
    return Status::Corruption(where + ": field 'partition' must be \"range\" or \"kmeans\", got '" + m.partition + "'");
  }
  ZYPHYR_RETURN_IF_ERROR(ReadOptionalFields(j, where, &m));
  if (!shards->is_array() || shards->empty()) {
    return Status::Corruption(where + ": field 'shards' must be a non-empty array");
  }
  for (std::size_t i = 0; i < shards->size(); ++i) {
    Result<ManifestShard> shard = ShardFromJson((*shards)[i], where + ": shards[" + std::to_string(i) + "]", m);
    if (!shard.ok()) return shard.status();
    m.shards.push_back(std::move(*shard));
  }
  ZYPHYR_RETURN_IF_ERROR(ValidateManifest(m, where));
  return m;
}

Result<IndexManifest> ReadManifest(const std::string& dir) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::NotFound(dir + ": no such directory");
    return Status::IOError(dir + ": cannot stat: " + std::strerror(errno));
  }
  if (!S_ISDIR(st.st_mode)) return Status::InvalidArgument(dir + ": not a directory");
  const std::string path = dir + "/" + kManifestName;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return Status::NotFound(dir + ": not an index directory (no " + kManifestName + ")");
    return Status::IOError(path + ": cannot read: " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::IOError(path + ": cannot read");
  return ManifestFromJson(text.str(), path);
}

Status WriteManifest(const std::string& dir, const IndexManifest& manifest) {
  const std::string path = dir + "/" + kManifestName;
  // A manifest no reader would accept is never published.
  ZYPHYR_RETURN_IF_ERROR(ValidateManifest(manifest, path));
  Result<PendingFile> pending = PendingFile::Create(path);
  if (!pending.ok()) return pending.status();
  {
    std::ofstream out(pending->temp_path(), std::ios::binary | std::ios::trunc);
    out << ManifestToJson(manifest);
    out.flush();
    if (!out) return Status::IOError(path + ": cannot write: " + std::strerror(errno));
  }
  return pending->Commit();
}

}  // namespace zyphyr
