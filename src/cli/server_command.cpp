// `pg2ch server`: the REST API and a worker for every pipe in the catalog. SIGTERM or SIGINT
// drains: the API stops answering, every worker writes and checkpoints its in-flight batch, and
// the process exits 0. Pipes resume in their states on the next start.
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <iostream>
#include <thread>

#include "api/api_server.h"
#include "catalog/sqlite_catalog.h"
#include "cli/commands.h"
#include "common/error.h"
#include "server/pipe_supervisor.h"

namespace pg2ch::cli {

Command AddServerCommand(CLI::App& app) {
  auto* server = app.add_subcommand("server", "run the REST API and every pipe of the catalog");
  struct Options {
    std::string catalog, listen = "127.0.0.1:8080", token_file;
    DestinationDefaults destination;
  };
  auto o = std::make_shared<Options>();
  server->add_option("--catalog", o->catalog, "SQLite catalog file")->required();
  server->add_option("--listen", o->listen, "HOST:PORT of the API")->capture_default_str();
  server->add_option("--token-file", o->token_file,
                     "file holding the API token (else env PG2CH_API_TOKEN)");
  server
      ->add_option("--clickhouse-url", o->destination.url,
                   "ClickHouse used when a pipe does not name one")
      ->capture_default_str();
  return [=]() -> int {
    if (!*server) return -1;
    std::string token = ReadToken(o->token_file);
    auto colon = o->listen.rfind(':');
    if (colon == std::string::npos) ThrowFatal("--listen must be HOST:PORT");
    std::string host = o->listen.substr(0, colon);
    int port = std::stoi(o->listen.substr(colon + 1));
    // Opened now: creates the file (0600) and fails early if unusable.
    auto catalog = std::make_unique<SqliteCatalog>(o->catalog);

    // Signals are taken by sigwait below, not by whichever thread they happen to hit.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    PipeSupervisor supervisor(std::move(catalog));
    ApiServer api(supervisor, token, o->destination);
    bool bound = true;
    std::thread http([&] { bound = api.Listen(host, port); });
    supervisor.ResumeAll();
    spdlog::info("pg2ch server: API on http://{}:{} (OpenAPI at /openapi.json), catalog {}", host,
                 port, o->catalog);
    std::thread waiter([&] {
      int sig = 0;
      sigwait(&signals, &sig);
      spdlog::info("pg2ch server: signal {}, draining", sig);
      api.Stop();
    });
    http.join();
    if (!bound) {
      std::cerr << "error: cannot listen on " << o->listen << "\n";
      pthread_kill(waiter.native_handle(), SIGTERM);
      waiter.join();
      supervisor.Shutdown();
      return 2;
    }
    waiter.join();
    supervisor.Shutdown();
    spdlog::info("pg2ch server: stopped");
    return 0;
  };
}

}  // namespace pg2ch::cli
