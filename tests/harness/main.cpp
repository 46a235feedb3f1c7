// main() of the integration test binary: the servers start once, before the first test, and are
// stopped after the last one (or on any abnormal end, see servers.cpp). If they cannot start,
// GoogleTest runs no test and the binary fails with the server's log tail.
#include <gtest/gtest.h>

#include <cstdio>
#include <exception>
#include <string>

#include "harness/harness_internal.h"

namespace {

class ServersEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    try {
      pg2ch::test::internal::StartServers();
    } catch (const std::exception& e) {
      start_error_ = e.what();
      GTEST_FAIL() << "cannot start the test servers: " << start_error_;
    }
  }
  void TearDown() override { pg2ch::test::internal::StopServers(); }
  const std::string& start_error() const { return start_error_; }

 private:
  std::string start_error_;
};

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  pg2ch::test::internal::InstallCleanupHandlers();
  auto* env = new ServersEnvironment;
  ::testing::AddGlobalTestEnvironment(env);  // GoogleTest owns it
  int rc = RUN_ALL_TESTS();
  // GoogleTest then reports every test as skipped and "0 FAILED TESTS": say why at the end.
  if (!env->start_error().empty()) {
    std::fprintf(stderr, "[harness] no test ran: the servers did not start (see above)\n");
  }
  return rc;
}
