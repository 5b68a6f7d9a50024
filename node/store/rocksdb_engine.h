// The Engine of every real node: one RocksDB in the data folder, one column family per StoreTable,
// writes as RocksDB WriteBatches with a synced WAL when asked.
#ifndef OTS_NODE_STORE_ROCKSDB_ENGINE_H_
#define OTS_NODE_STORE_ROCKSDB_ENGINE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "node/store/engine.h"

namespace ots {

struct RocksDbOptions {
  // Open without writing anything (audit, query, prove). Default: false.
  bool read_only = false;
  // Create the database if the folder holds none. Default: false.
  bool create_if_missing = false;
};

// Opens the RocksDB in `dir`. NOT_FOUND if there is none and !create_if_missing;
// FAILED_PRECONDITION if another process holds it; DATA_LOSS or another error, naming the folder,
// if RocksDB refuses it.
absl::StatusOr<std::unique_ptr<Engine>> OpenRocksDbEngine(const std::string& dir,
                                                          const RocksDbOptions& options);

// The names of the column families, in StoreTable order after "default" (for tools and tests that
// open the database directly).
const std::vector<std::string>& RocksDbColumnFamilies();

}  // namespace ots

#endif  // OTS_NODE_STORE_ROCKSDB_ENGINE_H_
