// chdb_http_server: a loopback HTTP front for libchdb (ClickHouse 26 as a library) that answers
// the part of ClickHouse's HTTP interface pg2ch uses (http_front.h), so the integration tests can
// run against a modern ClickHouse. Test-only: never part of the pg2ch binary.
//
//   chdb_http_server --lib=PATH/libchdb.so --path=DATA_DIR --port=N
//
// --lib defaults to $PG2CH_CHDB_LIB. Listens on 127.0.0.1 only. Run it from an empty working
// directory: like clickhouse-local, the engine may read an unknown unqualified table name as a
// file of that name. SIGTERM or SIGINT stop it; each request is logged to stderr in one line.
#include <httplib.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <thread>

#include "chdb_engine.h"
#include "http_front.h"

namespace pg2ch::chdb_front {
namespace {

struct Options {
  std::string lib;
  std::string path;
  int port = 0;
};

Options ParseOptions(int argc, char** argv) {
  Options options;
  if (const char* lib = std::getenv("PG2CH_CHDB_LIB")) options.lib = lib;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const std::string& flag) -> const char* {
      return arg.rfind(flag + "=", 0) == 0 ? argv[i] + flag.size() + 1 : nullptr;
    };
    if (const char* v = value("--lib")) {
      options.lib = v;
    } else if (const char* v = value("--path")) {
      options.path = v;
    } else if (const char* v = value("--port")) {
      options.port = std::atoi(v);
    } else {
      throw std::runtime_error("unknown argument " + arg);
    }
  }
  if (options.lib.empty() || options.path.empty() || options.port <= 0 || options.port > 65535) {
    throw std::runtime_error(
        "usage: chdb_http_server --lib=PATH/libchdb.so --path=DATA_DIR --port=N "
        "(--lib defaults to $PG2CH_CHDB_LIB)");
  }
  return options;
}

// One log line: what was asked (control bytes escaped, cut at 200 bytes) and how it ended.
std::string Summary(const HttpRequest& request) {
  std::string text;
  for (const auto& [name, value] : request.params) {
    if (name == "query") text = value + " ";
  }
  text += request.body.substr(0, 200);
  std::string out;
  for (char c : text.substr(0, 200)) {
    unsigned char u = static_cast<unsigned char>(c);
    out += u < 0x20 || u == 0x7f ? '.' : c;
  }
  return out;
}

HttpRequest Convert(const httplib::Request& req, std::string body) {
  HttpRequest request;
  request.method = req.method;
  request.path = req.path;
  request.params.assign(req.params.begin(), req.params.end());
  request.headers.assign(req.headers.begin(), req.headers.end());
  request.body = std::move(body);
  return request;
}

void Reply(const HttpResponse& response, httplib::Response& res) {
  res.status = response.status;
  for (const auto& [name, value] : response.headers) res.set_header(name, value);
  res.set_content(response.body, response.content_type);
}

int Run(int argc, char** argv) {
  Options options = ParseOptions(argc, argv);
  // Block the stop signals before any thread exists (the engine's threads inherit the mask):
  // one thread below waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  ChdbEngine engine(options.lib, options.path);
  HttpFront front(engine);
  httplib::Server server;
  // pg2ch keeps connections open between batches; long statements (OPTIMIZE ... FINAL, big
  // inserts behind the engine's mutex) must not time the client out.
  server.set_keep_alive_timeout(300);
  server.set_keep_alive_max_count(1000000);
  server.set_read_timeout(300);
  server.set_write_timeout(300);

  auto serve = [&](const httplib::Request& req, httplib::Response& res, std::string body) {
    auto start = std::chrono::steady_clock::now();
    HttpRequest request = Convert(req, std::move(body));
    HttpResponse response = front.Handle(request);
    Reply(response, res);
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "%d %.1f ms %s %s %s\n", response.status, ms, req.method.c_str(),
                 req.path.c_str(), Summary(request).c_str());
    if (response.status != 200) std::fprintf(stderr, "  -> %s", response.body.c_str());
  };
  auto without_body = [&](const httplib::Request& req, httplib::Response& res) {
    serve(req, res, "");
  };
  // A content reader keeps cpp-httplib from parsing a form-encoded body (curl's default content
  // type) into parameters, and from refusing such bodies above 8 KB.
  auto with_body = [&](const httplib::Request& req, httplib::Response& res,
                       const httplib::ContentReader& reader) {
    std::string body;
    bool complete = reader([&](const char* data, size_t size) {
      body.append(data, size);
      return true;
    });
    // A client that died mid-body (kill -9 during a streamed insert) asked for nothing: running
    // the part that arrived would store rows of a request that was never completed.
    if (!complete) {
      std::fprintf(stderr, "-- %s %s: body incomplete after %zu bytes, not run\n",
                   req.method.c_str(), req.path.c_str(), body.size());
      res.status = 400;
      return;
    }
    serve(req, res, std::move(body));
  };
  server.Get(".*", without_body);
  server.Post(".*", with_body);
  server.Put(".*", with_body);
  server.Delete(".*", with_body);
  // Errors cpp-httplib answers itself (URI over 8 KB, bad request line) get a reason.
  server.set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        res.set_content("chdb_http_server (cpp-httplib) refused the request with HTTP " +
                            std::to_string(res.status) +
                            " (the URI is limited to 8 KB): " + req.method + " " + req.path + "\n",
                        "text/plain; charset=UTF-8");
        return httplib::Server::HandlerResponse::Handled;
      }));

  std::thread stopper([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    server.stop();
  });
  stopper.detach();  // the process ends when listen() returns
  if (!server.bind_to_port("127.0.0.1", options.port)) {
    throw std::runtime_error("cannot listen on 127.0.0.1:" + std::to_string(options.port));
  }
  std::fprintf(stderr, "chdb_http_server: ClickHouse %s (libchdb %s) on http://127.0.0.1:%d/\n",
               engine.version().c_str(), options.lib.c_str(), options.port);
  server.listen_after_bind();
  std::fprintf(stderr, "chdb_http_server: stopped\n");
  return 0;
}

}  // namespace
}  // namespace pg2ch::chdb_front

int main(int argc, char** argv) {
  try {
    int rc = pg2ch::chdb_front::Run(argc, argv);
    std::fflush(stderr);
    // The engine's threads outlive main; static destructors racing them could crash an
    // otherwise clean stop.
    std::_Exit(rc);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "chdb_http_server: %s\n", e.what());
    std::_Exit(1);
  }
}
