#include "mpi/query_pipeline.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <mutex>

#include "mpi/messages.h"
#include "mpi/shard_assignment.h"
#include "src/core/parallel_for.h"

namespace zyphyr {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kTagBatch = 101;
constexpr int kTagQueries = 102;
constexpr int kTagResult = 103;
constexpr int kTagIds = 104;
constexpr int kTagDistances = 105;

double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

// The queries of one batch a rank searches, and (routed mode) which of its
// shards for each.
struct Share {
  std::vector<std::uint32_t> queries;
  std::vector<std::vector<std::uint32_t>> routes;
};

Share ShareOf(IndexRange batch, IndexRange owned, const std::vector<std::vector<std::uint32_t>>& routes) {
  Share share;
  for (std::size_t q = batch.begin; q < batch.end; ++q) {
    if (routes.empty()) {
      share.queries.push_back(static_cast<std::uint32_t>(q));
      continue;
    }
    std::vector<std::uint32_t> mine;
    for (std::uint32_t s : routes[q]) {
      if (owned.contains(s)) mine.push_back(s);
    }
    if (mine.empty()) continue;
    share.queries.push_back(static_cast<std::uint32_t>(q));
    share.routes.push_back(std::move(mine));
  }
  return share;
}

// Searches `count` query rows (stride floats each, in `rows`) on this rank.
Status SearchRows(const float* rows, std::size_t count, const std::vector<std::vector<std::uint32_t>>& routes,
                  std::size_t stride, std::size_t k, std::size_t ef, std::size_t threads, const LocalSearch& search,
                  TopKLists* out) {
  *out = TopKLists(count, k);
  std::mutex mutex;
  Status failure;
  ParallelFor(
      0, count, threads, [] { return std::vector<Neighbor>(); },
      [&](std::size_t i, std::vector<Neighbor>& found) {
        std::span<const std::uint32_t> shards;
        if (!routes.empty()) shards = routes[i];
        Status st = search(rows + i * stride, shards, k, ef, &found);
        if (st.ok()) {
          out->Set(i, found);
          return;
        }
        std::lock_guard<std::mutex> lock(mutex);
        if (failure.ok()) failure = st;
      });
  return failure;
}

// A batch the coordinator has sent: what went to whom, kept alive until the
// sends complete.
struct SentBatch {
  IndexRange range;
  Clock::time_point sent_at;
  std::vector<Share> shares;  // Per rank (rank 0's searched locally).
  std::vector<std::string> headers;
  std::vector<std::vector<float>> rows;
  std::vector<MPI_Request> requests;
};

class Coordinator {
 public:
  Coordinator(Communicator& comm, std::span<const float> queries, const std::vector<std::vector<std::uint32_t>>& routes,
              const PipelineOptions& options, const LocalSearch& search)
      : comm_(comm), queries_(queries), routes_(routes), options_(options), search_(search) {}

  Result<PipelineResult> Run() {
    const Clock::time_point start = Clock::now();
    const std::size_t n = queries_.size() / options_.stride;
    result_.lists = TopKLists(n, options_.k);
    result_.latency_seconds.assign(n, 0.0);
    const std::size_t batches = (n + options_.batch - 1) / options_.batch;
    Status failure;
    SentBatch next;
    if (batches > 0) failure = SendBatch(0, &next);
    for (std::size_t b = 0; b < batches && failure.ok(); ++b) {
      SentBatch current = std::move(next);
      next = SentBatch();
      if (options_.pipelined && b + 1 < batches) failure = SendBatch(b + 1, &next);
      if (failure.ok()) failure = SearchGatherAndMerge(current);
      if (!options_.pipelined && failure.ok() && b + 1 < batches) failure = SendBatch(b + 1, &next);
      if (!failure.ok() && !next.requests.empty()) {
        // Collect the batch already sent so no rank is left blocked sending.
        DrainWithoutMerging(next);
      }
    }
    if (!broken_) {
      Status stopped = SendStop(failure);
      if (failure.ok()) failure = stopped;
    }
    // A failed MPI call or a malformed message leaves ranks waiting for
    // messages that will never come: no agreement is possible, end the job.
    if (broken_) comm_.Abort(1);
    result_.times.wall = Seconds(start, Clock::now());
    if (!failure.ok()) return failure;
    return std::move(result_);
  }

 private:
  IndexRange BatchRange(std::size_t b) const {
    const std::size_t n = queries_.size() / options_.stride;
    return {b * options_.batch, std::min(n, (b + 1) * options_.batch)};
  }

  // Sends batch `b`'s share to every rank but 0, asynchronously: the sends
  // stay in flight in `sent` (its requests) until SearchAndGather waits on them.
  Status SendBatch(std::size_t b, SentBatch* sent) {
    const Clock::time_point t0 = Clock::now();
    const auto ranks = static_cast<std::size_t>(comm_.size());
    sent->range = BatchRange(b);
    sent->sent_at = t0;
    sent->shares.resize(ranks);
    sent->headers.resize(ranks);
    sent->rows.resize(ranks);
    for (std::size_t r = 0; r < ranks; ++r) {
      sent->shares[r] = ShareOf(sent->range, ShardsOfRank(options_.shards, ranks, r), routes_);
      if (r == 0) continue;
      BatchHeader header;
      header.batch = b;
      header.k = static_cast<std::uint32_t>(options_.k);
      header.ef = static_cast<std::uint32_t>(options_.ef);
      header.queries = sent->shares[r].queries;
      header.routes = sent->shares[r].routes;
      sent->headers[r] = Encode(header);
      std::vector<float>& rows = sent->rows[r];
      rows.resize(header.queries.size() * options_.stride);
      for (std::size_t i = 0; i < header.queries.size(); ++i) {
        std::memcpy(&rows[i * options_.stride], &queries_[header.queries[i] * options_.stride],
                    options_.stride * sizeof(float));
      }
      for (auto [tag, bytes] :
           {std::pair{kTagBatch, AsBytes(sent->headers[r])}, std::pair{kTagQueries, AsBytes(rows)}}) {
        Result<MPI_Request> request = comm_.ISend(static_cast<int>(r), tag, bytes);
        if (!request.ok()) return Broken(request.status());
        sent->requests.push_back(*request);
      }
    }
    result_.times.scatter += Seconds(t0, Clock::now());
    return Status::Ok();
  }

  // Searches and gathers `sent` (SearchAndGather), then merges every rank's
  // lists into the result's rows of the batch and records their latency.
  Status SearchGatherAndMerge(SentBatch& sent) {
    std::vector<TopKLists> parts;
    ZYPHYR_RETURN_IF_ERROR(SearchAndGather(sent, &parts));
    MergeIntoResult(sent, parts);
    return Status::Ok();
  }

  // Searches and gathers `sent` after a failure, only so that no rank is left
  // blocked sending its results; their lists and any error are dropped.
  void DrainWithoutMerging(SentBatch& sent) {
    std::vector<TopKLists> parts;
    (void)SearchAndGather(sent, &parts);
  }

  // Completes the sends of `sent`, searches rank 0's share, and receives every
  // other rank's results: `parts` gets each rank's lists as BatchWideLists, in
  // rank order, for the ranks that succeeded. Returns the first rank's error,
  // or (after Broken) a failure of the protocol.
  Status SearchAndGather(SentBatch& sent, std::vector<TopKLists>* parts) {
    const auto ranks = static_cast<std::size_t>(comm_.size());
    Status failure;

    // Finish delivering this batch before rank 0 goes off to search: without
    // an asynchronous progress thread, MPI moves a large message only while
    // its sender is inside an MPI call, so a batch still in flight would wait
    // for rank 0's search and the ranks would take turns instead of working
    // at once. (The next batch stays in flight: the ranks need it only later.)
    Clock::time_point t = Clock::now();
    for (MPI_Request& request : sent.requests) {
      if (Status st = comm_.Wait(&request); !st.ok()) return Broken(st);
    }
    sent.requests.clear();
    Clock::time_point now = Clock::now();
    result_.times.scatter += Seconds(t, now);

    t = now;
    const Share& own = sent.shares[0];
    std::vector<float> own_rows(own.queries.size() * options_.stride);
    for (std::size_t i = 0; i < own.queries.size(); ++i) {
      std::memcpy(&own_rows[i * options_.stride], &queries_[own.queries[i] * options_.stride],
                  options_.stride * sizeof(float));
    }
    TopKLists own_lists;
    Status st = SearchRows(own_rows.data(), own.queries.size(), own.routes, options_.stride, options_.k, options_.ef,
                           options_.threads, search_, &own_lists);
    if (!st.ok() && failure.ok()) failure = comm_.size() > 1 ? st.WithContext("rank 0") : st;
    parts->push_back(BatchWideLists(own_lists, own, sent.range));
    now = Clock::now();
    result_.times.local_search += Seconds(t, now);

    t = now;
    for (std::size_t r = 1; r < ranks; ++r) {
      Result<std::vector<std::byte>> header_bytes = comm_.Recv(static_cast<int>(r), kTagResult);
      if (!header_bytes.ok()) return Broken(header_bytes.status());
      Result<ResultHeader> header = Decode<ResultHeader>(
          std::string(reinterpret_cast<const char*>(header_bytes->data()), header_bytes->size()), "result");
      if (!header.ok()) return Broken(header.status());
      Result<std::vector<std::byte>> ids = comm_.Recv(static_cast<int>(r), kTagIds);
      if (!ids.ok()) return Broken(ids.status());
      Result<std::vector<std::byte>> distances = comm_.Recv(static_cast<int>(r), kTagDistances);
      if (!distances.ok()) return Broken(distances.status());
      result_.times.worker_search_sum += header->search_seconds;
      worker_search_[r] += header->search_seconds;
      if (header->code != 0) {
        if (failure.ok()) failure = StatusFromCode(header->code, "rank " + std::to_string(r) + ": " + header->error);
        continue;
      }
      const Share& share = sent.shares[r];
      TopKLists lists(share.queries.size(), options_.k);
      if (ids->size() != lists.ids.size() * sizeof(std::uint64_t) ||
          distances->size() != lists.distances.size() * sizeof(float)) {
        return Broken(Status::Internal("rank " + std::to_string(r) + " sent results of the wrong size"));
      }
      if (!ids->empty()) {  // A rank routed no query of this batch sends nothing.
        std::memcpy(lists.ids.data(), ids->data(), ids->size());
        std::memcpy(lists.distances.data(), distances->data(), distances->size());
      }
      parts->push_back(BatchWideLists(lists, share, sent.range));
    }
    now = Clock::now();
    result_.times.gather += Seconds(t, now);
    for (std::size_t r = 1; r < ranks; ++r) {
      result_.times.worker_search_max = std::max(result_.times.worker_search_max, worker_search_[r]);
    }
    return failure;
  }

  // Merges `parts` (SearchAndGather's) into the result's rows of `sent`'s
  // batch and sets their latency, from the batch's send to now.
  void MergeIntoResult(const SentBatch& sent, const std::vector<TopKLists>& parts) {
    const Clock::time_point t = Clock::now();
    const TopKLists merged = MergeTopK(parts, sent.range.size(), options_.k);
    std::copy(merged.ids.begin(), merged.ids.end(), result_.lists.ids.begin() + sent.range.begin * options_.k);
    std::copy(merged.distances.begin(), merged.distances.end(),
              result_.lists.distances.begin() + sent.range.begin * options_.k);
    const Clock::time_point now = Clock::now();
    result_.times.merge += Seconds(t, now);
    const double latency = Seconds(sent.sent_at, now);
    for (std::size_t q = sent.range.begin; q < sent.range.end; ++q) result_.latency_seconds[q] = latency;
  }

  // One rank's lists over its share, placed at the share's queries' rows of
  // a batch-wide list (other rows unused).
  TopKLists BatchWideLists(const TopKLists& lists, const Share& share, IndexRange batch) const {
    TopKLists wide(batch.size(), options_.k);
    for (std::size_t i = 0; i < share.queries.size(); ++i) {
      const std::size_t row = share.queries[i] - batch.begin;
      std::copy_n(lists.ids.begin() + i * options_.k, options_.k, wide.ids.begin() + row * options_.k);
      std::copy_n(lists.distances.begin() + i * options_.k, options_.k, wide.distances.begin() + row * options_.k);
    }
    return wide;
  }

  Status SendStop(const Status& failure) {
    BatchHeader stop;
    stop.stop = true;
    stop.code = static_cast<int>(failure.code());
    stop.error = failure.message();
    const std::string bytes = Encode(stop);
    for (int r = 1; r < comm_.size(); ++r) {
      if (Status st = comm_.Send(r, kTagBatch, AsBytes(bytes)); !st.ok()) return Broken(st);
    }
    return Status::Ok();
  }

  // Marks a failure of the protocol itself (see Run).
  Status Broken(Status st) {
    broken_ = true;
    return st;
  }

  Communicator& comm_;
  bool broken_ = false;
  std::span<const float> queries_;
  const std::vector<std::vector<std::uint32_t>>& routes_;
  const PipelineOptions& options_;
  const LocalSearch& search_;
  PipelineResult result_;
  std::vector<double> worker_search_ = std::vector<double>(static_cast<std::size_t>(comm_.size()), 0.0);
};

// A rank other than 0: serve batches until told to stop.
Status Serve(Communicator& comm, const PipelineOptions& options, const LocalSearch& search, bool* stopped) {
  for (;;) {
    Result<std::vector<std::byte>> bytes = comm.Recv(0, kTagBatch);
    if (!bytes.ok()) return bytes.status();
    Result<BatchHeader> header =
        Decode<BatchHeader>(std::string(reinterpret_cast<const char*>(bytes->data()), bytes->size()), "batch");
    if (!header.ok()) return header.status();
    if (header->stop) {
      *stopped = true;
      return StatusFromCode(header->code, header->error);
    }
    Result<std::vector<std::byte>> rows = comm.Recv(0, kTagQueries);
    if (!rows.ok()) return rows.status();
    const std::size_t count = header->queries.size();
    ResultHeader result;
    result.batch = header->batch;
    TopKLists lists;
    if (rows->size() != count * options.stride * sizeof(float)) {
      result.code = static_cast<int>(StatusCode::kInternal);
      result.error = "received a batch of the wrong size";
    } else {
      const Clock::time_point t = Clock::now();
      Status st = SearchRows(reinterpret_cast<const float*>(rows->data()), count, header->routes, options.stride,
                             header->k, header->ef, options.threads, search, &lists);
      result.search_seconds = Seconds(t, Clock::now());
      result.code = static_cast<int>(st.code());
      result.error = st.message();
    }
    if (result.code != 0) lists = TopKLists();
    const std::string encoded = Encode(result);
    ZYPHYR_RETURN_IF_ERROR(comm.Send(0, kTagResult, AsBytes(encoded)));
    ZYPHYR_RETURN_IF_ERROR(comm.Send(0, kTagIds, AsBytes(lists.ids)));
    ZYPHYR_RETURN_IF_ERROR(comm.Send(0, kTagDistances, AsBytes(lists.distances)));
  }
}

}  // namespace

Result<PipelineResult> RunQueryPipeline(Communicator& comm, std::span<const float> queries,
                                        const std::vector<std::vector<std::uint32_t>>& routes,
                                        const PipelineOptions& options, const LocalSearch& search) {
  if (!comm.is_root()) {
    bool stopped = false;
    Status st = Serve(comm, options, search, &stopped);
    // Anything but rank 0's order to stop is a broken protocol: rank 0 waits
    // for this rank's results, so end the job rather than let it hang.
    if (!stopped) comm.Abort(1);
    if (!st.ok()) return st;
    return PipelineResult();
  }
  return Coordinator(comm, queries, routes, options, search).Run();
}

}  // namespace zyphyr
