// TLS settings of every gRPC channel and server of this process (DESIGN §4).
#ifndef OTS_NODE_RPC_TLS_H_
#define OTS_NODE_RPC_TLS_H_

namespace ots {

// Makes every TLS 1.2 handshake of this process fail, so that only TLS 1.3 is ever negotiated.
// gRPC 1.51's C++ API cannot set a minimum TLS version; it does take the list of TLS 1.2 cipher
// suites from GRPC_SSL_CIPHER_SUITES, and this sets that list to a single PSK suite that no peer
// of ours can use (we configure no pre-shared keys). TLS 1.3 suites are a separate list and stay
// OpenSSL's defaults. Must be called before any gRPC object is created; mains call it first.
void RestrictTlsToVersion13();

}  // namespace ots

#endif  // OTS_NODE_RPC_TLS_H_
