// ots-ctl: the operator, Secretariat and auditor command line (node/cli/ots_ctl.h).
#include "node/cli/ots_ctl.h"

int main(int argc, char** argv) { return ots::RunOtsCtl(argc, argv); }
