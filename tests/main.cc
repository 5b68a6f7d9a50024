// The unit tests' main: Catch2's, after the process-wide settings every main of ours makes first.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "node/rpc/tls.h"

int main(int argc, char* argv[]) {
  // Before any gRPC object exists: gRPC reads the setting once, when it initializes
  // (tests/fakes/test_server.h starts nodes and channels in this process).
  ots::RestrictTlsToVersion13();
  return Catch::Session().run(argc, argv);
}
