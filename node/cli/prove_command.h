// The one writer of a cell's proof files (node/query/prove.h), for ots-ctl prove offline and
// from a node.
#ifndef OTS_NODE_CLI_PROVE_COMMAND_H_
#define OTS_NODE_CLI_PROVE_COMMAND_H_

#include <string>

#include "absl/status/status.h"
#include "node/query/prove.h"

namespace ots {

// Writes `files` into the folder `out_dir`, created (mode 0755) if missing: verify.sh with mode
// 0755, every other file 0644, each replacing a file of that name only once it is complete
// (crypto/files.h WriteFileReplacing).
//
// A file name must be a plain name in the folder: INVALID_ARGUMENT naming it, before anything is
// written, if one is empty, holds a '/' or starts with '.' (a node sends the names; none may
// write outside `out_dir` or hide a file). Errors of MakeDirectory and WriteFileReplacing
// otherwise, naming the path.
absl::Status WriteProofFiles(const ProofFiles& files, const std::string& out_dir);

}  // namespace ots

#endif  // OTS_NODE_CLI_PROVE_COMMAND_H_
