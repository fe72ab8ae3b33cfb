#include "testing/process.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "base/io.h"

extern char** environ;

namespace lucid::testing {

Result<std::unique_ptr<ChildServer>> ChildServer::Start(std::vector<std::string> argv, int timeout_s) {
  std::unique_ptr<ChildServer> s(new ChildServer);
  std::string tmpl = TempDirectory() + "/lucid-srv-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) return Internal("mkdtemp failed");
  s->dir_ = tmpl;
  std::string ready = tmpl + "/addr";
  argv.push_back("--ready-file");
  argv.push_back(ready);
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Own process group so that the server's children can be signalled together.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  int rc = posix_spawnp(&s->pid_, cargv[0], nullptr, &attr, cargv.data(), environ);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return Internal("spawn " + argv[0] + " failed");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    auto addr = ReadFile(ready, 4096);
    if (addr.ok() && !addr->empty()) {
      s->address_ = *addr;
      while (!s->address_.empty() && (s->address_.back() == '\n' || s->address_.back() == ' ')) s->address_.pop_back();
      return s;
    }
    int status = 0;
    if (::waitpid(s->pid_, &status, WNOHANG) == s->pid_) {
      s->pid_ = -1;
      return Unavailable(argv[0] + " exited before it was ready");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return DeadlineExceeded(argv[0] + " was not ready in time");
}

ChildServer::~ChildServer() {
  if (pid_ > 0) {
    // SIGTERM the script itself (it cleans up its registry by pid), then wait.
    ::kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 100; ++i) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (pid_ > 0) {
      ::kill(-pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
  }
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

Result<std::unique_ptr<ChildServer>> StartTestHttpServer(std::vector<std::string> extra) {
  std::vector<std::string> argv = {"python3", std::string(LUCID_TESTING_DIR) + "/test_server.py"};
  for (auto& e : extra) argv.push_back(std::move(e));
  return ChildServer::Start(std::move(argv), 20);
}

Result<std::unique_ptr<ChildServer>> StartRegistry() {
  return ChildServer::Start({std::string(LUCID_TESTING_SHARED_DIR) + "/images/serve-registry.sh", "--timeout", "900"},
                            120);
}

}  // namespace lucid::testing
