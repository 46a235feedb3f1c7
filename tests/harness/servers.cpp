// Lifetime of the per-process test servers: one throwaway work dir under /tmp, PostgreSQL and
// one ClickHouse per engine of the run on free loopback ports, and a stop that runs exactly once
// however the process ends (Environment::TearDown, atexit, a fatal or termination signal, a
// sanitizer report). The stop path is async-signal-safe: kill, waitpid, nanosleep, fork+exec of rm.
#include <curl/curl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/harness.h"
#include "harness/harness_internal.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#endif

namespace pg2ch::test {
namespace {

Servers g_servers;
bool g_started = false;
pid_t g_owner_pid = 0;  // forked children (death tests) must not stop our servers
bool g_keep = false;    // PG2CH_TEST_KEEP=1: leave the work dir for debugging
char g_work_dir[256] = {};
std::atomic<pid_t> g_pg_pid{0};
std::atomic<pid_t> g_ch_pids[2];  // per engine, in TestEngines() order (no repeats: at most 2)
internal::ClickHousePorts g_ch18_ports;  // kept for a restart
std::atomic<bool> g_stopped{false};
struct sigaction g_old_actions[NSIG];

constexpr int kCleanupSignals[] = {SIGINT,  SIGTERM, SIGHUP, SIGQUIT, SIGABRT,
                                   SIGSEGV, SIGBUS,  SIGILL, SIGFPE};

void WriteStderr(const char* s) {
  ssize_t ignored = write(STDERR_FILENO, s, strlen(s));
  (void)ignored;  // nowhere left to report it
}

// Async-signal-safe. Returns false if there was nothing for this process to do.
bool StopAll() noexcept {
  if (g_owner_pid == 0 || getpid() != g_owner_pid) return false;
  if (g_stopped.exchange(true)) return false;
  internal::KillTrackedChildren();
  for (auto& ch_pid : g_ch_pids) {
    if (pid_t ch = ch_pid.exchange(0); ch > 0) {
      kill(ch, SIGKILL);
      internal::WaitPid(ch, 10);
    }
  }
  if (pid_t pg = g_pg_pid.exchange(0); pg > 0) {
    kill(pg, SIGQUIT);  // immediate shutdown; the postmaster reaps its backends before exiting
    if (internal::WaitPid(pg, 15) == -1) {
      kill(pg, SIGKILL);
      internal::WaitPid(pg, 5);
    }
  }
  if (!g_keep && g_work_dir[0] != '\0') {
    pid_t rm = fork();
    if (rm == 0) {
      execl("/bin/rm", "rm", "-rf", "--", g_work_dir, static_cast<char*>(nullptr));
      _exit(127);
    }
    if (rm > 0) internal::WaitPid(rm, 60);
  }
  return true;
}

bool IsFault(int sig) { return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE; }

void OnFatalSignal(int sig) {
  int saved_errno = errno;
  if (getpid() == g_owner_pid && !g_stopped.load()) {
    WriteStderr("\n[harness] fatal signal: stopping the test servers\n");
  }
  StopAll();
  // Hand the signal to whoever had it before (default action, or a sanitizer's handler). A fault
  // re-triggers by itself when the instruction re-executes; other signals are re-raised and
  // delivered as soon as this handler returns.
  sigaction(sig, &g_old_actions[sig], nullptr);
  if (!IsFault(sig)) raise(sig);
  errno = saved_errno;
}

}  // namespace

const Servers& GetServers() {
  if (!g_started) {
    throw std::logic_error("test servers are not running (the harness main() starts them)");
  }
  return g_servers;
}

namespace internal {

std::vector<int> FreeTcpPorts(int count) {
  // All sockets stay bound until every port is known, so the ports are distinct.
  std::vector<int> fds, ports;
  for (int i = 0; i < count; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::runtime_error("cannot find a free TCP port on 127.0.0.1");
    }
    fds.push_back(fd);
    ports.push_back(ntohs(addr.sin_port));
  }
  for (int fd : fds) close(fd);
  return ports;
}

void CheckServersAlive() {
  struct Server {
    std::string name;
    std::atomic<pid_t>& pid;
    std::string log;
  };
  std::string dir = g_servers.work_dir;
  std::vector<Server> servers{{"PostgreSQL", g_pg_pid, dir + "/pg/server.log"}};
  const std::vector<ChEngine>& engines = TestEngines();
  for (size_t i = 0; i < engines.size(); ++i) {
    std::string ch_dir = dir + "/" + EngineName(engines[i]);
    servers.push_back(
        {std::string("ClickHouse ") + EngineName(engines[i]), g_ch_pids[i],
         ch_dir + (engines[i] == ChEngine::kCh18 ? "/server.err.log" : "/server.log")});
  }
  for (Server& server : servers) {
    pid_t pid = server.pid.load();
    if (pid <= 0) continue;
    int status = WaitPid(pid, 0);
    if (status == -1) continue;
    server.pid = 0;  // reaped
    std::string why = access(dir.c_str(), F_OK) == 0
                          ? "its log ends:\n" + Tail(ReadFile(server.log), 20)
                          : "the work dir " + dir + " was deleted from outside";
    throw std::runtime_error("the " + server.name + " test server died during the run (exit code " +
                             std::to_string(ExitCode(status)) + "); " + why);
  }
}

void StartServers() {
  if (g_started) return;
  g_owner_pid = getpid();
  const char* keep = std::getenv("PG2CH_TEST_KEEP");
  g_keep = keep != nullptr && std::strcmp(keep, "1") == 0;
  curl_global_init(CURL_GLOBAL_DEFAULT);  // not thread-safe: here, before any test thread

  char work[] = "/tmp/pg2ch-test.XXXXXX";
  if (mkdtemp(work) == nullptr) throw std::runtime_error("mkdtemp under /tmp failed");
  // mkdtemp gives 0700; the `postgres` user must traverse it to reach its data dir.
  chmod(work, 0755);
  std::snprintf(g_work_dir, sizeof(g_work_dir), "%s", work);
  std::string dir = work;

  const std::vector<ChEngine>& engines = TestEngines();
  std::vector<int> ports = internal::FreeTcpPorts(1 + 3 * static_cast<int>(engines.size()));
  std::fprintf(stderr,
               "[harness] work dir %s%s\n"
               "[harness] PostgreSQL %d: 127.0.0.1:%d, socket dir %s/pg, log %s/pg/server.log\n",
               work, g_keep ? " (kept: PG2CH_TEST_KEEP=1)" : " (set PG2CH_TEST_KEEP=1 to keep it)",
               TestPgMajor(), ports[0], work, work);
  auto start = std::chrono::steady_clock::now();
  g_servers.tls = internal::MakeTestCertificates(dir + "/tls");
  g_servers.pg_version_num =
      internal::StartPostgres(dir + "/pg", ports[0], g_servers.tls, g_pg_pid);
  g_servers.pg_port = ports[0];
  g_servers.pg_host = "127.0.0.1";
  g_servers.work_dir = dir;
  for (size_t i = 0; i < engines.size(); ++i) {
    int http_port = ports[1 + 3 * i];
    std::string ch_dir = dir + "/" + EngineName(engines[i]);
    if (engines[i] == ChEngine::kCh18) {
      std::fprintf(stderr,
                   "[harness] ClickHouse 18.16 (ch18): http://127.0.0.1:%d, https://127.0.0.1:%d, "
                   "logs %s/server.log and %s/server.err.log\n",
                   http_port, ports[3 + 3 * i], ch_dir.c_str(), ch_dir.c_str());
      g_ch18_ports = {http_port, ports[2 + 3 * i], ports[3 + 3 * i]};
      g_servers.ch18_https_url = "https://127.0.0.1:" + std::to_string(g_ch18_ports.https);
      internal::StartClickHouse(ch_dir, g_ch18_ports, g_servers.tls, g_ch_pids[i]);
    } else {
      std::fprintf(stderr,
                   "[harness] ClickHouse 26 (ch26, libchdb %s): http://127.0.0.1:%d, log "
                   "%s/server.log\n",
                   internal::ChdbLibraryPath().c_str(), http_port, ch_dir.c_str());
      internal::StartChdbFront(ch_dir, http_port, g_ch_pids[i]);
    }
    g_servers.ch_urls.emplace_back(engines[i], "http://127.0.0.1:" + std::to_string(http_port));
  }
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  std::fprintf(stderr, "[harness] servers ready in %.1f s\n", took.count());
  g_started = true;
}

void StopServers() noexcept {
  if (!StopAll()) return;
  if (g_work_dir[0] == '\0') return;
  std::fprintf(stderr, "[harness] servers stopped; %s %s\n", g_keep ? "kept" : "removed",
               g_work_dir);
}

void InstallCleanupHandlers() {
  std::atexit([] { StopServers(); });
  for (int sig : kCleanupSignals) {
    struct sigaction old {};
    sigaction(sig, nullptr, &old);
    // An ignored signal (nohup, background job) stays ignored.
    if (!(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_IGN) continue;
    g_old_actions[sig] = old;
    struct sigaction action {};
    action.sa_handler = OnFatalSignal;
    sigemptyset(&action.sa_mask);
    sigaction(sig, &action, nullptr);
  }
#if defined(__SANITIZE_ADDRESS__)
  // ASan ends the process with _exit after a report: no atexit, no signal.
  __sanitizer_set_death_callback([] { StopAll(); });
#endif
}

}  // namespace internal

namespace {

size_t EngineIndex(ChEngine engine) {
  const auto& engines = TestEngines();
  for (size_t i = 0; i < engines.size(); ++i)
    if (engines[i] == engine) return i;
  throw std::logic_error(std::string("engine ") + EngineName(engine) + " is not in this run");
}

// Signals a server and waits for it to exit; the pid slot is cleared first, so that a death
// is not reported as a server that died during the run.
void KillAndReap(std::atomic<pid_t>& slot, int sig) {
  pid_t pid = slot.exchange(0);
  if (pid <= 0) throw std::logic_error("the server is not running");
  kill(pid, sig);
  if (internal::WaitPid(pid, 30) == -1) {
    kill(pid, SIGKILL);
    internal::WaitPid(pid, 10);
  }
}

}  // namespace

void CrashPostgres() { KillAndReap(g_pg_pid, SIGQUIT); }

void StartPostgresAgain() {
  internal::StartPostgres(g_servers.work_dir + "/pg", g_servers.pg_port, g_servers.tls, g_pg_pid);
}

void KillClickHouse(ChEngine engine) { KillAndReap(g_ch_pids[EngineIndex(engine)], SIGKILL); }

void StartClickHouseAgain(ChEngine engine) {
  size_t i = EngineIndex(engine);
  std::string dir = g_servers.work_dir + "/" + EngineName(engine);
  if (engine == ChEngine::kCh18) {
    internal::StartClickHouse(dir, g_ch18_ports, g_servers.tls, g_ch_pids[i]);
  } else {
    std::string url = g_servers.ChUrl(engine);
    internal::StartChdbFront(dir, std::stoi(url.substr(url.rfind(':') + 1)), g_ch_pids[i]);
  }
}

void FreezeClickHouse(ChEngine engine, bool frozen) {
  pid_t pid = g_ch_pids[EngineIndex(engine)].load();
  if (pid <= 0) throw std::logic_error("the server is not running");
  kill(pid, frozen ? SIGSTOP : SIGCONT);
}

}  // namespace pg2ch::test
