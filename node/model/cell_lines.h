// The canonical lines of one return's cells, stored back to back in one buffer: a million-cell
// return is one allocation, not a million.
//
// A value type (copy and move keep every line valid: lines are kept as offsets, not pointers).
// Not thread-safe for writing.
#ifndef OTS_NODE_MODEL_CELL_LINES_H_
#define OTS_NODE_MODEL_CELL_LINES_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "crypto/sha256.h"

namespace ots {

class CellLines {
 public:
  // Room for about `lines` lines of `bytes` bytes in all.
  void Reserve(size_t lines, size_t bytes) {
    spans_.reserve(lines);
    buffer_.reserve(bytes);
  }

  // Appends one line made of `parts` joined by `sep`.
  template <typename Parts>
  void AddJoined(const Parts& parts, char sep) {
    const size_t start = buffer_.size();
    bool first = true;
    for (absl::string_view p : parts) {
      if (!first) {
        buffer_.push_back(sep);
      }
      first = false;
      buffer_.append(p.data(), p.size());
    }
    spans_.push_back({start, buffer_.size() - start});
  }
  void Add(absl::string_view line) { AddJoined(std::initializer_list<absl::string_view>{line}, 0); }

  // Sorts the lines by their bytes.
  void Sort() {
    const char* base = buffer_.data();
    std::sort(spans_.begin(), spans_.end(), [base](const Span& a, const Span& b) {
      return absl::string_view(base + a.start, a.size) < absl::string_view(base + b.start, b.size);
    });
  }

  size_t size() const { return spans_.size(); }
  // Bytes of all lines together (without line ends).
  size_t byte_size() const { return buffer_.size(); }
  bool empty() const { return spans_.empty(); }
  absl::string_view operator[](size_t i) const {
    return absl::string_view(buffer_.data() + spans_[i].start, spans_[i].size);
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
  struct Span {
    size_t start;
    size_t size;
  };
  std::string buffer_;
  std::vector<Span> spans_;
};

// The Merkle leaf hashes of a return's cell lines, which must be sorted (DESIGN §3.2): on two
// cores for a large return.
std::vector<Hash> CellLeafHashes(const CellLines& sorted_lines);

}  // namespace ots

#endif  // OTS_NODE_MODEL_CELL_LINES_H_
