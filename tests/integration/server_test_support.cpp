#include "server_test_support.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

#include "source/postgres/pg_connection.h"

namespace pg2ch::test {
namespace {

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace

ServerProcess::ServerProcess(const std::string& dir) : dir_(dir) {
  mkdir(dir_.c_str(), 0700);
  catalog_ = dir_ + "/catalog.db";
  token_file_ = dir_ + "/token";
  std::ofstream(token_file_) << kToken << "\n";
}

ServerProcess::~ServerProcess() {
  if (process_ && process_->Running()) process_->Signal(SIGKILL);
}

void ServerProcess::Start() {
  port_ = FreePort();
  std::string log = dir_ + "/server-" + std::to_string(++starts_) + ".log";
  process_ = std::make_unique<Process>(
      std::vector<std::string>{PG2CH_BINARY, "server", "--catalog", catalog_, "--listen",
                               "127.0.0.1:" + std::to_string(port_), "--token-file", token_file_},
      log);
  bool up = WaitUntil(20, [&] {
    httplib::Client c("127.0.0.1", port_);
    auto r = c.Get("/health");
    return r && r->status == 200;
  });
  if (!up) throw std::runtime_error("pg2ch server did not come up:\n" + process_->Output());
}

void ServerProcess::Kill9() {
  process_->Signal(SIGKILL);
  process_->Wait(10);
}

int ServerProcess::Terminate() {
  process_->Signal(SIGTERM);
  return process_->Wait(60);
}

std::string ServerProcess::Log() const {
  std::string all;
  for (int i = 1; i <= starts_; ++i) {
    std::ifstream in(dir_ + "/server-" + std::to_string(i) + ".log");
    all += std::string(std::istreambuf_iterator<char>(in), {});
  }
  return all;
}

ApiReply ServerProcess::Call(const std::string& method, const std::string& path,
                             const std::string& body, const std::string& token) const {
  httplib::Client c("127.0.0.1", port_);
  c.set_read_timeout(120);
  httplib::Headers headers;
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  auto send = [&]() -> httplib::Result {
    if (method == "GET") return c.Get(path, headers);
    if (method == "POST") return c.Post(path, headers, body, "application/json");
    if (method == "PUT") return c.Put(path, headers, body, "application/json");
    if (method == "PATCH") return c.Patch(path, headers, body, "application/json");
    return c.Delete(path, headers);
  };
  auto r = send();
  if (!r) throw std::runtime_error("no answer from pg2ch server for " + method + " " + path);
  ApiReply reply{r->status, nullptr, r->body};
  try {
    reply.body = nlohmann::json::parse(r->body);
  } catch (const std::exception&) {
  }
  return reply;
}

bool ServerProcess::WaitForState(const std::string& id, const std::string& state,
                                 double timeout_seconds) const {
  return WaitUntil(timeout_seconds, [&] {
    auto r = Call("GET", "/v1/clickpipes/" + id);
    return r.status == 200 && r.body["state"] == state;
  });
}

std::vector<std::string> StatesOf(const ApiReply& history) {
  std::vector<std::string> out;
  for (const auto& t : history.body["result"]) out.push_back(t["to"]);
  return out;
}

std::string CreateRunningPipe(const ServerProcess& server, const TestDatabases& dbs,
                              const std::string& name, const std::vector<std::string>& tables) {
  auto created = server.Call("POST", "/v1/clickpipes", CreateBody(dbs, name, tables).dump());
  EXPECT_EQ(created.status, 201) << created.raw;
  if (created.status != 201) return "";
  std::string id = created.body["id"];
  EXPECT_TRUE(server.WaitForState(id, "Running", 60)) << server.Log();
  return id;
}

nlohmann::json CreateBody(const TestDatabases& dbs, const std::string& name,
                          const std::vector<std::string>& tables, const nlohmann::json& settings) {
  nlohmann::json mappings = nlohmann::json::array();
  for (const auto& t : tables)
    mappings.push_back({{"sourceSchemaName", "public"}, {"sourceTable", t}});
  nlohmann::json s = settings;
  if (!s.contains("syncIntervalSeconds")) s["syncIntervalSeconds"] = 0.5;
  return {{"name", name},
          {"source",
           {{"postgres",
             {{"host", dbs.pg.host},
              {"port", dbs.pg.port},
              {"database", dbs.pg.database},
              {"sslmode", "disable"},
              {"credentials", {{"username", dbs.pg.user}, {"password", dbs.pg.password}}},
              {"settings", s},
              {"tableMappings", mappings}}}}},
          {"destination", {{"database", dbs.ch.database}, {"url", dbs.ch.url}}}};
}

}  // namespace pg2ch::test
