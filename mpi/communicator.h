// Communicator: the few MPI operations Zyphyr's distributed engine uses, as
// calls that return Status instead of aborting or throwing. MPI_COMM_WORLD
// gets the MPI_ERRORS_RETURN handler (MpiRuntime), so a failed MPI call
// becomes an Internal status naming the call.
//
// A default-constructed Communicator is a single rank without MPI (the zyphyr
// command started without mpirun): collectives are local copies and
// point-to-point calls are never made (there is no other rank).
//
// Failures are agreed, never thrown: each phase of a distributed command ends
// with Agree(local status), a collective every rank reaches whatever happened
// locally, so all ranks learn the first failure and leave together instead of
// one waiting forever in the next collective.
//
// Thread safety: call from the thread that started MPI only (MPI is
// initialised with MPI_THREAD_FUNNELED); search threads never touch MPI.
#ifndef ZYPHYR_MPI_COMMUNICATOR_H_
#define ZYPHYR_MPI_COMMUNICATOR_H_

#include <mpi.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "src/core/status.h"

namespace zyphyr {

class Communicator {
 public:
  // One rank, no MPI.
  Communicator() = default;
  // Over `comm` (MPI initialised). `local_size`: ranks on this node.
  Communicator(MPI_Comm comm, int rank, int size, int local_size);

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool is_root() const { return rank_ == 0; }
  // Ranks sharing this node (for sizing thread pools); 1 without MPI.
  int local_size() const { return local_size_; }
  bool uses_mpi() const { return uses_mpi_; }

  // How Agree words a failure.
  enum class Blame {
    kRank,   // "rank R: <message>" (and " (and N other ranks failed)"): a
             // rank's own work failed (its shard, its search).
    kInput,  // "<message>" alone: a check of the command's input, made by
             // rank 0 or alike by every rank.
  };

  // Collective. Every rank passes its own status and gets the same result:
  // OK when every rank's was OK; otherwise the lowest failing rank's status,
  // worded as `blame` says (never prefixed with one rank). An MPI failure
  // inside is returned as Internal.
  Status Agree(const Status& local, Blame blame = Blame::kRank);

  // Collective: `bytes` on `root` is copied to every rank.
  Status Broadcast(std::string* bytes, int root = 0);
  // Collective: `values` on `root` (its size too) is copied to every rank.
  Status Broadcast(std::vector<float>* values, int root = 0);

  // Collective: root gets every rank's `mine`, in rank order; other ranks
  // get an empty vector.
  Result<std::vector<std::string>> Gather(const std::string& mine, int root = 0);

  // Collective: each rank sends records (`record_bytes` each; whole records
  // only) to every rank: `to[r]` goes to rank r. Returns what this rank
  // received, rank 0's records first. Unsupported when one rank's part for
  // another exceeds 2 GiB (MPI's int counts).
  Result<std::vector<std::byte>> AllToAll(const std::vector<std::vector<std::byte>>& to, std::size_t record_bytes);

  // Point to point, for the query pipeline. Send blocks until `bytes` may be
  // reused; ISend returns at once and Wait finishes it (the buffer must live
  // until then). Recv takes a message of any length from `source` with `tag`.
  Status Send(int dest, int tag, std::span<const std::byte> bytes);
  Result<MPI_Request> ISend(int dest, int tag, std::span<const std::byte> bytes);
  Status Wait(MPI_Request* request);
  Result<std::vector<std::byte>> Recv(int source, int tag);

  // Ends every rank's process with `code` (MPI_Abort), for failures that
  // cannot be agreed (an exception escaping a command on one rank). Without
  // MPI it returns and the caller exits.
  void Abort(int code);

 private:
  Status Check(int rc, const char* call) const;

  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
  int local_size_ = 1;
  bool uses_mpi_ = false;
};

// Bytes <-> trivially copyable arrays for messages.
template <typename T>
std::span<const std::byte> AsBytes(const std::vector<T>& v) {
  return std::as_bytes(std::span<const T>(v));
}
inline std::span<const std::byte> AsBytes(const std::string& s) {
  return std::as_bytes(std::span<const char>(s.data(), s.size()));
}

}  // namespace zyphyr

#endif  // ZYPHYR_MPI_COMMUNICATOR_H_
