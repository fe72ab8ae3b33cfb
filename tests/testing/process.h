// Test helpers that run servers as child processes: the tiny Python HTTP
// server (tests/testing/test_server.py) and the real registry started by
// shared/images/serve-registry.sh. Each waits for a ready file holding
// "127.0.0.1:PORT" and kills its child (by pid) when destroyed.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "base/result.h"

namespace lucid::testing {

class ChildServer {
 public:
  // Runs argv (argv[0] looked up in PATH) with "--ready-file F" appended and
  // waits up to `timeout_s` for F to be written. Returns the address in F.
  static Result<std::unique_ptr<ChildServer>> Start(std::vector<std::string> argv, int timeout_s);
  ~ChildServer();
  const std::string& address() const { return address_; }

 private:
  ChildServer() = default;
  pid_t pid_ = -1;
  std::string dir_;
  std::string address_;
};

// python3 tests/testing/test_server.py [extra...]
Result<std::unique_ptr<ChildServer>> StartTestHttpServer(std::vector<std::string> extra = {});
// shared/images/serve-registry.sh with the shared OCI layout pushed (takes a few seconds).
Result<std::unique_ptr<ChildServer>> StartRegistry();

}  // namespace lucid::testing
