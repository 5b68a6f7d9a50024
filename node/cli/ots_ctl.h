// ots-ctl as a library function, so that tests run the command line without a process.
#ifndef OTS_NODE_CLI_OTS_CTL_H_
#define OTS_NODE_CLI_OTS_CTL_H_

#include <ostream>
#include <string>
#include <vector>

namespace ots {

// Runs ots-ctl with `argv` (argv[0] is the program name) on the process's stdout and stderr and
// returns its exit code (node/cli/command.h).
int RunOtsCtl(int argc, char** argv);

// Runs ots-ctl with `args`, the arguments after the program name, writing what it would print
// on stdout to `out` and on stderr to `err` (never a progress line). Returns its exit code.
int RunOtsCtl(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace ots

#endif  // OTS_NODE_CLI_OTS_CTL_H_
