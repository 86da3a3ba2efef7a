// ForkWithPipe: a child process with a pipe from it to the parent.
#ifndef ZYPHYR_TESTS_CHILD_PIPE_H_
#define ZYPHYR_TESTS_CHILD_PIPE_H_

#include <gtest/gtest.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace zyphyr::testing {

// Creates a pipe and forks. In the child *pid is 0 and *fd the write end; in the parent *pid is the child's and *fd
// the read end, which the caller closes. Each side closes the end it does not keep. A fatal failure when pipe or fork
// fails.
inline void ForkWithPipe(pid_t* pid, int* fd) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0) << "pipe: " << std::strerror(errno);
  *pid = ::fork();
  ASSERT_GE(*pid, 0) << "fork: " << std::strerror(errno);
  const bool child = *pid == 0;
  ::close(child ? fds[0] : fds[1]);
  *fd = child ? fds[1] : fds[0];
}

}  // namespace zyphyr::testing

#endif  // ZYPHYR_TESTS_CHILD_PIPE_H_
