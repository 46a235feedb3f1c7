// pg2ch command line: dispatches to the subcommands in this folder.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>

#include "cli/commands.h"
#include "common/error.h"

int main(int argc, char** argv) {
  spdlog::set_default_logger(spdlog::stderr_color_mt("pg2ch"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  CLI::App app{"pg2ch: keeps ClickHouse tables in sync with PostgreSQL tables"};
  app.require_subcommand(1);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  std::vector<pg2ch::cli::Command> commands = {
      pg2ch::cli::AddRunCommand(app), pg2ch::cli::AddStatusCommand(app),
      pg2ch::cli::AddServerCommand(app), pg2ch::cli::AddPipeCommands(app)};
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::from_str(log_level));
  try {
    for (auto& command : commands)
      if (command) {
        int code = command();
        if (code >= 0) return code;
      }
  } catch (const pg2ch::PipeError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  }
  return 2;
}
