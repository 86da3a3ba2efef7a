#include "bench/engines/engine.h"

namespace zyphyr {

Status Engine::Build(std::span<const float> rows, std::size_t dim, Metric metric, const EngineBuildParams& params) {
  if (dim == 0 || rows.size() % dim != 0) {
    return Status::InvalidArgument(std::string(name()) + " engine: " + std::to_string(rows.size()) +
                                   " floats is not a whole number of rows of dimension " + std::to_string(dim));
  }
  dim_ = 0;
  ZYPHYR_RETURN_IF_ERROR(DoBuild(rows, dim, metric, params));
  dim_ = dim;
  ApplyEf(ef_);
  return Status::Ok();
}

Status Engine::SetEf(std::size_t ef) {
  if (ef == 0) return Status::InvalidArgument("ef must be at least 1");
  ef_ = ef;
  if (dim_ != 0) ApplyEf(ef_);
  return Status::Ok();
}

Status Engine::Search(std::span<const float> query, std::size_t k, std::vector<std::uint64_t>* ids) const {
  if (dim_ == 0) return Status::InvalidArgument(std::string(name()) + " engine: search before build");
  if (query.size() != dim_) {
    return Status::InvalidArgument("query has dimension " + std::to_string(query.size()) + ", expected " +
                                   std::to_string(dim_));
  }
  if (k == 0) return Status::InvalidArgument("k must be at least 1");
  ids->clear();
  return DoSearch(query, k, ef_, ids);
}

}  // namespace zyphyr
