// The structured messages ranks exchange, serialised with
// Boost.Serialization (binary archives: every rank runs the same binary on
// the same kind of machine). Bulk data (query vectors, result ids and
// distances) travels beside them as flat buffers, never through an archive.
//
// Decode never throws: a malformed message is an Internal status.
//
// StatusFromCode rebuilds a Status that crossed a rank boundary.
#ifndef ZYPHYR_MPI_MESSAGES_H_
#define ZYPHYR_MPI_MESSAGES_H_

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>

#include "src/core/status.h"
#include "storage/index_manifest.h"

namespace zyphyr {

// Coordinator -> rank: the next batch of queries (or the order to stop).
struct BatchHeader {
  std::uint64_t batch = 0;
  bool stop = false;
  // Why the run stops early (a StatusCode and message); 0 and empty after
  // the last batch.
  int code = 0;
  std::string error;
  std::uint32_t k = 0;
  std::uint32_t ef = 0;
  // Row numbers of the queries sent (their vectors follow, in this order).
  std::vector<std::uint32_t> queries;
  // Routed mode: for each query, the manifest numbers of this rank's shards
  // to search. Broadcast mode: empty (every shard of the rank).
  std::vector<std::vector<std::uint32_t>> routes;

  template <typename Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar & batch & stop & code & error & k & ef & queries & routes;
  }
};

// Rank -> coordinator: the results of one batch (ids and distances follow).
struct ResultHeader {
  std::uint64_t batch = 0;
  int code = 0;  // StatusCode of the rank's search; 0 when it succeeded.
  std::string error;
  double search_seconds = 0;

  template <typename Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar & batch & code & error & search_seconds;
  }
};

template <typename Archive>
void serialize(Archive& ar, ManifestShard& s, unsigned /*version*/) {
  ar & s.file & s.log & s.uid & s.rows & s.id_begin & s.id_end & s.bytes & s.header_crc32c & s.centroid;
}

Status StatusFromCode(int code, std::string message);

template <typename T>
std::string Encode(const T& message) {
  std::ostringstream out;
  {
    boost::archive::binary_oarchive archive(out, boost::archive::no_header);
    archive << message;
  }
  return out.str();
}

template <typename T>
Result<T> Decode(const std::string& bytes, const char* what) {
  T message;
  try {
    std::istringstream in(bytes);
    boost::archive::binary_iarchive archive(in, boost::archive::no_header);
    archive >> message;
  } catch (const std::exception& e) {
    return Status::Internal(std::string("malformed ") + what + " message: " + e.what());
  }
  return message;
}

}  // namespace zyphyr

#endif  // ZYPHYR_MPI_MESSAGES_H_
