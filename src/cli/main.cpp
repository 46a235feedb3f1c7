// pg2ch command line. `pg2ch run` drives one pipe in the foreground; `pg2ch status` reads the
// catalog. Exit codes: 0 stopped cleanly or completed, 1 the pipe Failed, 2 bad usage or input.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>

#include "catalog/catalog.h"
#include "common/error.h"
#include "pipe/pipe_config.h"
#include "pipe/pipe_runner.h"

namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop.store(true); }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw pg2ch::PipeError(pg2ch::ErrorKind::kFatal, "cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int RunPipe(const std::string& catalog_path, const std::string& pipe_path) {
  pg2ch::PipeConfig config = pg2ch::ParsePipeConfig(ReadFile(pipe_path));
  pg2ch::Catalog catalog(catalog_path);
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  pg2ch::PipeRunner runner(catalog, config, g_stop);
  pg2ch::PipeState state = runner.Run();
  if (state == pg2ch::PipeState::kFailed) {
    std::cerr << "pipe " << config.name << " failed: " << catalog.FindPipe(config.name)->last_error
              << "\n";
    return 1;
  }
  return 0;
}

int Status(const std::string& catalog_path, const std::string& name) {
  pg2ch::Catalog catalog(catalog_path);
  for (const auto& p : catalog.ListPipes()) {
    if (!name.empty() && p.name != name) continue;
    std::cout << p.name << "\t" << pg2ch::StateName(p.state) << "\tcheckpoint "
              << pg2ch::FormatLsn(p.checkpoint_lsn);
    if (!p.last_error.empty() && p.state == pg2ch::PipeState::kFailed)
      std::cout << "\terror: " << p.last_error;
    std::cout << "\n";
    for (const auto& t : catalog.History(p.id))
      std::cout << "  " << t.at << "  " << pg2ch::StateName(t.from) << " -> "
                << pg2ch::StateName(t.to) << "  " << t.reason << "\n";
    for (const auto& t : catalog.Tables(p.id))
      std::cout << "  table " << t.source_schema << "." << t.source_table << " -> "
                << t.target_table << "  snapshot " << (t.snapshot_done ? "done" : "pending")
                << ", " << t.rows_copied << " rows\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_default_logger(spdlog::stderr_color_mt("pg2ch"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  CLI::App app{"pg2ch: keeps ClickHouse tables in sync with PostgreSQL tables"};
  app.require_subcommand(1);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));

  std::string catalog_path, pipe_path, name;
  auto* run = app.add_subcommand("run", "create (or resume) a pipe and run it until SIGINT/SIGTERM");
  run->add_option("--catalog", catalog_path, "SQLite catalog file")->required();
  run->add_option("--pipe", pipe_path, "pipe definition (JSON)")->required()->check(CLI::ExistingFile);
  auto* status = app.add_subcommand("status", "show pipes, their states and history");
  status->add_option("--catalog", catalog_path, "SQLite catalog file")->required()->check(CLI::ExistingFile);
  status->add_option("--pipe", name, "only this pipe");

  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::from_str(log_level));
  try {
    if (*run) return RunPipe(catalog_path, pipe_path);
    if (*status) return Status(catalog_path, name);
  } catch (const pg2ch::PipeError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  }
  return 2;
}
