#include "api/api_server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <regex>

#include "common/error.h"

namespace pg2ch {
namespace {

// Compares without an early exit, so response time does not reveal how much of a guess matched.
bool SameToken(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) diff |= a[i] ^ b[i % (b.empty() ? 1 : b.size())];
  return diff == 0 && !b.empty();
}

// "/v1/clickpipes/{id}" -> "/v1/clickpipes/([^/]+)"
std::string PathRegex(const std::string& path) {
  return std::regex_replace(path, std::regex(R"(\{[a-zA-Z]+\})"), "([^/]+)");
}

void Send(httplib::Response& res, const ApiResponse& r) {
  res.status = r.status;
  if (!r.content_type.empty())
    res.set_content(r.text, r.content_type);
  else
    res.set_content(r.body.dump(), "application/json");
}

}  // namespace

ApiServer::ApiServer(PipeSupervisor& supervisor, std::string token, DestinationDefaults defaults)
    : supervisor_(supervisor),
      token_(std::move(token)),
      defaults_(std::move(defaults)),
      http_(std::make_unique<httplib::Server>()) {
  routes_ = BuildRoutes();
  for (const Route& route : routes_) {
    auto handler = [this, &route](const httplib::Request& req, httplib::Response& res) {
      if (route.needs_auth) {
        std::string header = req.get_header_value("Authorization");
        const std::string prefix = "Bearer ";
        if (header.rfind(prefix, 0) != 0 || !SameToken(header.substr(prefix.size()), token_)) {
          res.set_header("WWW-Authenticate", "Bearer");
          Send(res, {401, {{"error", "missing or wrong API token"}}});
          return;
        }
      }
      ApiRequest request{req.body, {}};
      for (size_t i = 1; i < req.matches.size(); ++i) request.params.push_back(req.matches[i]);
      try {
        Send(res, route.handler(request));
      } catch (const ApiError& e) {
        Send(res, {e.status, {{"error", e.message}}});
      } catch (const PipeError& e) {
        Send(res, {e.retryable() ? 503 : 500, {{"error", e.what()}}});
      } catch (const std::exception& e) {
        Send(res, {500, {{"error", std::string("internal error: ") + e.what()}}});
      }
    };
    std::string pattern = PathRegex(route.path);
    if (route.method == "GET")
      http_->Get(pattern, handler);
    else if (route.method == "POST")
      http_->Post(pattern, handler);
    else if (route.method == "PUT")
      http_->Put(pattern, handler);
    else if (route.method == "PATCH")
      http_->Patch(pattern, handler);
    else if (route.method == "DELETE")
      http_->Delete(pattern, handler);
  }
  http_->set_logger([](const httplib::Request& req, const httplib::Response& res) {
    spdlog::info("api: {} {} -> {}", req.method, req.path, res.status);  // never bodies
  });
  http_->set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) Send(res, {res.status, {{"error", "no such route"}}});
  });
}

ApiServer::~ApiServer() { Stop(); }

bool ApiServer::Listen(const std::string& host, int port) { return http_->listen(host, port); }

void ApiServer::Stop() { http_->stop(); }

}  // namespace pg2ch
