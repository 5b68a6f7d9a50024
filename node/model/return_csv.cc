#include "node/model/return_csv.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <deque>
#include <map>
#include <tuple>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "crypto/bytes.h"
#include "crypto/parallel.h"
#include "node/base/text.h"
#include "node/model/cell_line.h"
#include "node/model/codes.h"

namespace ots {
namespace {

// Collects problems up to kMaxProblems and counts them all.
class Problems {
 public:
  void Add(size_t line, std::string message) {
    ++count_;
    if (list_.size() < kMaxProblems) {
      list_.push_back({line, std::move(message)});
    }
  }
  // Adds problems found after reading, which go into the list by their line (those of one line
  // after the ones found while reading it).
  void Merge(std::vector<std::pair<size_t, std::string>> found) {
    std::stable_sort(found.begin(), found.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    count_ += found.size();
    std::vector<ReturnProblem> merged;
    merged.reserve(std::min(kMaxProblems, list_.size() + found.size()));
    auto it = found.begin();
    for (ReturnProblem& p : list_) {
      for (; it != found.end() && it->first < p.line && merged.size() < kMaxProblems; ++it) {
        merged.push_back({it->first, std::move(it->second)});
      }
      if (merged.size() < kMaxProblems) {
        merged.push_back(std::move(p));
      }
    }
    for (; it != found.end() && merged.size() < kMaxProblems; ++it) {
      merged.push_back({it->first, std::move(it->second)});
    }
    list_ = std::move(merged);
  }
  // True once more than kMaxProblems were found: the caller stops looking.
  bool full() const { return count_ > kMaxProblems; }
  bool empty() const { return count_ == 0; }
  const std::vector<ReturnProblem>& list() const { return list_; }
  size_t count() const { return count_; }

 private:
  std::vector<ReturnProblem> list_;
  size_t count_ = 0;
};

// Splits one CSV record (RFC 4180, no embedded line breaks) into fields separated by `sep`.
// Quoted fields are unquoted into `storage`, whose elements never move. Returns false with
// `*error` set on a malformed quote.
bool SplitCsvLine(absl::string_view line, char sep, std::vector<absl::string_view>* fields,
                  std::deque<std::string>* storage, std::string* error) {
  fields->clear();
  storage->clear();
  size_t i = 0;
  while (true) {
    if (i < line.size() && line[i] == '"') {
      std::string& value = storage->emplace_back();
      ++i;
      while (true) {
        if (i >= line.size()) {
          *error = "unterminated quoted field";
          return false;
        }
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            value.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        value.push_back(line[i++]);
      }
      if (i < line.size() && line[i] != sep) {
        *error = "text after a closing quote";
        return false;
      }
      fields->push_back(value);
    } else {
      size_t end = line.find(sep, i);
      if (end == absl::string_view::npos) {
        end = line.size();
      }
      fields->push_back(line.substr(i, end - i));
      i = end;
    }
    if (i >= line.size()) {
      return true;
    }
    ++i;  // the separator
    if (i == line.size()) {
      fields->push_back(absl::string_view());
      return true;
    }
  }
}

// The accepted cells as the checks that need every cell see them: per cell 20 bytes, in the
// order read, beside its canonical line (CellLines::Added, same index).
struct CellTable {
  std::vector<uint64_t> keys;  // PackKey of the four dimensions
  std::vector<uint64_t> values;
  std::vector<uint32_t> line_nos;

  size_t size() const { return keys.size(); }
  void Reserve(size_t n) {
    keys.reserve(n);
    values.reserve(n);
    line_nos.reserve(n);
  }
  void Release() { *this = CellTable(); }
};

uint64_t PackKey(int citizen, int stay_cat, int sex, int age_id) {
  return (static_cast<uint64_t>(citizen) << 48) | (static_cast<uint64_t>(stay_cat) << 32) |
         (static_cast<uint64_t>(sex) << 16) | static_cast<uint64_t>(age_id);
}

constexpr int kShiftCitizen = 48;
constexpr int kShiftStayCat = 32;
constexpr int kShiftSex = 16;
constexpr int kShiftAge = 0;

int CodeAt(uint64_t key, int shift) { return static_cast<int>((key >> shift) & 0xffff); }

// The key with the dimension at `shift` set to _T (code id 0).
uint64_t ParentKey(uint64_t key, int shift) {
  return key & ~(static_cast<uint64_t>(0xffff) << shift);
}

// The key reordered so that the dimension at `shift` comes last: sorted by it, the cells that
// differ only in that dimension are adjacent, their _T total (code id 0) first.
uint64_t DimensionLast(uint64_t key, int shift) {
  const uint64_t below_mask = (uint64_t{1} << shift) - 1;
  const uint64_t above = ParentKey(key, shift) & ~below_mask;  // in place
  return above | ((key & below_mask) << 16) | static_cast<uint64_t>(CodeAt(key, shift));
}

// The AGE code of an age id (AgeCode::Id).
AgeCode AgeOfId(int id) {
  AgeCode age;
  if (id == 0) {
    age.kind = AgeCode::kTotal;
  } else if (id == 1) {
    age.kind = AgeCode::kUnknown;
  } else {
    age.kind = AgeCode::kRange;
    age.lo = static_cast<uint16_t>((id - 2) >> 8);
    age.hi = static_cast<uint16_t>((id - 2) & 0xff);
  }
  return age;
}

// Field `column` of cell `i`'s canonical line, as the file wrote it.
absl::string_view FieldOf(const CellLines& lines, size_t i, int column) {
  CellLineView view;
  return CellLineView::Parse(lines.Added(i), &view) ? view[column] : absl::string_view();
}

// Indexes of `cells` sorted by `rank` of their key, equal ranks in the order read.
template <typename Rank>
std::vector<uint32_t> SortedBy(const CellTable& cells, Rank rank) {
  std::vector<uint32_t> order(cells.size());
  for (size_t i = 0; i < order.size(); ++i) {
    order[i] = static_cast<uint32_t>(i);
  }
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    const uint64_t ra = rank(cells.keys[a]);
    const uint64_t rb = rank(cells.keys[b]);
    return ra < rb || (ra == rb && a < b);
  });
  return order;
}

// Problems found once every cell is read, sorted by line at the end.
using Found = std::vector<std::pair<size_t, std::string>>;

// Cells whose four dimensions repeat an earlier cell's (AGE codes covering the same ages are
// the same). `by_key` lists the cells by key, equal keys in the order read.
void FindDuplicates(const CellTable& cells, const CellLines& lines,
                    const std::vector<uint32_t>& by_key, Found* found) {
  for (size_t run = 0; run < by_key.size();) {
    const uint64_t key = cells.keys[by_key[run]];
    size_t end = run + 1;
    while (end < by_key.size() && cells.keys[by_key[end]] == key) {
      ++end;
    }
    const uint32_t orig = by_key[run];
    const absl::string_view orig_age = FieldOf(lines, orig, kAge);
    for (size_t k = run + 1; k < end; ++k) {
      const uint32_t dup = by_key[k];
      const absl::string_view age = FieldOf(lines, dup, kAge);
      found->emplace_back(
          cells.line_nos[dup],
          absl::StrFormat(
              "duplicate cell CITIZEN=%s STAY_CAT=%s SEX=%s AGE=%s (first at line %d%s)",
              FieldOf(lines, dup, kCitizen), FieldOf(lines, dup, kStayCat),
              FieldOf(lines, dup, kSex), age, cells.line_nos[orig],
              orig_age == age
                  ? ""
                  : absl::StrCat(" as AGE=", orig_age, ", which covers the same ages")));
      if (found->size() > kMaxProblems) {
        return;  // enough to say there are more than can be listed
      }
    }
    run = end;
  }
}

// Checks totals along CITIZEN, STAY_CAT and SEX: a `_T` cell against the cells that differ
// from it only in that dimension, found next to it by sorting with that dimension last.
void CheckCategoricalTotals(const CellTable& cells, Found* found) {
  const int sex_f = SexCodeId("F");
  const int sex_m = SexCodeId("M");
  struct Dim {
    const char* name;
    int shift;
  };
  for (const Dim& dim :
       {Dim{"CITIZEN", kShiftCitizen}, Dim{"STAY_CAT", kShiftStayCat}, Dim{"SEX", kShiftSex}}) {
    const std::vector<uint32_t> order =
        SortedBy(cells, [&dim](uint64_t key) { return DimensionLast(key, dim.shift); });
    for (size_t start = 0; start < order.size();) {
      const uint64_t parent = ParentKey(cells.keys[order[start]], dim.shift);
      size_t end = start + 1;
      while (end < order.size() && ParentKey(cells.keys[order[end]], dim.shift) == parent) {
        ++end;
      }
      const uint32_t total = order[start];
      if (CodeAt(cells.keys[total], dim.shift) != kTotalCodeId || end - start < 2) {
        start = end;  // a breakdown without its total is fine
        continue;
      }
      uint64_t sum = 0;
      bool has_f = false;
      bool has_m = false;
      uint32_t max_index = 0;
      uint64_t max_value = 0;
      for (size_t k = start + 1; k < end; ++k) {
        const uint32_t i = order[k];
        sum += cells.values[i];
        has_f |= CodeAt(cells.keys[i], kShiftSex) == sex_f;
        has_m |= CodeAt(cells.keys[i], kShiftSex) == sex_m;
        if (cells.values[i] >= max_value) {
          max_value = cells.values[i];
          max_index = i;
        }
      }
      const size_t parts = end - start - 1;
      const uint64_t total_value = cells.values[total];
      const size_t line = cells.line_nos[total];
      start = end;
      if (dim.shift == kShiftStayCat) {
        // Categories of stay overlap (a labour migrant may hold a work permit), so only each
        // part is bounded by the total.
        if (max_value > total_value) {
          found->emplace_back(line,
                              absl::StrFormat("STAY_CAT=_T total %d is less than one of its "
                                              "parts, %d at line %d",
                                              total_value, max_value, cells.line_nos[max_index]));
        }
        continue;
      }
      const bool complete = dim.shift == kShiftSex && has_f && has_m;
      if (complete && sum != total_value) {
        found->emplace_back(line, absl::StrFormat("SEX=_T total %d does not equal its breakdown "
                                                  "F + M%s = %d",
                                                  total_value, parts > 2 ? " + _U" : "", sum));
      } else if (!complete && sum > total_value) {
        found->emplace_back(line, absl::StrFormat("%s=_T total %d is less than the sum of its %d "
                                                  "parts, %d",
                                                  dim.name, total_value, parts, sum));
      }
    }
  }
}

// Checks totals along AGE. Within one group of cells that differ only in AGE (adjacent in
// `by_key`), every AGE code is an interval of years; for each cell P that contains smaller
// intervals, the smaller ones that tile a stretch from P's lower bound must add up
// consistently, to no more than P, and to exactly P where they tile all of it (`_T` = all
// ages + `_U`).
void CheckAgeTotals(const CellTable& cells, const CellLines& lines,
                    const std::vector<uint32_t>& by_key, Found* found) {
  struct Member {
    AgeCode age;
    uint64_t value;
    uint32_t index;
  };
  std::vector<Member> members;
  std::vector<const Member*> ranges;
  std::vector<const Member*> parents;
  std::vector<const Member*> inside;
  for (size_t start = 0; start < by_key.size();) {
    const uint64_t group = ParentKey(cells.keys[by_key[start]], kShiftAge);
    size_t end = start + 1;
    while (end < by_key.size() && ParentKey(cells.keys[by_key[end]], kShiftAge) == group) {
      ++end;
    }
    if (end - start < 2) {
      start = end;
      continue;
    }
    members.clear();
    for (size_t k = start; k < end; ++k) {
      const uint32_t i = by_key[k];
      members.push_back({AgeOfId(CodeAt(cells.keys[i], kShiftAge)), cells.values[i], i});
    }
    start = end;
    const Member* unknown = nullptr;
    ranges.clear();
    parents.clear();
    for (const Member& c : members) {
      if (c.age.kind == AgeCode::kUnknown) {
        unknown = &c;
      } else if (c.age.kind == AgeCode::kTotal) {
        parents.push_back(&c);
      } else {
        ranges.push_back(&c);
        if (c.age.hi - c.age.lo > 1) {
          parents.push_back(&c);  // a single year contains no smaller interval
        }
      }
    }
    std::sort(ranges.begin(), ranges.end(), [](const Member* a, const Member* b) {
      return std::tie(a->age.lo, a->age.hi) < std::tie(b->age.lo, b->age.hi);
    });
    for (const Member* p : parents) {
      const uint16_t lo = p->age.kind == AgeCode::kTotal ? 0 : p->age.lo;
      const uint16_t hi = p->age.kind == AgeCode::kTotal ? kAgeOpen : p->age.hi;
      const size_t p_line = cells.line_nos[p->index];
      auto p_age = [&] { return FieldOf(lines, p->index, kAge); };
      // The cells strictly inside P, in order of their lower bound.
      inside.clear();
      auto first = std::lower_bound(ranges.begin(), ranges.end(), lo,
                                    [](const Member* c, uint16_t v) { return c->age.lo < v; });
      for (auto it = first; it != ranges.end() && (*it)->age.lo < hi; ++it) {
        const Member* c = *it;
        if (c != p && c->age.hi <= hi && !(c->age.lo == lo && c->age.hi == hi)) {
          inside.push_back(c);
        }
      }
      if (inside.empty()) {
        continue;
      }
      const uint64_t extra =
          (p->age.kind == AgeCode::kTotal && unknown != nullptr) ? unknown->value : 0;

      // Sum of the parts from `lo` up to each reachable boundary; two different sums at one
      // boundary mean two breakdowns disagree.
      std::map<uint16_t, uint64_t> reach;
      reach[lo] = 0;
      bool reported = false;
      for (const Member* c : inside) {
        auto from = reach.find(c->age.lo);
        if (from == reach.end()) {
          continue;
        }
        uint64_t sum = from->second + c->value;
        auto [to, inserted] = reach.emplace(c->age.hi, sum);
        if (!inserted && to->second != sum && !reported) {
          found->emplace_back(p_line,
                              absl::StrFormat("AGE=%s: its breakdowns disagree on ages %d to %d "
                                              "(%d and %d persons)",
                                              p_age(), lo, c->age.hi - 1, to->second, sum));
          reported = true;
        }
      }
      if (reported) {
        continue;
      }
      auto full = reach.find(hi);
      if (full != reach.end()) {
        if (full->second + extra != p->value) {
          found->emplace_back(
              p_line,
              absl::StrFormat("AGE=%s total %d does not equal its breakdown "
                              "by age%s, %d",
                              p_age(), p->value, extra > 0 ? " and _U" : "", full->second + extra));
        }
        continue;
      }
      // Disjoint parts never add up to more than their total: the heaviest set of disjoint
      // intervals inside P (weighted interval scheduling) must fit.
      std::sort(inside.begin(), inside.end(),
                [](const Member* x, const Member* y) { return x->age.hi < y->age.hi; });
      std::vector<uint64_t> best(inside.size() + 1, 0);
      for (size_t k = 0; k < inside.size(); ++k) {
        // The parts that end at or before this one starts.
        size_t fit = std::upper_bound(inside.begin(), inside.begin() + k, inside[k]->age.lo,
                                      [](uint16_t v, const Member* c) { return v < c->age.hi; }) -
                     inside.begin();
        best[k + 1] = std::max(best[k], best[fit] + inside[k]->value);
      }
      if (best.back() + extra > p->value) {
        found->emplace_back(p_line,
                            absl::StrFormat("AGE=%s total %d is less than the sum of its parts, "
                                            "%d",
                                            p_age(), p->value, best.back() + extra));
      }
    }
  }
}

}  // namespace

// Reads a return one record at a time: the header, then the rows, then the checks that need
// every cell. Not thread-safe.
class ReturnCsvParser::Reader {
 public:
  Reader(absl::string_view file_name, ReturnCsvOptions options)
      : file_name_(file_name), options_(std::move(options)) {
    column_of_.fill(-1);
    if (options_.accepted_dataflows.empty()) {
      options_.accepted_dataflows.emplace_back(kFederationDataflow);
    }
    // A cell line takes at least 28 bytes of the file: room for that many cells is never
    // regrown (regrowing would hold the old and the new copy at once). Room never written costs
    // address space, not memory.
    const size_t contents_bytes = options_.size_hint;
    const size_t most_cells = contents_bytes / 28 + 1;
    cells_.Reserve(most_cells);
    out_.lines.Reserve(most_cells, contents_bytes);
  }

  // True once nothing more is worth reading: too many problems, or a header without which no
  // row can be read.
  bool stopped() const { return problems_.full() || header_failed_; }

  // Takes the record `line` (neither empty nor ending in a line break) of line `line_no`.
  void Record(size_t line_no, absl::string_view line) {
    if (!header_done_) {
      // The header decides the separator: ';' when it separates the columns and ',' does not
      // (SDMX-CSV 1.0 allows another separator where agreed; spreadsheets in several member
      // states write ';').
      if (line.find(',') == absl::string_view::npos && line.find(';') != absl::string_view::npos) {
        sep_ = ';';
      }
    }
    if (!SplitCsvLine(line, sep_, &fields_, &quoted_, &error_)) {
      problems_.Add(line_no, error_);
      if (!header_done_) {
        header_done_ = header_failed_ = true;
      }
      return;
    }
    if (!header_done_) {
      ReadHeader(line_no);
      return;
    }
    ReadRow(line_no, line);
  }

  // A line longer than kMaxLineBytes, which starts with `prefix`: no line of a return is
  // that long, and a header that long is no header.
  void LineTooLong(size_t line_no, absl::string_view prefix) {
    std::string start = Quoted(prefix.substr(0, kQuotedPrefixBytes));
    start.insert(start.size() - 1, "...");
    problems_.Add(line_no, absl::StrCat("line longer than ", kMaxLineBytes >> 20, " MiB, starting ",
                                        start, "; ",
                                        header_done_ ? "a cell line is about 50 bytes"
                                                     : "this is not the header of a return"));
    if (!header_done_) {
      header_done_ = header_failed_ = true;
    }
  }

  // The return, or INVALID_ARGUMENT with a one-line summary (see ReturnCsvParser::Finish).
  absl::StatusOr<ParsedReturn> Finish(size_t last_line) {
    if (!header_done_) {
      problems_.Add(1, "empty file: expected a header line and at least one cell");
    } else if (problems_.empty() && cells_.size() == 0) {
      problems_.Add(last_line, "no cells: a return carries at least one");
    }
    if (!stopped() && cells_.size() > 0) {
      // Duplicates and totals are found by sorting the cells' keys while the lines are sorted
      // for the cells root; the totals only once every cell is known to be there once.
      Found found;
      const bool valid_so_far = problems_.empty();
      RunBoth(
          [&] {
            const std::vector<uint32_t> by_key = SortedBy(cells_, [](uint64_t key) { return key; });
            FindDuplicates(cells_, out_.lines, by_key, &found);
            if (valid_so_far && found.empty()) {
              CheckCategoricalTotals(cells_, &found);
              CheckAgeTotals(cells_, out_.lines, by_key, &found);
            }
          },
          [&] {
            if (valid_so_far) {
              out_.lines.Sort();
            }
          });
      problems_.Merge(std::move(found));
    }
    cells_.Release();
    if (problems_.empty()) {
      return std::move(out_);
    }
    const ReturnProblem& first = problems_.list().front();
    return absl::InvalidArgumentError(
        BoundedLine(absl::StrCat(file_name_, ": ", ProblemCountWords(problems_.count()),
                                 "; first: ", FormatProblem(file_name_, first)),
                    kMaxSummaryBytes));
  }

  const Problems& problems() const { return problems_; }

 private:
  absl::string_view Field(int column) const { return fields_[column_of_[column]]; }

  // The header: which column of the file holds each cell column.
  void ReadHeader(size_t line_no) {
    header_done_ = true;
    expected_fields_ = fields_.size();
    const std::string expected = absl::StrCat(
        "expected DATAFLOW first for SDMX-CSV 1.0, or STRUCTURE,STRUCTURE_ID[,ACTION] "
        "for SDMX-CSV 2.0, then ",
        absl::StrJoin(kCellColumns, ","));
    // SDMX-CSV 2.0: STRUCTURE (or STRUCTURE[x], x its sub-field separator), STRUCTURE_ID, and
    // ACTION if present; the file may add columns of its own, which are passed over.
    const absl::string_view first_name =
        fields_.empty() ? "" : absl::StripAsciiWhitespace(fields_[0]);
    if (first_name == "STRUCTURE" ||
        (absl::StartsWith(first_name, "STRUCTURE[") && absl::EndsWith(first_name, "]"))) {
      structure_column_ = 0;
      if (fields_.size() < 2 || absl::StripAsciiWhitespace(fields_[1]) != "STRUCTURE_ID") {
        problems_.Add(line_no, "SDMX-CSV 2.0: STRUCTURE must be followed by STRUCTURE_ID");
        header_failed_ = true;
        return;
      }
      dataflow_column_ = 1;
      if (fields_.size() > 2 && absl::StripAsciiWhitespace(fields_[2]) == "ACTION") {
        action_column_ = 2;
      }
    }
    // The columns before the cell columns in SDMX-CSV 2.0 (DATAFLOW of 1.0 is found below).
    const int first = structure_column_ < 0 ? 0 : (action_column_ >= 0 ? 3 : 2);
    // A first line without a single column of a return is no header: one problem, not one per
    // field of whatever the file is.
    bool any_known = false;
    for (size_t i = 0; i < fields_.size(); ++i) {
      absl::string_view name = absl::StripAsciiWhitespace(fields_[i]);
      any_known |= (name == "DATAFLOW" && i == 0) || CellColumnIndex(name) >= 0;
    }
    if (!any_known) {
      problems_.Add(line_no,
                    absl::StrCat("not the header of a return: it starts ",
                                 Quoted(fields_.empty() ? "" : fields_[0]), " (", expected, ")"));
      header_failed_ = true;
      return;
    }
    for (size_t i = first; i < fields_.size(); ++i) {
      absl::string_view name = absl::StripAsciiWhitespace(fields_[i]);
      if (name == "DATAFLOW" && i == 0) {
        dataflow_column_ = 0;
        continue;
      }
      const int found = CellColumnIndex(name);
      if (found < 0 && structure_column_ >= 0) {
        continue;  // a custom column of SDMX-CSV 2.0 (provenance, PREPARED, ...)
      }
      if (found < 0) {
        problems_.Add(line_no, absl::StrCat("unknown column ", Quoted(name), " (", expected, ")"));
      } else if (column_of_[found] >= 0) {
        problems_.Add(line_no, absl::StrFormat("column %s appears twice", name));
      } else {
        column_of_[found] = static_cast<int>(i);
      }
    }
    for (size_t c = 0; c < kCellColumnCount; ++c) {
      if (column_of_[c] < 0) {
        problems_.Add(line_no, absl::StrFormat("missing column %s", kCellColumns[c]));
      }
    }
    header_failed_ = !problems_.empty();
    prefix_columns_ = structure_column_ >= 0 ? first : (dataflow_column_ >= 0 ? 1 : 0);
    // An unquoted row in the canonical order, separated by commas, is its own canonical line.
    canonical_order_ = sep_ == ',' && expected_fields_ == kCellColumnCount + prefix_columns_;
    for (size_t c = 0; c < kCellColumnCount; ++c) {
      canonical_order_ = canonical_order_ && column_of_[c] == static_cast<int>(c) + prefix_columns_;
    }
  }

  // One row: its DATAFLOW, origin, period and codes, then the cell itself.
  void ReadRow(size_t line_no, absl::string_view line) {
    if (fields_.size() != expected_fields_) {
      problems_.Add(line_no, absl::StrFormat("expected %d fields, found %d", expected_fields_,
                                             fields_.size()));
      return;
    }
    const size_t before = problems_.count();
    CheckStructure(line_no);
    CheckDataflow(line_no);
    CheckOrigin(line_no);
    CheckPeriod(line_no);
    RowCodes codes;
    ReadCodes(line_no, &codes);
    if (problems_.count() == before) {
      AddCell(line_no, line, PackKey(codes.citizen, codes.stay_cat, codes.sex, codes.age.Id()),
              codes.value);
    }
  }

  // SDMX-CSV 2.0: a row of a dataflow, with an action that gives a whole return.
  void CheckStructure(size_t line_no) {
    if (structure_column_ < 0) {
      return;
    }
    absl::string_view kind = fields_[structure_column_];
    if (kind != "dataflow") {
      problems_.Add(line_no, absl::StrCat("STRUCTURE ", Quoted(kind),
                                          " is not \"dataflow\": returns are of a dataflow"));
    }
    if (action_column_ < 0) {
      return;
    }
    absl::string_view action = fields_[action_column_];
    if (action == "A" || action == "D") {
      problems_.Add(line_no,
                    absl::StrCat("ACTION ", action, action == "A" ? " (append)" : " (delete)",
                                 " is not accepted: a return replaces its whole period; send "
                                 "every cell of the period with ACTION I or R"));
    } else if (!action.empty() && action != "I" && action != "R") {
      problems_.Add(line_no, absl::StrCat("ACTION ", Quoted(action),
                                          " is not an SDMX-CSV 2.0 action (I, R; A and D are not "
                                          "accepted for a return)"));
    }
  }

  void CheckDataflow(size_t line_no) {
    if (dataflow_column_ < 0) {
      return;
    }
    absl::string_view df = fields_[dataflow_column_];
    const absl::string_view name = structure_column_ >= 0 ? "STRUCTURE_ID" : "DATAFLOW";
    if (df.empty()) {
      problems_.Add(line_no, absl::StrCat(name, " is empty"));
    } else if (first_dataflow_.empty()) {
      const std::vector<std::string>& accepted = options_.accepted_dataflows;
      if (std::find(accepted.begin(), accepted.end(), df) == accepted.end()) {
        problems_.Add(line_no,
                      absl::StrCat(name, " ", Quoted(df), " is not a dataflow this node accepts (",
                                   absl::StrJoin(accepted, ", "), ")"));
        return;
      }
      first_dataflow_ = std::string(df);
    } else if (df != first_dataflow_) {
      problems_.Add(line_no, absl::StrCat(name, " ", Quoted(df), " differs from ",
                                          Quoted(first_dataflow_), " on earlier lines"));
    }
  }

  // A field every row of a return shares (REF_AREA, TIME_PERIOD): a valid code, the same as on
  // the first row, which sets `*value` and `*first_line`.
  void CheckShared(size_t line_no, int column, absl::string_view invalid, std::string* value,
                   size_t* first_line, absl::string_view one_what) {
    absl::string_view code = Field(column);
    if (!invalid.empty()) {
      problems_.Add(line_no, absl::StrCat(kCellColumns[column], " ", Quoted(code), " ", invalid));
    } else if (value->empty()) {
      *value = std::string(code);
      *first_line = line_no;
    } else if (code != *value) {
      problems_.Add(line_no, absl::StrFormat("%s %s differs from \"%s\" (line %d): a return %s",
                                             kCellColumns[column], Quoted(code), *value,
                                             *first_line, one_what));
    }
  }

  void CheckOrigin(size_t line_no) {
    absl::string_view ref_area = Field(kRefArea);
    const std::string invalid =
        !IsFederationState(ref_area) ? "is not a federation state (AZ KZ KG TR UZ HU TM)"
        : !options_.expected_origin.empty() && ref_area != options_.expected_origin
            ? absl::StrCat("is not this node's state (", options_.expected_origin, ")")
            : "";
    CheckShared(line_no, kRefArea, invalid, &out_.origin, &origin_line_, "comes from one state");
  }

  void CheckPeriod(size_t line_no) {
    CheckShared(line_no, kTimePeriod,
                IsTimePeriod(Field(kTimePeriod))
                    ? ""
                    : "is not an ISO 8601 period (2020, 2020-Q2, 2020-05 or 2020-05-14)",
                &out_.period, &period_line_, "covers one period");
  }

  // The dimensions, the value and the attributes: each from its code list.
  struct RowCodes {
    int citizen = -1;
    int stay_cat = -1;
    int sex = -1;
    AgeCode age;
    uint64_t value = 0;
  };
  void ReadCodes(size_t line_no, RowCodes* cell) {
    cell->citizen = CitizenCodeId(Field(kCitizen));
    if (cell->citizen < 0) {
      problems_.Add(line_no, absl::StrFormat("CITIZEN %s is not an ISO 3166-1 alpha-2 code, "
                                             "STLS, _U or _T",
                                             Quoted(Field(kCitizen))));
    }
    cell->stay_cat = StayCatCodeId(Field(kStayCat));
    if (cell->stay_cat < 0) {
      problems_.Add(line_no, absl::StrFormat("STAY_CAT %s is not a category of stay (VISA, "
                                             "VISA_FREE, RES_TEMP, RES_PERM, WORK_PERM, STUDY, "
                                             "LAB_MIG, LAB_MIG_IRR, STRANDED, TRANSIT, OVERSTAY, "
                                             "EXT_GRANTED, LEGALISED, _O, _T)",
                                             Quoted(Field(kStayCat))));
    }
    cell->sex = SexCodeId(Field(kSex));
    if (cell->sex < 0) {
      problems_.Add(line_no,
                    absl::StrFormat("SEX %s is not in CL_SEX (F, M, _U, _T)", Quoted(Field(kSex))));
    }
    if (!ParseAgeCode(Field(kAge), &cell->age)) {
      problems_.Add(line_no, absl::StrFormat("AGE %s is not a CL_AGE code (Y<n>, Y<a>T<b>, "
                                             "Y_LT<n>, Y_GE<n> with ages up to %d, _U or _T)",
                                             Quoted(Field(kAge)), kMaxAge));
    }
    absl::string_view value = Field(kObsValue);
    if (value.size() > 13 && value[0] != '0' &&
        std::all_of(value.begin(), value.end(), absl::ascii_isdigit)) {
      problems_.Add(line_no, absl::StrFormat("OBS_VALUE %s is too large: at most %d persons",
                                             Quoted(value), kMaxObsValue));
    } else if (!ParseCanonicalDecimal(value, &cell->value)) {
      problems_.Add(line_no, absl::StrFormat("OBS_VALUE %s is not a non-negative integer "
                                             "(digits only, no leading zeros)",
                                             Quoted(value)));
    } else if (cell->value > kMaxObsValue) {
      problems_.Add(line_no, absl::StrFormat("OBS_VALUE %d is larger than %d persons", cell->value,
                                             kMaxObsValue));
    }
    if (!IsObsStatusCode(Field(kObsStatus))) {
      problems_.Add(line_no, absl::StrFormat("OBS_STATUS %s is not a CL_OBS_STATUS code "
                                             "for a reported value (A, B, D, E, F, G, I, K, N, P, "
                                             "U, V, W)",
                                             Quoted(Field(kObsStatus))));
    }
    if (!IsConfStatusCode(Field(kConfStatus))) {
      problems_.Add(line_no, absl::StrFormat("CONF_STATUS %s is not a CL_CONF_STATUS code "
                                             "(F, N, C, D, S, A, O, T, G, M)",
                                             Quoted(Field(kConfStatus))));
    }
    if (!IsStockFlowCode(Field(kStockFlow))) {
      problems_.Add(line_no,
                    absl::StrFormat("STOCK_FLOW %s is not STK or FLW", Quoted(Field(kStockFlow))));
    }
  }

  // A valid row: its canonical line joins the return (duplicates are found at the end).
  void AddCell(size_t line_no, absl::string_view line, uint64_t key, uint64_t value) {
    if (line_no > UINT32_MAX) {
      problems_.Add(line_no, "more lines than a return may have (4294967295)");
      return;
    }
    out_.value_sum += value;
    if (canonical_order_ && quoted_.empty()) {
      // The columns are in cell-line order: an unquoted row is its own canonical line.
      size_t skip = 0;
      for (int i = 0; i < prefix_columns_; ++i) {
        skip += fields_[i].size() + 1;
      }
      out_.lines.Add(line.substr(skip));
    } else {
      std::array<absl::string_view, kCellColumnCount> canonical;
      for (size_t c = 0; c < kCellColumnCount; ++c) {
        canonical[c] = Field(static_cast<int>(c));
      }
      out_.lines.AddJoined(canonical, ',');
    }
    cells_.keys.push_back(key);
    cells_.values.push_back(value);
    cells_.line_nos.push_back(static_cast<uint32_t>(line_no));
  }

  const std::string file_name_;
  ReturnCsvOptions options_;
  Problems problems_;
  char sep_ = ',';
  ParsedReturn out_;

  std::vector<absl::string_view> fields_;
  std::deque<std::string> quoted_;
  std::string error_;

  bool header_done_ = false;
  bool header_failed_ = false;
  // Position of each canonical column in the file's columns.
  std::array<int, kCellColumnCount> column_of_;
  int dataflow_column_ = -1;   // DATAFLOW (1.0) or STRUCTURE_ID (2.0)
  int structure_column_ = -1;  // STRUCTURE (2.0)
  int action_column_ = -1;     // ACTION (2.0), if present
  int prefix_columns_ = 0;     // the columns before the first cell column's place
  size_t expected_fields_ = 0;
  bool canonical_order_ = false;
  std::string first_dataflow_;
  size_t origin_line_ = 0;
  size_t period_line_ = 0;

  CellTable cells_;
};

ReturnCsvParser::ReturnCsvParser(absl::string_view file_name, ReturnCsvOptions options)
    : file_name_(file_name), reader_(std::make_unique<Reader>(file_name, std::move(options))) {}

ReturnCsvParser::~ReturnCsvParser() = default;

bool ReturnCsvParser::stopped() const { return reader_->stopped(); }

void ReturnCsvParser::Line(absl::string_view line) {
  ++line_no_;
  if (line_no_ == 1 && absl::StartsWith(line, "\xEF\xBB\xBF")) {
    line.remove_prefix(3);  // UTF-8 byte order mark
  }
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  if (!line.empty()) {
    reader_->Record(line_no_, line);
  }
}

bool ReturnCsvParser::Add(absl::string_view bytes) {
  bytes_ += bytes.size();
  while (!bytes.empty() && !reader_->stopped()) {
    const size_t end = bytes.find('\n');
    const absl::string_view piece = bytes.substr(0, end);
    if (skipping_) {  // the rest of a line too long to read
      if (end != absl::string_view::npos) {
        skipping_ = false;
        ++line_no_;
      }
    } else if (pending_.size() + piece.size() > kMaxLineBytes) {
      absl::StrAppend(&pending_, piece.substr(0, kQuotedPrefixBytes));
      reader_->LineTooLong(line_no_ + 1, pending_);
      pending_.clear();
      pending_.shrink_to_fit();
      if (end == absl::string_view::npos) {
        skipping_ = true;
      } else {
        ++line_no_;
      }
    } else if (end == absl::string_view::npos) {
      absl::StrAppend(&pending_, piece);  // a line that goes on in the next bytes
    } else if (!pending_.empty()) {
      absl::StrAppend(&pending_, piece);
      Line(pending_);
      pending_.clear();
    } else {
      Line(piece);  // the common case: a whole line within `bytes`, not copied
    }
    if (end == absl::string_view::npos) {
      break;
    }
    bytes.remove_prefix(end + 1);
  }
  return !reader_->stopped();
}

absl::StatusOr<ParsedReturn> ReturnCsvParser::Finish() {
  if (!pending_.empty() && !reader_->stopped()) {
    Line(pending_);  // a last line without a line break
    pending_.clear();
  } else if (skipping_) {
    ++line_no_;
  }
  return reader_->Finish(line_no_);
}

const std::vector<ReturnProblem>& ReturnCsvParser::problems() const {
  return reader_->problems().list();
}

size_t ReturnCsvParser::problem_count() const { return reader_->problems().count(); }

std::string FormatProblem(absl::string_view file_name, const ReturnProblem& p) {
  return p.line == 0 ? absl::StrCat(file_name, ": ", p.message)
                     : absl::StrCat(file_name, ":", p.line, ": ", p.message);
}

std::vector<std::string> FormattedProblems(absl::string_view file_name,
                                           const ReturnCsvParser& parser) {
  std::vector<std::string> out;
  for (const ReturnProblem& p : parser.problems()) {
    out.push_back(FormatProblem(file_name, p));
  }
  if (parser.problem_count() > parser.problems().size() && !out.empty()) {
    out.back() +=
        absl::StrCat(" (stopped after ", kMaxProblems, " problems; more were not reported)");
  }
  return out;
}

std::string ProblemCountWords(size_t count) {
  if (count > kMaxProblems) {
    return absl::StrCat("more than ", kMaxProblems, " problems (the first ", kMaxProblems,
                        " are listed; validation stopped there)");
  }
  return absl::StrCat(count, count == 1 ? " problem" : " problems");
}

absl::StatusOr<ParsedReturn> ParseReturnCsv(absl::string_view file_name, absl::string_view contents,
                                            absl::string_view expected_origin,
                                            std::vector<std::string>* out_problems) {
  ReturnCsvOptions options;
  options.expected_origin = std::string(expected_origin);
  options.size_hint = contents.size();
  ReturnCsvParser parser(file_name, std::move(options));
  parser.Add(contents);
  absl::StatusOr<ParsedReturn> parsed = parser.Finish();
  if (!parsed.ok() && out_problems != nullptr) {
    *out_problems = FormattedProblems(file_name, parser);
  }
  return parsed;
}

}  // namespace ots
