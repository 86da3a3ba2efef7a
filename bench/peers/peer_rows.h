// The check on a batch of rows that both peers (FaissPeer, HnswlibPeer) make
// before handing it to their library.
#ifndef ZYPHYR_BENCH_PEERS_PEER_ROWS_H_
#define ZYPHYR_BENCH_PEERS_PEER_ROWS_H_

#include <cstddef>
#include <span>
#include <string>

#include "src/core/status.h"

namespace zyphyr {

// Ok when `rows` is a whole number of rows of `dim` floats (dim >= 1); else
// InvalidArgument "<who>: 10 floats is not a whole number of rows of
// dimension 3".
inline Status CheckWholeRows(const std::string& who, std::span<const float> rows, std::size_t dim) {
  if (rows.size() % dim == 0) return Status::Ok();
  return Status::InvalidArgument(who + ": " + std::to_string(rows.size()) +
                                 " floats is not a whole number of rows of dimension " + std::to_string(dim));
}

}  // namespace zyphyr

#endif  // ZYPHYR_BENCH_PEERS_PEER_ROWS_H_
