// `pg2ch run` and `pg2ch status`: one pipe in the foreground, and a look into a catalog.
#include <atomic>
#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>

#include "catalog/sqlite_catalog.h"
#include "cli/commands.h"
#include "common/error.h"
#include "pipe/pipe_context.h"
#include "pipe/pipe_runner.h"

namespace pg2ch::cli {
namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop.store(true); }

}  // namespace

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) ThrowFatal("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string ReadToken(const std::string& token_file) {
  std::string token;
  if (!token_file.empty()) {
    std::string text = ReadFile(token_file);
    token = text.substr(0, text.find('\n'));
  } else if (const char* env = std::getenv("PG2CH_API_TOKEN")) {
    token = env;
  }
  while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (token.empty()) ThrowFatal("an API token is required: --token-file FILE or PG2CH_API_TOKEN");
  return token;
}

Command AddRunCommand(CLI::App& app) {
  auto* run =
      app.add_subcommand("run", "create (or resume) a pipe and run it until SIGINT/SIGTERM");
  auto catalog_path = std::make_shared<std::string>();
  auto pipe_path = std::make_shared<std::string>();
  run->add_option("--catalog", *catalog_path, "SQLite catalog file")->required();
  run->add_option("--pipe", *pipe_path, "pipe definition (JSON)")
      ->required()
      ->check(CLI::ExistingFile);
  return [=]() -> int {
    if (!*run) return -1;
    PipeConfig config = ParsePipeConfig(ReadFile(*pipe_path));
    SqliteCatalog catalog(*catalog_path);
    struct sigaction sa {};
    sa.sa_handler = OnSignal;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    PipeRunner runner(catalog, config, g_stop);
    if (runner.Run() == PipeState::kFailed) {
      std::cerr << "pipe " << config.name
                << " failed: " << catalog.FindPipe(config.name)->last_error << "\n";
      return 1;
    }
    return 0;
  };
}

Command AddStatusCommand(CLI::App& app) {
  auto* status = app.add_subcommand("status", "show pipes, their states and history");
  auto catalog_path = std::make_shared<std::string>();
  auto name = std::make_shared<std::string>();
  status->add_option("--catalog", *catalog_path, "SQLite catalog file")
      ->required()
      ->check(CLI::ExistingFile);
  status->add_option("--pipe", *name, "only this pipe");
  return [=]() -> int {
    if (!*status) return -1;
    SqliteCatalog catalog(*catalog_path);
    for (const auto& p : catalog.ListPipes()) {
      if (!name->empty() && p.name != *name) continue;
      std::cout << p.name << "\t" << StateName(p.state) << "\tcheckpoint "
                << FormatLsn(p.checkpoint_lsn);
      if (!p.last_error.empty() && p.state == PipeState::kFailed)
        std::cout << "\terror: " << p.last_error;
      if (std::string retrying = RetryingReason(catalog, p.id); !retrying.empty())
        std::cout << "\tretrying: " << retrying;
      std::cout << "\n";
      for (const auto& t : catalog.History(p.id))
        std::cout << "  " << t.at << "  " << (t.from ? StateName(*t.from) : "(created)") << " -> "
                  << StateName(t.to) << "  " << t.reason << "\n";
      for (const auto& t : catalog.Tables(p.id))
        std::cout << "  table " << t.source_schema << "." << t.source_table << " -> "
                  << t.target_table << "  snapshot " << (t.snapshot_done ? "done" : "pending")
                  << ", " << t.rows_copied << " rows\n";
    }
    return 0;
  };
}

}  // namespace pg2ch::cli
