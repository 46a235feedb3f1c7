// Faults under a write load, each ending with ClickHouse equal to PostgreSQL and the pipe in
// Running, never Failed:
// - network cuts without a reset (iptables drops every packet to and from a server's port, as
//   a failed switch or a partition does) between pg2ch and PostgreSQL and between pg2ch and
//   ClickHouse: pg2ch notices the dead connection within a bound (TCP keepalives and
//   TCP_USER_TIMEOUT, about 30 s) and says so (`retrying`) until the network heals;
// - PostgreSQL crashed (immediate shutdown) and restarted, ClickHouse killed -9 and restarted,
//   ClickHouse frozen (SIGSTOP) for longer than pg2ch's request timeout.
// Needs root (iptables).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "catalog/sqlite_catalog.h"
#include "harness/engine_test.h"
#include "harness/network_cut.h"
#include "pipe/pipe_context.h"
#include "pipe_test_support.h"

namespace pg2ch::test {
namespace {

constexpr double kWait = 120;

int PortOf(const std::string& url) { return std::stoi(url.substr(url.rfind(':') + 1)); }

std::vector<CompareColumn> Columns() {
  return {{"id::text", "toString(id)"}, {"v", "v"}, {"n::text", "toString(n)"}};
}

class Fault : public EngineTest {
 protected:
  void SetUp() override {
    if (geteuid() != 0) {
      if (std::getenv("CI") != nullptr) FAIL() << "the fault tests need root (iptables)";
      GTEST_SKIP() << "needs root for iptables";
    }
  }

  // A Running pipe of table cut_t with a write load of small transactions.
  void StartUnderLoad(const std::string& hint, int ch_timeout_seconds = 0) {
    dbs_ = NewDatabases(hint);
    pipe_ = PipeName(hint);
    PgExec(dbs_.pg,
           "CREATE TABLE cut_t (id bigserial PRIMARY KEY, v text NOT NULL, n int NOT NULL);"
           "INSERT INTO cut_t (v, n) SELECT 'seed ' || g, g FROM generate_series(1, 1000) g");
    files_ = WritePipe(dbs_, pipe_, {"public.cut_t"}, "\"sync_interval_seconds\": 0.2");
    if (ch_timeout_seconds > 0) {
      std::ifstream in(files_.pipe);
      nlohmann::json pipe = nlohmann::json::parse(in);
      pipe["destination"]["timeout_seconds"] = ch_timeout_seconds;
      std::ofstream(files_.pipe, std::ios::trunc) << pipe.dump(2);
    }
    pg2ch_ = StartPg2ch(files_);
    ASSERT_TRUE(WaitForState(files_, pipe_, PipeState::kRunning, kWait)) << pg2ch_->Output();
    load_ = std::make_unique<BackgroundWrites>(dbs_.pg, [](int round) {
      return "BEGIN; INSERT INTO cut_t (v, n) SELECT 'load ' || g, g FROM generate_series(1, 10) "
             "g; UPDATE cut_t SET n = n + 1, v = v || '+' WHERE id % 53 = " +
             std::to_string(round % 53) + "; COMMIT";
    });
    ASSERT_TRUE(WaitUntil(kWait, [&] { return ChCount(dbs_, "cut_t") > 1500; }))
        << pg2ch_->Output();
  }

  // Cuts `port` for `seconds`. With `expect_notice`, pg2ch must report the dead connection as
  // retrying within `notice_bound` seconds of the cut; returns how long that took.
  double Cut(int port, double seconds, bool expect_notice, double notice_bound = 60) {
    auto start = std::chrono::steady_clock::now();
    auto elapsed = [&] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    double noticed = -1;
    {
      NetworkCut cut(port);
      if (expect_notice) {
        // Only the catalog (a local file) is read while the cut lasts.
        EXPECT_TRUE(WaitUntil(notice_bound, [&] { return !Retrying(files_, pipe_).empty(); }))
            << "pg2ch did not notice the cut within " << notice_bound << " s\n"
            << pg2ch_->Output();
        noticed = elapsed();
        std::printf("[fault] cut of port %d noticed after %.1f s: %s\n", port, noticed,
                    Retrying(files_, pipe_).c_str());
      }
      while (elapsed() < seconds) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    EXPECT_TRUE(CatalogState(files_, pipe_) != PipeState::kFailed) << LastError(files_, pipe_);
    return noticed;
  }

  // Stops the load, then ClickHouse must equal PostgreSQL, the pipe Running with no retry
  // reason left, and never Failed.
  void ExpectCaughtUp() {
    std::this_thread::sleep_for(std::chrono::seconds(2));
    load_->Stop();
    EXPECT_GT(load_->statements(), 0);
    EXPECT_EQ(WaitForEqual(dbs_, "cut_t", "cut_t", Columns(), "id", kWait), "") << pg2ch_->Output();
    EXPECT_TRUE(WaitUntil(kWait, [&] { return Retrying(files_, pipe_).empty(); }))
        << Retrying(files_, pipe_);
    EXPECT_TRUE(CatalogState(files_, pipe_) == PipeState::kRunning);
    EXPECT_FALSE(EverFailed(files_, pipe_)) << LastError(files_, pipe_);
    pg2ch_->Signal(SIGTERM);
    EXPECT_EQ(pg2ch_->Wait(60), 0) << pg2ch_->Output();
  }

  TestDatabases dbs_;
  std::string pipe_;
  PipeFiles files_;
  std::unique_ptr<Process> pg2ch_;
  std::unique_ptr<BackgroundWrites> load_;
};

// PostgreSQL's side is the same for both engines: run it once, on the first engine of the run.
TEST_P(Fault, PostgresCutShorterAndLongerThanWalSenderTimeout) {
  if (engine() != TestEngines().front())
    GTEST_SKIP() << "runs on " << EngineName(TestEngines().front());
  // The server ends a silent walsender after wal_sender_timeout: a long cut outlives it (the
  // slot is free again when pg2ch reconnects), a short one does not.
  TestDatabases admin = NewDatabases("netcut_admin");
  PgExec(admin.pg, "ALTER SYSTEM SET wal_sender_timeout = '10s'");
  PgExec(admin.pg, "SELECT pg_reload_conf()");
  StartUnderLoad("netcut_pg");
  int port = dbs_.pg.port;
  Cut(port, 3, false);
  ASSERT_TRUE(WaitUntil(kWait, [&] { return load_->statements() > 50; }));
  double noticed = Cut(port, 45, true);
  EXPECT_GT(noticed, 0);
  ExpectCaughtUp();
  PgExec(admin.pg, "ALTER SYSTEM RESET wal_sender_timeout");
  PgExec(admin.pg, "SELECT pg_reload_conf()");
}

// Rows of the pipe's tables copied so far, per the catalog (whole partitions only).
int64_t RowsCopied(const PipeFiles& files, const std::string& pipe) {
  SqliteCatalog catalog(files.catalog);
  auto record = catalog.FindPipe(pipe);
  int64_t rows = 0;
  if (record)
    for (const TableRecord& t : catalog.Tables(record->id)) rows += t.rows_copied;
  return rows;
}

// The cut comes while the initial load copies (its exported snapshot, the copying session and the
// slot's connection all die): the load resumes with the partitions it recorded as copied, CDC
// replays what changed meanwhile, and the table ends equal.
TEST_P(Fault, PostgresCutDuringTheInitialLoad) {
  if (engine() != TestEngines().front())
    GTEST_SKIP() << "runs on " << EngineName(TestEngines().front());
  dbs_ = NewDatabases("netcut_load");
  pipe_ = PipeName("netcut_load");
  constexpr int kRows = 600000;
  PgExec(dbs_.pg,
         "CREATE TABLE cut_t (id bigserial PRIMARY KEY, v text NOT NULL, n int NOT NULL);"
         "INSERT INTO cut_t (v, n) SELECT 'seed ' || g, g FROM generate_series(1, " +
             std::to_string(kRows) + ") g; ANALYZE cut_t");
  // One worker, small partitions: the load lasts a while and records its progress often.
  files_ = WritePipe(dbs_, pipe_, {"public.cut_t"},
                     "\"sync_interval_seconds\": 0.2, \"snapshot_num_rows_per_partition\": 20000, "
                     "\"snapshot_max_parallel_workers\": 1");
  pg2ch_ = StartPg2ch(files_);
  load_ = std::make_unique<BackgroundWrites>(dbs_.pg, [](int round) {
    return "BEGIN; INSERT INTO cut_t (v, n) VALUES ('during', " + std::to_string(round) +
           "); UPDATE cut_t SET n = n + 1, v = v || '+' WHERE id = " +
           std::to_string(1 + (round * 7919) % kRows) + "; COMMIT";
  });
  ASSERT_TRUE(WaitUntil(kWait, [&] { return RowsCopied(files_, pipe_) > 0; })) << pg2ch_->Output();
  ASSERT_EQ(CatalogState(files_, pipe_), PipeState::kSnapshot)
      << "the load was over before the cut: give it more rows";
  const int64_t copied_before = RowsCopied(files_, pipe_);
  double noticed = Cut(dbs_.pg.port, 40, true);
  EXPECT_GT(noticed, 0);
  ASSERT_TRUE(WaitForState(files_, pipe_, PipeState::kRunning, kWait)) << pg2ch_->Output();
  std::printf("[fault] load cut after %lld of %d rows copied\n",
              static_cast<long long>(copied_before), kRows);
  ExpectCaughtUp();
}

TEST_P(Fault, ClickHouseCutUnderLoad) {
  StartUnderLoad("netcut_ch");
  int port = PortOf(dbs_.ch.url);
  Cut(port, 3, false);
  double noticed = Cut(port, 40, true);
  EXPECT_GT(noticed, 0);
  ExpectCaughtUp();
}

// PostgreSQL crashes without a shutdown checkpoint and comes back after crash recovery: every
// connection pg2ch had is gone, the slot's position is the one it last flushed.
TEST_P(Fault, PostgresCrashAndRestart) {
  if (engine() != TestEngines().front())
    GTEST_SKIP() << "runs on " << EngineName(TestEngines().front());
  StartUnderLoad("crash_pg");
  CrashPostgres();
  EXPECT_TRUE(WaitUntil(kWait, [&] { return !Retrying(files_, pipe_).empty(); }))
      << pg2ch_->Output();
  std::printf("[fault] PostgreSQL down: %s\n", Retrying(files_, pipe_).c_str());
  std::this_thread::sleep_for(std::chrono::seconds(3));
  StartPostgresAgain();
  ExpectCaughtUp();
}

TEST_P(Fault, ClickHouseKilledAndRestarted) {
  StartUnderLoad("crash_ch");
  KillClickHouse(engine());
  EXPECT_TRUE(WaitUntil(kWait, [&] { return !Retrying(files_, pipe_).empty(); }))
      << pg2ch_->Output();
  std::printf("[fault] ClickHouse down: %s\n", Retrying(files_, pipe_).c_str());
  std::this_thread::sleep_for(std::chrono::seconds(3));
  StartClickHouseAgain(engine());
  ExpectCaughtUp();
}

// A frozen server keeps its connections and the kernel still acknowledges what is sent, so no
// TCP timeout fires: the request timeout (destination.timeout_seconds, 10 s here) does.
TEST_P(Fault, ClickHouseFrozenLongerThanTheRequestTimeout) {
  StartUnderLoad("freeze_ch", 10);
  auto start = std::chrono::steady_clock::now();
  FreezeClickHouse(engine(), true);
  bool noticed = WaitUntil(60, [&] { return !Retrying(files_, pipe_).empty(); });
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("[fault] frozen ClickHouse noticed after %.1f s: %s\n", took,
              Retrying(files_, pipe_).c_str());
  std::this_thread::sleep_for(std::chrono::seconds(5));
  FreezeClickHouse(engine(), false);
  EXPECT_TRUE(noticed) << pg2ch_->Output();
  ExpectCaughtUp();
}

PG2CH_INSTANTIATE_ENGINE_TESTS(Fault);

}  // namespace
}  // namespace pg2ch::test
