#include <string>

#include "bench/engines/engine.h"
#include "bench/engines/zyphyr_engine.h"
#ifdef ZYPHYR_HAVE_HNSWLIB
#include "bench/engines/hnswlib_engine.h"
#endif
#ifdef ZYPHYR_HAVE_FAISS
#include "bench/engines/faiss_engine.h"
#endif

namespace zyphyr {

Result<std::unique_ptr<Engine>> MakeEngine(std::string_view name) {
  if (name == "zyphyr") return std::unique_ptr<Engine>(std::make_unique<ZyphyrEngine>());
  if (name == "hnswlib") {
#ifdef ZYPHYR_HAVE_HNSWLIB
    return std::unique_ptr<Engine>(std::make_unique<HnswlibEngine>());
#else
    return Status::Unsupported("peer 'hnswlib' was not built (install libhnswlib-dev and rebuild)");
#endif
  }
  if (name == "faiss") {
#ifdef ZYPHYR_HAVE_FAISS
    return std::unique_ptr<Engine>(std::make_unique<FaissEngine>());
#else
    return Status::Unsupported("peer 'faiss' was not built (install libfaiss-dev and rebuild)");
#endif
  }
  return Status::InvalidArgument("unknown engine '" + std::string(name) + "' (expected zyphyr, hnswlib or faiss)");
}

std::vector<std::string> AvailablePeers() {
  std::vector<std::string> peers;
#ifdef ZYPHYR_HAVE_HNSWLIB
  peers.emplace_back("hnswlib");
#endif
#ifdef ZYPHYR_HAVE_FAISS
  peers.emplace_back("faiss");
#endif
  return peers;
}

}  // namespace zyphyr
