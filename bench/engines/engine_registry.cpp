#include <string>

#include "bench/engines/engine.h"
#include "bench/engines/zyphyr_engine.h"
#ifdef ZYPHYR_HAVE_HNSWLIB
#include "bench/engines/hnswlib_engine.h"
#endif
#ifdef ZYPHYR_HAVE_HNSWLIB08
#include "bench/engines/hnswlib08_engine.h"
#endif
#ifdef ZYPHYR_HAVE_USEARCH
#include "bench/engines/usearch_engine.h"
#endif
#ifdef ZYPHYR_HAVE_FAISS
#include "bench/engines/faiss_engine.h"
#endif

namespace zyphyr {
namespace {

template <typename E>
Result<std::unique_ptr<Engine>> Make() {
  return std::unique_ptr<Engine>(std::make_unique<E>());
}

[[maybe_unused]] Status NotBuilt(std::string_view name, std::string_view how) {
  return Status::Unsupported("peer '" + std::string(name) + "' was not built (" + std::string(how) + ")");
}

[[maybe_unused]] constexpr std::string_view kFetch = "run scripts/fetch_peers.sh and reconfigure";

}  // namespace

Result<std::unique_ptr<Engine>> MakeEngine(std::string_view name) {
  if (name == "zyphyr") return Make<ZyphyrEngine>();
  if (name == "hnswlib") {
#ifdef ZYPHYR_HAVE_HNSWLIB
    return Make<HnswlibEngine>();
#else
    return NotBuilt(name, "install libhnswlib-dev and rebuild");
#endif
  }
  if (name == "hnswlib-0.8") {
#ifdef ZYPHYR_HAVE_HNSWLIB08
    return Make<Hnswlib08Engine>();
#else
    return NotBuilt(name, kFetch);
#endif
  }
  if (name == "usearch") {
#ifdef ZYPHYR_HAVE_USEARCH
    return Make<UsearchEngine>();
#else
    return NotBuilt(name, kFetch);
#endif
  }
  if (name == "faiss") {
#ifdef ZYPHYR_HAVE_FAISS
    return Make<FaissEngine>();
#else
    return NotBuilt(name, "install libfaiss-dev and rebuild");
#endif
  }
  return Status::InvalidArgument("unknown engine '" + std::string(name) +
                                 "' (expected zyphyr, hnswlib, hnswlib-0.8, usearch or faiss)");
}

std::vector<std::string> KnownPeers() { return {"hnswlib", "hnswlib-0.8", "usearch", "faiss"}; }

std::vector<std::string> AvailablePeers() {
  std::vector<std::string> peers;
#ifdef ZYPHYR_HAVE_HNSWLIB
  peers.emplace_back("hnswlib");
#endif
#ifdef ZYPHYR_HAVE_HNSWLIB08
  peers.emplace_back("hnswlib-0.8");
#endif
#ifdef ZYPHYR_HAVE_USEARCH
  peers.emplace_back("usearch");
#endif
#ifdef ZYPHYR_HAVE_FAISS
  peers.emplace_back("faiss");
#endif
  return peers;
}

}  // namespace zyphyr
