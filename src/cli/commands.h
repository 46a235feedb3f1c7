// The subcommands of the pg2ch binary. Each registers its options on the CLI11 app and returns
// a function that runs it (exit code: 0 ok, 1 a pipe failed or a request was refused, 2 usage).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace pg2ch::cli {

using Command = std::function<int()>;

Command AddRunCommand(CLI::App& app);     // pg2ch run: one pipe in the foreground
Command AddStatusCommand(CLI::App& app);  // pg2ch status: read a catalog
Command AddServerCommand(CLI::App& app);  // pg2ch server: REST API + every pipe
Command AddPipeCommands(CLI::App& app);   // pg2ch pipe ...: drive a server

// The whole file; PipeError(kFatal) naming it when unreadable.
std::string ReadFile(const std::string& path);
// Reads the API token from a file (first line) or, with an empty path, from PG2CH_API_TOKEN.
std::string ReadToken(const std::string& token_file);

}  // namespace pg2ch::cli
