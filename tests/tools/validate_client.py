#!/usr/bin/env python3
"""A gRPC client the project did not write: Debian's python3-grpcio with default settings.

Streams a return to Submission.Validate (or Submit) over mutual TLS and prints what came back,
so a test can check that any client receives every problem of a file in the response body.

  validate_client.py GEN_DIR ADDRESS NODE_NAME CA CERT KEY FILE [validate|submit]

GEN_DIR holds services_pb2.py and data_pb2.py, made by `protoc --python_out` from proto/.
Prints "status CODE", then for an OK answer "problem_count N", "listed M" and one line
"problem LINE MESSAGE" per problem (MESSAGE repr()-escaped, so raw bytes would show).
"""
import os
import sys

sys.path.insert(0, sys.argv[1])
import grpc  # noqa: E402
import services_pb2  # noqa: E402


def chunks(path):
    yield services_pb2.SubmitChunk(start=services_pb2.SubmitStart(
        file_name=os.path.basename(path), total_bytes=os.path.getsize(path)))
    with open(path, "rb") as f:
        while True:
            piece = f.read(1 << 20)
            if not piece:
                return
            yield services_pb2.SubmitChunk(data=piece)


def main():
    _, _, address, node_name, ca, cert, key, path = sys.argv[:8]
    method = sys.argv[8] if len(sys.argv) > 8 else "validate"
    read = lambda p: open(p, "rb").read()
    credentials = grpc.ssl_channel_credentials(
        root_certificates=read(ca), private_key=read(key), certificate_chain=read(cert))
    # The only option set is the name the node's certificate carries: everything else, the
    # message and metadata size limits among them, is grpcio's default.
    channel = grpc.secure_channel(address, credentials,
                                  options=[("grpc.ssl_target_name_override", node_name)])
    call = channel.stream_unary(
        "/ots.v1.Submission/" + ("Validate" if method == "validate" else "Submit"),
        request_serializer=services_pb2.SubmitChunk.SerializeToString,
        response_deserializer=services_pb2.SubmitResponse.FromString)
    try:
        response = call(chunks(path), timeout=120)
    except grpc.RpcError as e:
        print("status", e.code().name)
        print("details", repr(e.details()))
        return 0
    print("status OK")
    print("problem_count", response.problem_count)
    print("listed", len(response.problems))
    for p in response.problems:
        print("problem", p.line, repr(p.message))
    return 0


if __name__ == "__main__":
    sys.exit(main())
