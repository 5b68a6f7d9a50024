// ots-ctl as a library function, so that tests run the command line without a process.
#ifndef OTS_NODE_CLI_OTS_CTL_H_
#define OTS_NODE_CLI_OTS_CTL_H_

namespace ots {

// Runs ots-ctl with `argv` (argv[0] is the program name) and returns its exit code.
int RunOtsCtl(int argc, char** argv);

}  // namespace ots

#endif  // OTS_NODE_CLI_OTS_CTL_H_
