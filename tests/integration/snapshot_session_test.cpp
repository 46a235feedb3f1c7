// Errors of the initial load's session are classified where they are known: a lock timeout
// passes (retried), a table that is gone does not (the pipe fails saying why, instead of
// retrying forever).
#include "source/postgres/snapshot_session.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "harness/harness.h"
#include "source/postgres/pg_connection.h"

namespace pg2ch::test {
namespace {

TEST(SnapshotSessionOnce, AMissingTableIsFatalALockTimeoutRetryable) {
  TestDatabases dbs = NewTestDatabases("snapsess", TestEngines().front());
  PgExec(dbs.pg, "CREATE TABLE here (id int PRIMARY KEY)");
  {
    auto conn = PgConnection::Connect(dbs.pg, false);
    try {
      BeginExportedSnapshot(*conn, {SourceTable{"public", "gone", 1, {}}});
      FAIL() << "locked a table that does not exist";
    } catch (const PipeError& e) {
      EXPECT_FALSE(e.retryable()) << e.what();
      EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();
    }
  }
  auto holder = PgConnection::Connect(dbs.pg, false);
  holder->Exec("BEGIN");
  holder->Exec("LOCK TABLE here IN ACCESS EXCLUSIVE MODE");  // a VACUUM FULL, say
  auto conn = PgConnection::Connect(dbs.pg, false);
  try {
    BeginExportedSnapshot(*conn, {SourceTable{"public", "here", 1, {}}});
    FAIL() << "locked a table another session holds exclusively";
  } catch (const PipeError& e) {
    EXPECT_TRUE(e.retryable()) << e.what();
    EXPECT_NE(std::string(e.what()).find("cannot lock the source tables"), std::string::npos)
        << e.what();
  }
  holder->Exec("ROLLBACK");
}

}  // namespace
}  // namespace pg2ch::test
