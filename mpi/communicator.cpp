#include "mpi/communicator.h"

#include <climits>
#include <cstring>

#include "mpi/messages.h"
#include "src/core/check.h"

namespace zyphyr {
namespace {

// Message sizes go through MPI's int counts in chunks of this many bytes.
constexpr std::size_t kChunkBytes = std::size_t{1} << 30;

}  // namespace

Communicator::Communicator(MPI_Comm comm, int rank, int size, int local_size)
    : comm_(comm), rank_(rank), size_(size), local_size_(local_size), uses_mpi_(true) {}

Status Communicator::Check(int rc, const char* call) const {
  if (rc == MPI_SUCCESS) return Status::Ok();
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(rc, text, &length);
  return Status::Internal("rank " + std::to_string(rank_) + ": " + call + " failed: " + std::string(text, length));
}

Status Communicator::Agree(const Status& local, Blame blame) {
  if (!uses_mpi_) return local;
  // The lowest failing rank (size_ when none), and how many failed.
  int mine[2] = {local.ok() ? size_ : rank_, local.ok() ? 0 : 1};
  int first = 0;
  int failed = 0;
  ZYPHYR_RETURN_IF_ERROR(Check(MPI_Allreduce(&mine[0], &first, 1, MPI_INT, MPI_MIN, comm_), "MPI_Allreduce"));
  ZYPHYR_RETURN_IF_ERROR(Check(MPI_Allreduce(&mine[1], &failed, 1, MPI_INT, MPI_SUM, comm_), "MPI_Allreduce"));
  if (first == size_) return Status::Ok();
  std::string message = local.message();
  int code = static_cast<int>(local.code());
  ZYPHYR_RETURN_IF_ERROR(Check(MPI_Bcast(&code, 1, MPI_INT, first, comm_), "MPI_Bcast"));
  ZYPHYR_RETURN_IF_ERROR(Broadcast(&message, first));
  if (blame == Blame::kInput) return StatusFromCode(code, std::move(message));
  if (size_ > 1) message = "rank " + std::to_string(first) + ": " + message;
  if (failed > 1) {
    message += " (and " + std::to_string(failed - 1) + " other rank" + (failed == 2 ? "" : "s") + " failed)";
  }
  return StatusFromCode(code, std::move(message));
}

Status Communicator::Broadcast(std::string* bytes, int root) {
  if (!uses_mpi_) return Status::Ok();
  std::uint64_t size = bytes->size();
  ZYPHYR_RETURN_IF_ERROR(Check(MPI_Bcast(&size, 1, MPI_UINT64_T, root, comm_), "MPI_Bcast"));
  bytes->resize(size);
  for (std::size_t at = 0; at < size; at += kChunkBytes) {
    const int n = static_cast<int>(std::min<std::size_t>(kChunkBytes, size - at));
    ZYPHYR_RETURN_IF_ERROR(Check(MPI_Bcast(bytes->data() + at, n, MPI_BYTE, root, comm_), "MPI_Bcast"));
  }
  return Status::Ok();
}

Status Communicator::Broadcast(std::vector<float>* values, int root) {
  if (!uses_mpi_) return Status::Ok();
  std::string bytes;
  if (rank_ == root) bytes.assign(reinterpret_cast<const char*>(values->data()), values->size() * sizeof(float));
  ZYPHYR_RETURN_IF_ERROR(Broadcast(&bytes, root));
  values->resize(bytes.size() / sizeof(float));
  if (!values->empty()) std::memcpy(values->data(), bytes.data(), values->size() * sizeof(float));
  return Status::Ok();
}

Result<std::vector<std::string>> Communicator::Gather(const std::string& mine, int root) {
  if (!uses_mpi_) return std::vector<std::string>{mine};
  std::vector<std::string> all;
  if (rank_ != root) {
    ZYPHYR_RETURN_IF_ERROR(Send(root, /*tag=*/0x7A00, AsBytes(mine)));
    return all;
  }
  all.resize(static_cast<std::size_t>(size_));
  all[static_cast<std::size_t>(root)] = mine;
  for (int r = 0; r < size_; ++r) {
    if (r == root) continue;
    Result<std::vector<std::byte>> got = Recv(r, 0x7A00);
    if (!got.ok()) return got.status();
    all[static_cast<std::size_t>(r)].assign(reinterpret_cast<const char*>(got->data()), got->size());
  }
  return all;
}

Result<std::vector<std::byte>> Communicator::AllToAll(const std::vector<std::vector<std::byte>>& to,
                                                      std::size_t record_bytes) {
  ZYPHYR_CHECK(to.size() == static_cast<std::size_t>(size_) && record_bytes > 0);
  if (!uses_mpi_) return to[0];
  // Pairwise exchange in rank order: no all-to-all buffers sized in ints.
  std::vector<std::vector<std::byte>> from(static_cast<std::size_t>(size_));
  from[static_cast<std::size_t>(rank_)] = to[static_cast<std::size_t>(rank_)];
  constexpr int kTag = 0x7A01;
  for (int step = 1; step < size_; ++step) {
    const int dest = (rank_ + step) % size_;
    const int source = (rank_ - step + size_) % size_;
    Result<MPI_Request> sent = ISend(dest, kTag, to[static_cast<std::size_t>(dest)]);
    if (!sent.ok()) return sent.status();
    Result<std::vector<std::byte>> got = Recv(source, kTag);
    ZYPHYR_RETURN_IF_ERROR(Wait(&*sent));
    if (!got.ok()) return got.status();
    if (got->size() % record_bytes != 0) {
      return Status::Internal("rank " + std::to_string(rank_) + ": received a partial record from rank " +
                              std::to_string(source));
    }
    from[static_cast<std::size_t>(source)] = std::move(*got);
  }
  std::vector<std::byte> all;
  for (const auto& part : from) all.insert(all.end(), part.begin(), part.end());
  return all;
}

Status Communicator::Send(int dest, int tag, std::span<const std::byte> bytes) {
  Result<MPI_Request> request = ISend(dest, tag, bytes);
  if (!request.ok()) return request.status();
  return Wait(&*request);
}

Result<MPI_Request> Communicator::ISend(int dest, int tag, std::span<const std::byte> bytes) {
  ZYPHYR_CHECK(uses_mpi_);
  // One message of up to INT_MAX elements of a 1 KiB type plus a tail would
  // complicate the receiver; messages here stay far below 2 GiB (a query
  // batch or its results), so refuse larger ones plainly.
  if (bytes.size() > static_cast<std::size_t>(INT_MAX)) {
    return Status::Unsupported("rank " + std::to_string(rank_) + ": message of " + std::to_string(bytes.size()) +
                               " bytes exceeds MPI's 2 GiB limit (use smaller batches)");
  }
  MPI_Request request = MPI_REQUEST_NULL;
  ZYPHYR_RETURN_IF_ERROR(Check(MPI_Isend(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, dest, tag, comm_,
                                         &request),
                               "MPI_Isend"));
  return request;
}

Status Communicator::Wait(MPI_Request* request) {
  return Check(MPI_Wait(request, MPI_STATUS_IGNORE), "MPI_Wait");
}

void Communicator::Abort(int code) {
  if (uses_mpi_) MPI_Abort(comm_, code);
}

Result<std::vector<std::byte>> Communicator::Recv(int source, int tag) {
  ZYPHYR_CHECK(uses_mpi_);
  MPI_Status status;
  ZYPHYR_RETURN_IF_ERROR(Check(MPI_Probe(source, tag, comm_, &status), "MPI_Probe"));
  int count = 0;
  ZYPHYR_RETURN_IF_ERROR(Check(MPI_Get_count(&status, MPI_BYTE, &count), "MPI_Get_count"));
  std::vector<std::byte> bytes(static_cast<std::size_t>(count));
  ZYPHYR_RETURN_IF_ERROR(
      Check(MPI_Recv(bytes.data(), count, MPI_BYTE, source, tag, comm_, MPI_STATUS_IGNORE), "MPI_Recv"));
  return bytes;
}

}  // namespace zyphyr
