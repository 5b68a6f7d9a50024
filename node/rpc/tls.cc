#include "node/rpc/tls.h"

#include <cstdlib>

namespace ots {

void RestrictTlsToVersion13() { setenv("GRPC_SSL_CIPHER_SUITES", "PSK-AES128-GCM-SHA256", 1); }

}  // namespace ots
