#include "harness/postgres_pair.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdexcept>

#include "harness/harness_internal.h"

namespace pg2ch::test {
namespace {

constexpr const char* kStandbySlot = "pg2ch_test_standby";

void Stop(std::atomic<pid_t>& slot, int sig) noexcept {
  pid_t pid = slot.exchange(0);
  if (pid <= 0) return;
  kill(pid, sig);
  if (internal::WaitPid(pid, 30) == -1) {
    kill(pid, SIGKILL);
    internal::WaitPid(pid, 10);
  }
}

void Run(const std::vector<std::string>& argv, const std::string& log, bool as_postgres) {
  internal::SpawnOptions opts{
      .drop_to_postgres_user = as_postgres, .parent_death_signal = SIGKILL, .cwd = ""};
  pid_t pid = internal::Spawn(argv, log, opts);
  int status = internal::WaitPid(pid, 120);
  internal::UntrackChild(pid);
  if (status == -1 || internal::ExitCode(status) != 0)
    throw std::runtime_error(argv[0] + " failed:\n" + internal::Tail(internal::ReadFile(log), 20));
}

}  // namespace

PostgresPair::PostgresPair(const std::string& name, bool failover) {
  const Servers& servers = GetServers();
  dir_ = servers.work_dir + "/pair_" + name;
  std::vector<int> ports = internal::FreeTcpPorts(2);
  primary_port_ = ports[0];
  standby_port_ = ports[1];
  const std::string primary = dir_ + "_primary", standby = dir_ + "_standby";

  internal::StartPostgres(primary, primary_port_, servers.tls, primary_pid_);
  PgExec(Primary("postgres"),
         std::string("SELECT pg_create_physical_replication_slot('") + kStandbySlot + "')");
  Stop(primary_pid_, SIGINT);  // a fast, clean shutdown: its data directory is consistent

  if (mkdir(standby.c_str(), 0700) != 0) throw std::runtime_error("mkdir " + standby);
  Run({"/bin/cp", "-a", primary + "/data", standby + "/data"}, dir_ + "_copy.log", false);
  Run({"/bin/chown", "-R", "--reference=" + primary, standby}, dir_ + "_chown.log", false);
  Run({"/usr/bin/touch", standby + "/data/standby.signal"}, dir_ + "_signal.log", true);

  std::vector<std::string> primary_settings,
      standby_settings = {"primary_conninfo=host=127.0.0.1 port=" + std::to_string(primary_port_) +
                              " user=postgres password=" + kPgPassword + " dbname=postgres",
                          std::string("primary_slot_name=") + kStandbySlot,
                          "hot_standby_feedback=on"};
  if (failover) {
    primary_settings.push_back(std::string("synchronized_standby_slots=") + kStandbySlot);
    standby_settings.push_back("sync_replication_slots=on");
  }
  internal::StartPostgres(primary, primary_port_, servers.tls, primary_pid_, primary_settings);
  internal::StartPostgres(standby, standby_port_, servers.tls, standby_pid_, standby_settings);
  WaitForStandby();
}

PostgresPair::~PostgresPair() {
  Stop(standby_pid_, SIGQUIT);
  Stop(primary_pid_, SIGQUIT);
}

static PostgresEndpoint Endpoint(int port, const std::string& database) {
  PostgresEndpoint pg;
  pg.host = "127.0.0.1";
  pg.port = port;
  pg.user = "postgres";
  pg.password = kPgPassword;
  pg.database = database;
  return pg;
}

PostgresEndpoint PostgresPair::Primary(const std::string& database) const {
  return Endpoint(primary_port_, database);
}

PostgresEndpoint PostgresPair::Standby(const std::string& database) const {
  return Endpoint(standby_port_, database);
}

void PostgresPair::CreateDatabase(const std::string& database) {
  PgExec(Primary("postgres"), "CREATE DATABASE \"" + database + "\"");
  WaitForStandby();
}

void PostgresPair::WaitForStandby(double timeout_seconds) {
  std::string target = PgQuery(Primary("postgres"), "SELECT pg_current_wal_lsn()::text")[0][0];
  bool caught_up = WaitUntil(timeout_seconds, [&] {
    try {
      return PgQuery(Standby("postgres"),
                     "SELECT pg_last_wal_replay_lsn() >= '" + target + "'::pg_lsn")[0][0] == "t";
    } catch (const std::exception&) {
      return false;  // still starting
    }
  });
  if (!caught_up)
    throw std::runtime_error("the standby did not replay up to " + target + " in time:\n" +
                             internal::Tail(internal::ReadFile(dir_ + "_standby/server.log"), 20));
}

void PostgresPair::PauseReplay(bool paused) {
  PgExec(Standby("postgres"),
         paused ? "SELECT pg_wal_replay_pause()" : "SELECT pg_wal_replay_resume()");
}

void PostgresPair::FailOver() {
  Stop(primary_pid_, SIGQUIT);
  PgExec(Standby("postgres"), "SELECT pg_promote(true, 60)");
  if (!WaitUntil(60, [&] {
        return PgQuery(Standby("postgres"), "SELECT pg_is_in_recovery()")[0][0] == "f";
      }))
    throw std::runtime_error("the standby was not promoted");
}

}  // namespace pg2ch::test
