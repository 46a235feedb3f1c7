// Child processes for the harness: Spawn (fork/exec with output to a log), the emergency kill
// table, and the public Process class. Nothing between fork and exec allocates: the child of a
// multi-threaded parent may only call async-signal-safe functions.
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "harness/harness.h"
#include "harness/harness_internal.h"

namespace pg2ch::test {
namespace internal {
namespace {

// Fixed size and lock-free so a signal handler can walk it; 0 marks a free slot.
constexpr int kMaxChildren = 256;
std::atomic<pid_t> g_children[kMaxChildren];

void WriteStr(const char* s) {
  ssize_t ignored = write(STDERR_FILENO, s, strlen(s));
  (void)ignored;  // nothing left to report a failed write to
}

[[noreturn]] void ChildFail(const char* what, const char* arg) {
  int err = errno;
  WriteStr("harness: child ");
  WriteStr(what);
  WriteStr(" failed: ");
  WriteStr(arg);
  WriteStr(": ");
  const char* desc = strerrordesc_np(err);  // unlike strerror: no locale, no allocation
  WriteStr(desc != nullptr ? desc : "unknown error");
  WriteStr("\n");
  _exit(127);
}

}  // namespace

void TrackChild(pid_t pid) {
  for (auto& slot : g_children) {
    pid_t expected = 0;
    if (slot.compare_exchange_strong(expected, pid)) return;
  }
  // Table full: the child still works, it just is not killed on an emergency stop.
}

void UntrackChild(pid_t pid) {
  for (auto& slot : g_children) {
    pid_t expected = pid;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

void KillTrackedChildren() noexcept {
  for (auto& slot : g_children) {
    pid_t pid = slot.load();
    if (pid > 0) kill(pid, SIGKILL);
  }
}

pid_t Spawn(const std::vector<std::string>& argv, const std::string& log_path,
            const SpawnOptions& options) {
  if (argv.empty()) throw std::runtime_error("Spawn: empty argv");
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  bool drop = options.drop_to_postgres_user && geteuid() == 0;
  uid_t uid = 0;
  gid_t gid = 0;
  if (drop) {
    const passwd* pw = getpwnam("postgres");
    if (pw == nullptr) throw std::runtime_error("no `postgres` system user (install postgresql)");
    uid = pw->pw_uid;
    gid = pw->pw_gid;
  }

  int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error("cannot open " + log_path + ": " + strerror(errno));
  int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    close(log_fd);
    close(null_fd);
    throw std::runtime_error(std::string("fork: ") + strerror(err));
  }
  if (pid == 0) {
    // dup2 clears FD_CLOEXEC on the copies, so exactly 0/1/2 survive exec.
    if (dup2(null_fd, 0) < 0 || dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0) {
      ChildFail("dup2", log_path.c_str());
    }
    if (!options.cwd.empty() && chdir(options.cwd.c_str()) != 0) {
      ChildFail("chdir", options.cwd.c_str());
    }
    if (drop && (setgroups(0, nullptr) != 0 || setgid(gid) != 0 || setuid(uid) != 0)) {
      ChildFail("setuid", "postgres");
    }
    // After setuid: changing credentials clears the parent-death signal.
    if (options.parent_death_signal != 0) {
      prctl(PR_SET_PDEATHSIG, options.parent_death_signal);
      if (getppid() != parent) _exit(1);  // parent died before prctl took effect
    }
    execvp(args[0], args.data());
    ChildFail("exec", args[0]);
  }
  close(log_fd);
  close(null_fd);
  if (options.track) TrackChild(pid);
  return pid;
}

int WaitPid(pid_t pid, double timeout_seconds) {
  timespec start{};
  clock_gettime(CLOCK_MONOTONIC, &start);
  while (true) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return 255 << 8;
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    double elapsed = double(now.tv_sec - start.tv_sec) + double(now.tv_nsec - start.tv_nsec) / 1e9;
    if (elapsed >= timeout_seconds) return -1;
    timespec pause{0, 10 * 1000 * 1000};
    nanosleep(&pause, nullptr);
  }
}

int ExitCode(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 255;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string Tail(const std::string& text, size_t max_lines) {
  size_t pos = text.size();
  if (pos > 0 && text[pos - 1] == '\n') --pos;
  for (size_t lines = 0; pos > 0; --pos) {
    if (text[pos - 1] == '\n' && ++lines == max_lines) break;
  }
  return text.substr(pos);
}

}  // namespace internal

Process::Process(std::vector<std::string> argv, const std::string& log_path) : log_path_(log_path) {
  // SIGKILL if the test binary dies, even by SIGKILL: a leftover pg2ch could retry forever.
  internal::SpawnOptions options;
  options.parent_death_signal = SIGKILL;
  pid_ = internal::Spawn(argv, log_path, options);
}

Process::~Process() {
  if (pid_ > 0 && !exited_) {
    kill(pid_, SIGKILL);
    internal::WaitPid(pid_, 10);
    internal::UntrackChild(pid_);
  }
}

void Process::Signal(int sig) {
  // Until we reap it the pid cannot be reused, so this never hits a stranger.
  if (!exited_) kill(pid_, sig);
}

int Process::Wait(double timeout_seconds) {
  if (!exited_) {
    int status = internal::WaitPid(pid_, timeout_seconds);
    if (status == -1) return -1;
    status_ = status;
    exited_ = true;
    internal::UntrackChild(pid_);
  }
  return internal::ExitCode(status_);
}

bool Process::Running() { return Wait(0) == -1; }

std::string Process::Output() const { return internal::ReadFile(log_path_); }

}  // namespace pg2ch::test
