// A `pg2ch server` process for the API tests: its own catalog, token file and free port, and an
// HTTP client that speaks to it.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "harness/harness.h"

namespace pg2ch::test {

struct ApiReply {
  int status = 0;
  nlohmann::json body;
  std::string raw;
};

class ServerProcess {
 public:
  // `dir` holds the catalog (kept across Restart) and the logs.
  explicit ServerProcess(const std::string& dir);
  ~ServerProcess();
  void Start();  // starts and waits for /health
  void Kill9();
  int Terminate();          // SIGTERM and wait; returns the exit code
  std::string Log() const;  // every log of every start so far

  ApiReply Call(const std::string& method, const std::string& path, const std::string& body = "",
                const std::string& token = kToken) const;
  // Polls GET /v1/clickpipes/{id} until the state is `state`.
  bool WaitForState(const std::string& id, const std::string& state, double timeout_seconds) const;

  static constexpr const char* kToken = "test-token-5e1f";
  const std::string& catalog() const { return catalog_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  std::string dir_, catalog_, token_file_;
  int port_ = 0;
  int starts_ = 0;
  std::unique_ptr<Process> process_;
};

// The states a GET .../history reply lists, in order.
std::vector<std::string> StatesOf(const ApiReply& history);

// Creates the pipe through the API, waits until it is Running and returns its id (test
// assertions fail, and the id is empty, otherwise).
std::string CreateRunningPipe(const ServerProcess& server, const TestDatabases& dbs,
                              const std::string& name, const std::vector<std::string>& tables);

// A ClickPipes-shaped create body for `tables` of the test databases.
nlohmann::json CreateBody(const TestDatabases& dbs, const std::string& name,
                          const std::vector<std::string>& tables,
                          const nlohmann::json& settings = nlohmann::json::object());

}  // namespace pg2ch::test
