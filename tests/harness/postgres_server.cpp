// Starts the PostgreSQL test server (major TestPgMajor()) in `dir`: initdb as the `postgres` user
// (the server refuses to run as root), password auth over TCP, and the postmaster as our direct
// child rather than through `pg_ctl start`, which would detach it: a direct child dies with us
// (parent-death SIGQUIT = immediate shutdown) and is reached by ctest's process-tree kill on
// timeout.
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <thread>

#include "harness/harness.h"
#include "harness/harness_internal.h"

namespace pg2ch::test::internal {
namespace {

// Debian's 15, or a version scripts/fetch-postgres.sh unpacked into $PG2CH_PG_CACHE (default
// .cache/postgres in the source tree).

// Trust on the unix socket only: the harness sets the password over it; clients under test
// come over TCP and must authenticate like in production.
constexpr const char* kPgHba =
    "# Written by the pg2ch test harness.\n"
    "hostssl all certuser 127.0.0.1/32 scram-sha-256 clientcert=verify-full\n"
    "hostssl replication certuser 127.0.0.1/32 scram-sha-256 clientcert=verify-full\n"
    "local all all trust\n"
    "local replication all trust\n"
    "host all all 127.0.0.1/32 scram-sha-256\n"
    "host replication all 127.0.0.1/32 scram-sha-256\n";

void ChownToPostgres(const std::string& path) {
  if (geteuid() != 0) return;  // not root: the server runs as ourselves
  const passwd* pw = getpwnam("postgres");
  if (pw == nullptr) throw std::runtime_error("no `postgres` system user (install postgresql)");
  if (chown(path.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
    throw std::runtime_error("chown " + path + " failed");
  }
}

// PostgreSQL refuses a key file that others can read or that another user owns.
void CopyKeyForPostgres(const std::string& from, const std::string& to) {
  std::ofstream out(to, std::ios::trunc);
  out << ReadFile(from);
  out.close();
  if (!out.good()) throw std::runtime_error("cannot write " + to);
  chmod(to.c_str(), 0600);
  ChownToPostgres(to);
}

void RunInitdb(const std::string& dir, const std::string& data) {
  SpawnOptions opts{.drop_to_postgres_user = true, .parent_death_signal = SIGKILL, .cwd = dir};
  std::string log = dir + "/initdb.log";
  // --no-locale -E UTF8: identical collation on every machine, any text accepted.
  pid_t pid = Spawn({PgBinDir() + "/initdb", "-D", data, "-A", "trust", "-U", "postgres",
                     "--auth-local=trust", "-E", "UTF8", "--no-locale", "--no-sync"},
                    log, opts);
  int status = WaitPid(pid, 120);
  if (status == -1) {
    kill(pid, SIGKILL);
    WaitPid(pid, 10);
  }
  UntrackChild(pid);
  if (status == -1 || ExitCode(status) != 0) {
    throw std::runtime_error("initdb failed:\n" + Tail(ReadFile(log), 30));
  }
}

void SetPassword(const std::string& socket_conninfo) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(socket_conninfo.c_str()),
                                                    &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    throw std::runtime_error(std::string("socket connect: ") + PQerrorMessage(conn.get()));
  }
  std::unique_ptr<char, decltype(&PQfreemem)> literal(
      PQescapeLiteral(conn.get(), kPgPassword, strlen(kPgPassword)), &PQfreemem);
  std::string sql = std::string("ALTER USER postgres PASSWORD ") + literal.get();
  std::unique_ptr<PGresult, decltype(&PQclear)> res(PQexec(conn.get(), sql.c_str()), &PQclear);
  if (PQresultStatus(res.get()) != PGRES_COMMAND_OK) {
    throw std::runtime_error(std::string("ALTER USER: ") + PQerrorMessage(conn.get()));
  }
}

// The running server's version, checked against the run's major: a cache holding another build
// would otherwise test a version nobody asked for.
int ServerVersion(const std::string& socket_conninfo) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(socket_conninfo.c_str()),
                                                    &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    throw std::runtime_error(std::string("socket connect: ") + PQerrorMessage(conn.get()));
  }
  int version = PQserverVersion(conn.get());
  if (version / 10000 != TestPgMajor()) {
    throw std::runtime_error("PostgreSQL " + std::to_string(TestPgMajor()) +
                             " was asked for, but the server reports version " +
                             std::to_string(version));
  }
  return version;
}

}  // namespace

std::string PgBinDir() {
  int major = TestPgMajor();
  if (major == 15) return "/usr/lib/postgresql/15/bin";
  const char* env = std::getenv("PG2CH_PG_CACHE");
  std::string cache = env != nullptr && *env != '\0' ? env : PG2CH_PG_CACHE_DEFAULT;
  std::string bin = cache + "/" + std::to_string(major) + "/bin";
  if (access((bin + "/postgres").c_str(), X_OK) != 0) {
    throw std::runtime_error("no PostgreSQL " + std::to_string(major) + " in " + bin +
                             ": run scripts/fetch-postgres.sh " + std::to_string(major));
  }
  return bin;
}

int StartPostgres(const std::string& dir, int port, const TestTls& tls, std::atomic<pid_t>& pid,
                  const std::vector<std::string>& settings) {
  std::string data = dir + "/data";
  // A second start runs the same cluster again (after a crash a fault test caused): it
  // recovers from its WAL like a production server.
  bool restart = access((data + "/PG_VERSION").c_str(), F_OK) == 0;
  if (!restart) {
    if (mkdir(dir.c_str(), 0700) != 0) throw std::runtime_error("mkdir " + dir + " failed");
    ChownToPostgres(dir);
    RunInitdb(dir, data);
    // Root may overwrite it in place; ownership stays with `postgres`.
    std::ofstream hba(data + "/pg_hba.conf", std::ios::trunc);
    hba << kPgHba;
    if (!hba.good()) throw std::runtime_error("cannot write " + data + "/pg_hba.conf");
  }

  // A data directory copied from another server (a standby) comes without its key.
  if (access((dir + "/server.key").c_str(), F_OK) != 0)
    CopyKeyForPostgres(tls.server_key, dir + "/server.key");

  std::string log = dir + "/server.log";
  std::string port_str = std::to_string(port);
  std::vector<std::string> argv = {
      PgBinDir() + "/postgres", "-D", data, "-p", port_str, "-k", dir, "-c",
      "listen_addresses=127.0.0.1", "-c", "wal_level=logical", "-c", "max_replication_slots=200",
      "-c", "max_wal_senders=100", "-c", "max_connections=200", "-c", "fsync=off",
      // 13 and earlier default to md5, which the scram-sha-256 lines of pg_hba.conf refuse.
      "-c", "password_encryption=scram-sha-256",
      // TLS as managed services offer it: clients choose (sslmode), certuser must show a
      // certificate. The key must belong to the server's user.
      "-c", "ssl=on", "-c", "ssl_cert_file=" + tls.server_cert, "-c",
      "ssl_key_file=" + dir + "/server.key", "-c", "ssl_ca_file=" + tls.ca_cert};
  for (const std::string& s : settings) {
    argv.push_back("-c");
    argv.push_back(s);
  }
  SpawnOptions opts{
      .drop_to_postgres_user = true, .parent_death_signal = SIGQUIT, .cwd = dir, .track = false};
  // fsync=off only buys test speed; every other setting is one pg2ch needs in production too.
  pid = Spawn(argv, log, opts);

  std::string socket_conninfo =
      "host=" + dir + " port=" + port_str + " user=postgres dbname=postgres connect_timeout=5";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (PQping(socket_conninfo.c_str()) != PQPING_OK) {
    int status = WaitPid(pid, 0);
    if (status != -1) {
      pid = 0;  // reaped: nothing left to stop
      throw std::runtime_error("postgres exited with code " + std::to_string(ExitCode(status)) +
                               ":\n" + Tail(ReadFile(log), 30));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("postgres not ready after 60 s:\n" + Tail(ReadFile(log), 30));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!restart) SetPassword(socket_conninfo);
  return ServerVersion(socket_conninfo);
}

}  // namespace pg2ch::test::internal
