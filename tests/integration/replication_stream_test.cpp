// The replication stream on a socket numbered past 1024, as in a server with many pipes: waiting
// for data must work there (select's FD_SET is undefined beyond FD_SETSIZE; poll is not).
#include "source/postgres/replication_stream.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <variant>

#include "harness/harness.h"
#include "source/postgres/pg_connection.h"

namespace pg2ch::test {
namespace {

TEST(ReplicationStreamOnce, WaitsOnADescriptorPast1024) {
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  rlimit raised = limit;
  raised.rlim_cur = std::min<rlim_t>(limit.rlim_max, 4096);
  if (raised.rlim_cur < 1200) GTEST_SKIP() << "the descriptor limit is " << limit.rlim_max;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &raised), 0);
  std::vector<int> fillers;
  while (fillers.empty() || fillers.back() < 1100) fillers.push_back(open("/dev/null", O_RDONLY));

  TestDatabases dbs = NewTestDatabases("fd1024", TestEngines().front());
  PgExec(dbs.pg, "CREATE TABLE t (id int PRIMARY KEY); CREATE PUBLICATION fd_pub FOR TABLE t");
  PgExec(dbs.pg, "SELECT pg_create_logical_replication_slot('fd1024_slot', 'pgoutput')");
  {
    auto conn = PgConnection::Connect(dbs.pg, true);
    ASSERT_GT(PQsocket(conn->raw()), 1024);
    ReplicationStream stream(std::move(conn), "fd1024_slot", {"fd_pub"}, 0, false);
    PgExec(dbs.pg, "INSERT INTO t VALUES (1)");
    bool data = false;
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!data && std::chrono::steady_clock::now() < until)
      if (auto m = stream.Next(std::chrono::milliseconds(200)))
        data = std::holds_alternative<XLogData>(*m);
    EXPECT_TRUE(data);
  }
  // The suite shares the server: give the slot back once its walsender is gone.
  EXPECT_TRUE(WaitUntil(30, [&] {
    try {
      PgExec(dbs.pg, "SELECT pg_drop_replication_slot('fd1024_slot')");
      return true;
    } catch (const std::exception&) {
      return false;
    }
  }));
  for (int fd : fillers) close(fd);
  setrlimit(RLIMIT_NOFILE, &limit);
}

}  // namespace
}  // namespace pg2ch::test
