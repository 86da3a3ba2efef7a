// Value-parameterised tests over every metric and every coded encoding (int8
// and pq): the fixture base, the values and the test-name generator.
#ifndef ZYPHYR_TESTS_QUANT_METRIC_ENCODING_PARAMS_H_
#define ZYPHYR_TESTS_QUANT_METRIC_ENCODING_PARAMS_H_

#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "src/core/metric.h"
#include "src/quant/encoding.h"

namespace zyphyr::testing {

class MetricEncodingTest : public ::testing::TestWithParam<std::tuple<Metric, Encoding>> {
 protected:
  Metric metric() const { return std::get<0>(GetParam()); }
  Encoding encoding() const { return std::get<1>(GetParam()); }
};

// Every metric crossed with int8 and pq.
inline auto EveryMetricAndCodedEncoding() {
  return ::testing::Combine(::testing::Values(Metric::kL2, Metric::kInnerProduct, Metric::kCosine),
                            ::testing::Values(Encoding::kInt8, Encoding::kPq));
}

// "<metric>_<encoding>", e.g. "l2_int8".
inline std::string MetricEncodingName(const ::testing::TestParamInfo<std::tuple<Metric, Encoding>>& info) {
  return std::string(MetricName(std::get<0>(info.param))) + "_" + std::string(EncodingName(std::get<1>(info.param)));
}

}  // namespace zyphyr::testing

#endif  // ZYPHYR_TESTS_QUANT_METRIC_ENCODING_PARAMS_H_
