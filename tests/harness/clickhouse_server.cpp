// Starts the ClickHouse test server (Debian's 18.16 clickhouse-server) in `dir` with a minimal
// config: loopback only, every path inside `dir`, user `default` without password. It runs as
// our direct child (parent-death SIGKILL) and is ready when HTTP answers `SELECT 1`.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "harness/harness_internal.h"

namespace pg2ch::test::internal {
namespace {

constexpr const char* kUsersXml = R"(<?xml version="1.0"?>
<yandex>
  <profiles><default></default></profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas><default></default></quotas>
</yandex>
)";

// No interserver_http_port: 18.16 only opens it when configured, and nothing replicates here.
std::string ConfigXml(const std::string& dir, const ClickHousePorts& ports, const TestTls& tls) {
  return R"(<?xml version="1.0"?>
<yandex>
  <logger>
    <level>information</level>
    <log>)" +
         dir + R"(/server.log</log>
    <errorlog>)" +
         dir + R"(/server.err.log</errorlog>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>)" +
         std::to_string(ports.http) + R"(</http_port>
  <tcp_port>)" +
         std::to_string(ports.tcp) + R"(</tcp_port>
  <https_port>)" +
         std::to_string(ports.https) + R"(</https_port>
  <openSSL>
    <server>
      <certificateFile>)" +
         tls.server_cert + R"(</certificateFile>
      <privateKeyFile>)" +
         tls.server_key + R"(</privateKeyFile>
      <verificationMode>none</verificationMode>
      <loadDefaultCAFile>false</loadDefaultCAFile>
      <cacheSessions>true</cacheSessions>
      <disableProtocols>sslv2,sslv3</disableProtocols>
      <preferServerCiphers>true</preferServerCiphers>
    </server>
  </openSSL>
  <path>)" +
         dir + R"(/data/</path>
  <tmp_path>)" +
         dir + R"(/tmp/</tmp_path>
  <user_files_path>)" +
         dir + R"(/user_files/</user_files_path>
  <format_schema_path>)" +
         dir + R"(/format_schemas/</format_schema_path>
  <users_config>)" +
         dir + R"(/users.xml</users_config>
  <mark_cache_size>268435456</mark_cache_size>
</yandex>
)";
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::trunc);
  out << content;
  if (!out.good()) throw std::runtime_error("cannot write " + path);
}

std::string ServerBinary() {
  // Debian installs it in /usr/sbin, which is not on every user's PATH.
  const char* debian = "/usr/sbin/clickhouse-server";
  return access(debian, X_OK) == 0 ? debian : "clickhouse-server";
}

std::string Logs(const std::string& dir) {
  return "--- server.err.log:\n" + Tail(ReadFile(dir + "/server.err.log"), 30) +
         "--- stdout.log:\n" + Tail(ReadFile(dir + "/stdout.log"), 10);
}

}  // namespace

void StartClickHouse(const std::string& dir, const ClickHousePorts& ports, const TestTls& tls,
                     std::atomic<pid_t>& pid) {
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
    throw std::runtime_error("mkdir " + dir + " failed");
  WriteFile(dir + "/config.xml", ConfigXml(dir, ports, tls));
  WriteFile(dir + "/users.xml", kUsersXml);
  SpawnOptions opts{.parent_death_signal = SIGKILL, .cwd = dir, .track = false};
  pid = Spawn({ServerBinary(), "--config-file=" + dir + "/config.xml"}, dir + "/stdout.log", opts);

  std::string url = "http://127.0.0.1:" + std::to_string(ports.http) + "/";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::string response;
  while (HttpPost(url, "SELECT 1", "default", "", &response) != 200) {
    int status = WaitPid(pid, 0);
    if (status != -1) {
      pid = 0;  // reaped: nothing left to stop
      throw std::runtime_error("clickhouse-server exited with code " +
                               std::to_string(ExitCode(status)) + ":\n" + Logs(dir));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("clickhouse-server not ready after 30 s (last answer: " + response +
                               "):\n" + Logs(dir));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace pg2ch::test::internal
