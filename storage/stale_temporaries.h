// Temporaries that a process killed without warning (SIGKILL, a node's power
// lost, mpirun taken down) left beside a target: files and staging
// directories named "<dir>/.<name>.tmp-<pid>-..." (storage/atomic_file.h)
// whose process no longer runs. Interrupts that can be caught remove their
// own (storage/interrupt_cleanup.h); these are what remains, and the next
// writer of the same target removes them.
//
// A staging directory holds an owner file (kStagingOwnerName: "<host> <pid>")
// written when it is created. One owned by another host is never removed
// (its process cannot be checked from here); one without an owner file, and a
// temporary file, belong to the pid in their name on this host.
#ifndef ZYPHYR_STORAGE_STALE_TEMPORARIES_H_
#define ZYPHYR_STORAGE_STALE_TEMPORARIES_H_

#include <string>
#include <vector>

#include "src/core/status.h"

namespace zyphyr {

inline constexpr char kStagingOwnerName[] = ".owner";

// This host's name, as the owner file records it.
std::string ThisHostName();

// Writes the owner file of this process into staging directory `dir`.
// IOError "<dir>/.owner: cannot write: <reason>".
Status WriteStagingOwner(const std::string& dir);

// Whether process `pid` may still run on this host (true when it cannot be told).
bool ProcessMayBeAlive(long pid);

// Removes the temporaries of `target` (a file or directory path) whose
// process is gone, as above; returns the paths removed. Errors while removing
// are ignored: a temporary that stays is only disk space.
std::vector<std::string> RemoveStaleTemporaries(const std::string& target);

}  // namespace zyphyr

#endif  // ZYPHYR_STORAGE_STALE_TEMPORARIES_H_
