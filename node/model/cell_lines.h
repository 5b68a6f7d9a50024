// The canonical lines of one return's cells, stored back to back in one buffer: a million-cell
// return is one allocation, not a million. At most 2^32 lines.
//
// A value type (copy and move keep every line valid: lines are kept as offsets, not pointers).
// Not thread-safe for writing.
#ifndef OTS_NODE_MODEL_CELL_LINES_H_
#define OTS_NODE_MODEL_CELL_LINES_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "crypto/sha256.h"

namespace ots {

class CellLines {
 public:
  // Room for about `lines` lines of `bytes` bytes in all. Room never written costs address
  // space, not memory, so a generous guess is cheap.
  void Reserve(size_t lines, size_t bytes) {
    ends_.reserve(lines);
    buffer_.reserve(bytes);
  }

  // Appends one line made of `parts` joined by `sep`.
  template <typename Parts>
  void AddJoined(const Parts& parts, char sep) {
    bool first = true;
    for (absl::string_view p : parts) {
      if (!first) {
        buffer_.push_back(sep);
      }
      first = false;
      buffer_.append(p.data(), p.size());
    }
    if (!order_.empty()) {
      order_.push_back(static_cast<uint32_t>(ends_.size()));
    }
    ends_.push_back(buffer_.size());
  }
  void Add(absl::string_view line) { AddJoined(std::initializer_list<absl::string_view>{line}, 0); }

  // Sorts the lines by their bytes. Only the order is written: Added(i) may be read meanwhile.
  void Sort() {
    std::vector<uint32_t> order(ends_.size());
    for (size_t i = 0; i < order.size(); ++i) {
      order[i] = static_cast<uint32_t>(i);
    }
    std::sort(order.begin(), order.end(),
              [this](uint32_t a, uint32_t b) { return Added(a) < Added(b); });
    order_ = std::move(order);
  }

  size_t size() const { return ends_.size(); }
  // Bytes of all lines together (without line ends).
  size_t byte_size() const { return buffer_.size(); }
  bool empty() const { return ends_.empty(); }
  // The i-th line: in sorted order once sorted, in the order added before.
  absl::string_view operator[](size_t i) const { return Added(order_.empty() ? i : order_[i]); }
  // The i-th line added, whatever the order.
  absl::string_view Added(size_t i) const {
    const size_t start = i == 0 ? 0 : ends_[i - 1];
    return absl::string_view(buffer_.data() + start, ends_[i] - start);
  }

  // Every line, for tests and small returns.
  std::vector<std::string> ToVector() const {
    std::vector<std::string> out;
    out.reserve(size());
    for (size_t i = 0; i < size(); ++i) {
      out.emplace_back((*this)[i]);
    }
    return out;
  }

 private:
  // 12 bytes per line beside its text: a million-cell return keeps 12 MB of bookkeeping.
  std::string buffer_;
  std::vector<uint64_t> ends_;   // where each line added ends in buffer_
  std::vector<uint32_t> order_;  // after Sort: the index added of each sorted line
};

// The cells root of a return (DESIGN §3.2): the Merkle root over its cell lines, which must be
// sorted. Hashed on two cores for a large return, in memory that does not grow with it.
Hash CellsRoot(const CellLines& sorted_lines);

}  // namespace ots

#endif  // OTS_NODE_MODEL_CELL_LINES_H_
