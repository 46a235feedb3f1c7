// Starts ClickHouse 26 for the tests: tests/chdb_server's chdb_http_server (an HTTP front for
// libchdb) in `dir`, data in dir/data, its working directory an empty dir/cwd (the engine may
// read an unknown unqualified table name as a file there). It runs as our direct child
// (parent-death SIGKILL) and is ready when HTTP answers `SELECT 1`.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "harness/harness_internal.h"

namespace pg2ch::test::internal {

std::string ChdbLibraryPath() {
  const char* env = std::getenv("PG2CH_CHDB_LIB");
  return env != nullptr && env[0] != '\0' ? env : PG2CH_CHDB_LIB_DEFAULT;
}

void StartChdbFront(const std::string& dir, int http_port, std::atomic<pid_t>& pid) {
  std::string lib = ChdbLibraryPath();
  if (access(lib.c_str(), R_OK) != 0) {
    throw std::runtime_error("libchdb (ClickHouse 26) not found at " + lib +
                             ": run scripts/fetch-chdb.sh, set PG2CH_CHDB_LIB, or test ClickHouse "
                             "18.16 only with PG2CH_TEST_ENGINES=ch18");
  }
  for (const std::string& d : {dir, dir + "/data", dir + "/cwd"}) {
    // Existing after a restart (a fault test): the data stays.
    if (mkdir(d.c_str(), 0755) != 0 && errno != EEXIST)
      throw std::runtime_error("mkdir " + d + " failed");
  }
  std::string log = dir + "/server.log";
  SpawnOptions opts{.parent_death_signal = SIGKILL, .cwd = dir + "/cwd", .track = false};
  pid = Spawn({PG2CH_CHDB_SERVER, "--lib=" + lib, "--path=" + dir + "/data",
               "--port=" + std::to_string(http_port)},
              log, opts);

  std::string url = "http://127.0.0.1:" + std::to_string(http_port) + "/";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::string response;
  while (HttpPost(url, "SELECT 1", "default", "", &response) != 200) {
    int status = WaitPid(pid, 0);
    if (status != -1) {
      pid = 0;  // reaped: nothing left to stop
      throw std::runtime_error("chdb_http_server exited with code " +
                               std::to_string(ExitCode(status)) + ":\n" + Tail(ReadFile(log), 30));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("chdb_http_server not ready after 60 s (last answer: " + response +
                               "):\n" + Tail(ReadFile(log), 30));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace pg2ch::test::internal
