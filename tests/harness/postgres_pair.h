// A primary and its physical standby, of the run's PostgreSQL major, started for one test (the
// run's own server stays as it is). The standby is made as the npm packages allow (they have no
// pg_basebackup): the primary is stopped cleanly and its data directory copied, with
// standby.signal; it streams from the primary over TCP with a physical slot and
// hot_standby_feedback. With `failover` (17+) the standby syncs the primary's failover slots
// (sync_replication_slots) and the primary holds logical changes back until the standby has them
// (synchronized_standby_slots). The destructor stops both; both die with the test binary.
#pragma once

#include <atomic>
#include <string>

#include "harness/harness.h"

namespace pg2ch::test {

class PostgresPair {
 public:
  PostgresPair(const std::string& name, bool failover);
  ~PostgresPair();
  PostgresPair(const PostgresPair&) = delete;
  PostgresPair& operator=(const PostgresPair&) = delete;

  // Connections as pg2ch makes them (TCP, password) to `database` on either server.
  PostgresEndpoint Primary(const std::string& database) const;
  PostgresEndpoint Standby(const std::string& database) const;
  // Creates `database` on the primary and waits until the standby has it.
  void CreateDatabase(const std::string& database);
  // Waits until the standby has replayed everything the primary has written so far.
  void WaitForStandby(double timeout_seconds = 60);
  // pg_wal_replay_pause() / pg_wal_replay_resume() on the standby: it keeps receiving WAL but
  // shows nothing new, as a standby that falls behind does.
  void PauseReplay(bool paused);
  // Stops the primary as a crash would (SIGQUIT), then promotes the standby; returns once the
  // standby accepts writes.
  void FailOver();

 private:
  std::string dir_;
  int primary_port_ = 0, standby_port_ = 0;
  std::atomic<pid_t> primary_pid_{0}, standby_pid_{0};
};

}  // namespace pg2ch::test
