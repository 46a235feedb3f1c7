// SQLite errors are classified once, where they are known: a busy or full catalog is retried by
// the pipe (it waits for room), a corrupt one stops it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "catalog/sqlite_statement.h"

namespace pg2ch {
namespace {

class SqliteErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pg2ch-sqlite-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }
  sqlite3* Open(const std::string& name) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open((dir_ + "/" + name).c_str(), &db), SQLITE_OK);
    return db;
  }
  std::string dir_;
};

ErrorKind KindOf(sqlite3* db, const char* sql) {
  try {
    sqlite::Exec(db, sql);
  } catch (const PipeError& e) {
    return e.kind();
  }
  ADD_FAILURE() << "no error from " << sql;
  return ErrorKind::kFatal;
}

TEST_F(SqliteErrors, AFullDatabaseIsRetryable) {
  sqlite3* db = Open("full.db");
  sqlite::Exec(db, "CREATE TABLE t (v TEXT)");
  sqlite::Exec(db, "PRAGMA max_page_count = 3");  // as a full disk does: no page to grow into
  EXPECT_EQ(KindOf(db,
                   "INSERT INTO t SELECT hex(randomblob(4000)) FROM (SELECT 1 UNION ALL "
                   "SELECT 2 UNION ALL SELECT 3)"),
            ErrorKind::kRetryable);
  sqlite3_close(db);
}

TEST_F(SqliteErrors, ABusyDatabaseIsRetryable) {
  sqlite3* holder = Open("busy.db");
  sqlite::Exec(holder, "CREATE TABLE t (v INTEGER); BEGIN EXCLUSIVE; INSERT INTO t VALUES (1)");
  sqlite3* other = Open("busy.db");  // no busy timeout: SQLITE_BUSY at once
  EXPECT_EQ(KindOf(other, "INSERT INTO t VALUES (2)"), ErrorKind::kRetryable);
  sqlite::Exec(holder, "COMMIT");
  sqlite::Exec(other, "INSERT INTO t VALUES (2)");  // and once the writer is done, it goes on
  sqlite3_close(other);
  sqlite3_close(holder);
}

TEST_F(SqliteErrors, ACorruptOrMisusedDatabaseIsFatal) {
  EXPECT_EQ(sqlite::ErrorKindOf(SQLITE_CORRUPT), ErrorKind::kFatal);
  EXPECT_EQ(sqlite::ErrorKindOf(SQLITE_NOTADB), ErrorKind::kFatal);
  EXPECT_EQ(sqlite::ErrorKindOf(SQLITE_IOERR_WRITE), ErrorKind::kRetryable);
  sqlite3* db = Open("syntax.db");
  EXPECT_EQ(KindOf(db, "SELEKT 1"), ErrorKind::kFatal);
  sqlite3_close(db);
}

}  // namespace
}  // namespace pg2ch
