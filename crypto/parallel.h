// Runs two independent pieces of work on the machine's cores. Used for the few steps that
// handle a whole million-cell return at once (hashing, sorting, checking totals).
#ifndef OTS_CRYPTO_PARALLEL_H_
#define OTS_CRYPTO_PARALLEL_H_

#include <system_error>
#include <thread>

namespace ots {

// Runs `a` on the calling thread and `b` on a second one, and returns when both are done. If no
// thread can be started, runs `b` after `a` on the calling thread. `a` and `b` must not throw
// and must not touch the same data unless it is read-only.
template <typename A, typename B>
void RunBoth(A&& a, B&& b) {
  std::thread other;
  try {
    other = std::thread(b);
  } catch (const std::system_error&) {
    a();
    b();
    return;
  }
  a();
  other.join();
}

}  // namespace ots

#endif  // OTS_CRYPTO_PARALLEL_H_
