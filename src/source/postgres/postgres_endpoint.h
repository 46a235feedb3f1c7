// Where and as whom pg2ch connects to PostgreSQL (part of a pipe's definition, pipe_config.h).
#pragma once

#include <string>

namespace pg2ch {

struct PostgresEndpoint {
  std::string host = "127.0.0.1";
  int port = 5432;
  std::string user;
  std::string password;  // never logged or printed
  std::string database;
  std::string sslmode = "prefer";
  // Marks pg2ch's connections (pg_stat_activity): a pipe's runner sets PipeApplicationName().
  std::string application_name = "pg2ch";
};

}  // namespace pg2ch
