// delete_on_merge: ReplacingMergeTree(_peerdb_version, _peerdb_is_deleted) on servers that have
// it, so FINAL alone hides deleted rows; a clear refusal on servers that do not.
#include <gtest/gtest.h>
#include <signal.h>

#include "harness/engine_test.h"
#include "pipe_test_support.h"

namespace pg2ch::test {
namespace {

class DeleteOnMerge : public EngineTest {};

TEST_P(DeleteOnMerge, FinalAloneHidesDeletedRowsOrOldServerRefuses) {
  TestDatabases dbs = NewDatabases("delmerge");
  PgExec(dbs.pg,
         "CREATE TABLE d (id int PRIMARY KEY, v text NOT NULL);"
         "INSERT INTO d SELECT g, 'v' || g FROM generate_series(1, 100) g");
  std::string name = PipeName("delmerge");
  PipeFiles files = WritePipe(dbs, name, {"public.d"}, "\"delete_on_merge\": true");
  auto pg2ch = StartPg2ch(files);
  if (!modern()) {
    EXPECT_EQ(pg2ch->Wait(60), 1) << pg2ch->Output();
    EXPECT_NE(LastError(files, name).find("delete_on_merge needs ClickHouse 23.2"),
              std::string::npos)
        << LastError(files, name);
    return;
  }
  ASSERT_TRUE(WaitForState(files, name, PipeState::kRunning, 60)) << pg2ch->Output();
  std::string ddl = ChQuery(dbs.ch, "SELECT engine_full FROM system.tables WHERE database = '" +
                                        dbs.ch.database + "' AND name = 'd'");
  EXPECT_NE(ddl.find("ReplacingMergeTree(_peerdb_version, _peerdb_is_deleted)"), std::string::npos)
      << ddl;
  PgExec(dbs.pg, "DELETE FROM d WHERE id <= 10; UPDATE d SET v = 'u' WHERE id = 11");
  std::vector<CompareColumn> cols = {{"id::text", "toString(id)"}, {"v", "v"}};
  EXPECT_EQ(WaitForEqual(dbs, "d", "d", cols, "id", 60), "") << pg2ch->Output();
  // No WHERE _peerdb_is_deleted = 0 needed.
  EXPECT_EQ(ChQuery(dbs.ch, "SELECT count() FROM `" + dbs.ch.database + "`.`d` FINAL"), "90\n");
  pg2ch->Signal(SIGTERM);
  EXPECT_EQ(pg2ch->Wait(30), 0);
}

PG2CH_INSTANTIATE_ENGINE_TESTS(DeleteOnMerge);

}  // namespace
}  // namespace pg2ch::test
