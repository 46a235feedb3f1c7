// The REST API of `pg2ch server`: ClickPipes-shaped resources under /v1/clickpipes, served with
// cpp-httplib, described by an OpenAPI 3 document generated from the same route table (so the
// document and the routes cannot drift apart).
//
// GET /metrics renders every pipe's state, progress and lag in Prometheus' text format
// (prometheus_metrics.h). Every route but /health needs `Authorization: Bearer <token>` (401
// otherwise). Errors are JSON
// {"error": "..."} with 400 (bad input, naming the field), 401, 404 (unknown id), 409 (illegal
// transition, with the current state) or 502 (a server behind us failed). Request bodies and
// passwords are never logged. Handlers run on httplib's thread pool; they only touch the
// supervisor (thread-safe) and open their own catalog connection.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/clickpipe_json.h"
#include "server/pipe_supervisor.h"

namespace httplib {
class Server;
}

namespace pg2ch {

struct ApiResponse {
  int status = 200;
  nlohmann::json body;
  std::string text = "";  // sent instead of `body` when content_type is set
  std::string content_type = "";
};

struct ApiRequest {
  std::string body;
  std::vector<std::string> params;  // path parameters in order ({id})
};

struct Route {
  std::string method;  // GET, POST, PUT, PATCH, DELETE
  std::string path;    // OpenAPI form: /v1/clickpipes/{id}
  std::string summary;
  bool needs_auth = true;
  std::string request_schema;   // name in components.schemas, or empty
  std::string response_schema;  // name in components.schemas, or empty
  std::function<ApiResponse(const ApiRequest&)> handler;
  std::string response_type = "application/json";  // of a success, for the OpenAPI document
};

class ApiServer {
 public:
  ApiServer(PipeSupervisor& supervisor, std::string token, DestinationDefaults defaults);
  ~ApiServer();

  // Binds and serves until Stop() is called; false if the address cannot be bound.
  bool Listen(const std::string& host, int port);
  void Stop();
  const std::vector<Route>& routes() const { return routes_; }
  nlohmann::json OpenApi() const;

 private:
  std::vector<Route> BuildRoutes();
  PipeSupervisor& supervisor_;
  std::string token_;
  DestinationDefaults defaults_;
  std::vector<Route> routes_;
  std::unique_ptr<httplib::Server> http_;
};

}  // namespace pg2ch
