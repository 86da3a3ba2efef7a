// PeerEngine<Peer>: what the engines over a peer library (HnswlibEngine,
// FaissEngine) share: the peer they hold once built, its memory figure and
// the search beam kept in the peer's index (Peer::SetEf).
#ifndef ZYPHYR_BENCH_ENGINES_PEER_ENGINE_H_
#define ZYPHYR_BENCH_ENGINES_PEER_ENGINE_H_

#include <cstddef>
#include <memory>
#include <utility>

#include "bench/engines/engine.h"

namespace zyphyr {

// Peer: a class with MemoryBytes() const and SetEf(std::size_t).
template <typename Peer>
class PeerEngine : public Engine {
 public:
  std::size_t MemoryBytes() const override { return peer_ ? peer_->MemoryBytes() : 0; }

 protected:
  // The peer keeps ef in its index (it searches with max(ef, k)).
  void ApplyEf(std::size_t ef) override { peer_->SetEf(ef); }

  // The built peer; only once DoBuild has succeeded.
  const Peer& peer() const { return *peer_; }
  // Called by DoBuild with the peer it built and filled.
  void set_peer(std::unique_ptr<Peer> peer) { peer_ = std::move(peer); }

 private:
  std::unique_ptr<Peer> peer_;
};

}  // namespace zyphyr

#endif  // ZYPHYR_BENCH_ENGINES_PEER_ENGINE_H_
