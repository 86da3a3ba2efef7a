// `zyphyr dataset synthetic --out BASE.u8bin --queries-out QUERY.u8bin`: the
// rows generated and written a block at a time (SyntheticRows,
// VectorFileWriter), so a billion-row file never sits in memory; byte types
// take MapToElementRange's SIFT-like mapping. No ground truth is computed.
#include <algorithm>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "cli/cli_errors.h"
#include "cli/dataset_command.h"
#include "cli/progress_bar.h"
#include "cli/stopwatch.h"
#include "io/vector_file.h"
#include "io/vector_file_writer.h"
#include "src/core/metric.h"
#include "src/data/synthetic.h"

namespace zyphyr::cli {
namespace {

// Rows generated and appended per step (a multiple of kSyntheticBlockRows).
constexpr std::size_t kSyntheticWriteRows = 16 * kSyntheticBlockRows;

Status WriteSyntheticRows(VectorFileWriter* writer, std::size_t rows, const SyntheticSpec& spec, SampleStream stream,
                          ProgressBar* bar, std::size_t* done, std::size_t total) {
  Result<SyntheticRows> generator = SyntheticRows::Create(spec, stream);
  if (!generator.ok()) return generator.status();
  std::vector<float> block(std::min(rows, kSyntheticWriteRows) * spec.dim);
  for (std::size_t begin = 0; begin < rows; begin += kSyntheticWriteRows) {
    const std::size_t count = std::min(kSyntheticWriteRows, rows - begin);
    std::span<float> values(block.data(), count * spec.dim);
    ZYPHYR_RETURN_IF_ERROR(generator->Generate(begin, count, values));
    MapToElementRange(writer->element_type(), values);
    ZYPHYR_RETURN_IF_ERROR(writer->Append(values));
    *done += count;
    bar->Update(*done, total);
  }
  return Status::Ok();
}

}  // namespace

int RunSyntheticRows(const DatasetOptions& o) {
  if (o.queries_out.empty()) {
    return ReportError(
        Status::InvalidArgument("--queries-out is required: " + o.out + " is a row file, which holds no queries"));
  }
  if (!IsVectorFilePath(o.queries_out)) {
    return ReportError(Status::InvalidArgument(
        o.queries_out + ": unknown extension (expected .fbin, .u8bin, .i8bin, .fvecs or .bvecs)"));
  }
  if (o.queries_out == o.out) {
    return ReportError(Status::InvalidArgument("--queries-out names the same file as --out (" + o.out + ")"));
  }
  // Row files carry no metric; --metric only words the groundtruth line printed at the end.
  if (Result<Metric> metric = ParseMetric(o.metric); !metric.ok()) return ReportError(metric.status());
  if (Status st = CheckDistribution(o); !st.ok()) return ReportError(st);
  const bool uniform = o.distribution == "uniform";
  const Stopwatch clock;
  const SyntheticSpec spec{o.dim, o.clusters, o.intrinsic_dim, uniform, o.seed};
  // Both files are created (and refused when present) before anything is written; both appear at the end.
  Result<VectorFileWriter> base = VectorFileWriter::Create(o.out, o.n, o.dim, o.force);
  if (!base.ok()) return ReportError(base.status());
  Result<VectorFileWriter> queries = VectorFileWriter::Create(o.queries_out, o.queries, o.dim, o.force);
  if (!queries.ok()) return ReportError(queries.status());
  ProgressBar bar("synthetic rows");
  std::size_t done = 0;
  const std::size_t total = o.n + o.queries;
  Status st = WriteSyntheticRows(&*base, o.n, spec, SampleStream::kBase, &bar, &done, total);
  if (st.ok()) st = WriteSyntheticRows(&*queries, o.queries, spec, SampleStream::kQueries, &bar, &done, total);
  if (st.ok()) st = base->Commit();
  if (st.ok()) st = queries->Commit();
  if (!st.ok()) return ReportError(st);
  bar.Finish();
  fmt::print(
      "wrote {}: {} x {} base rows and {}: {} x {} queries ({:.1f} s); no ground truth: compute it with\n"
      "  zyphyr dataset groundtruth --data {} --queries {} --metric {} --k {} --out GT.ibin\n",
      o.out, o.n, o.dim, o.queries_out, o.queries, o.dim, clock.Seconds(), o.out, o.queries_out, o.metric, o.k);
  return 0;
}

}  // namespace zyphyr::cli
