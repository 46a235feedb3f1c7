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
  // TLS files, paths on pg2ch's host (libpq's keywords of the same names); empty: libpq's
  // default. The key file's contents are read by libpq only, never by pg2ch.
  std::string sslrootcert;  // CA certificates that verify-ca / verify-full check the server with
  std::string sslcert;      // client certificate (mutual TLS), with sslkey
  std::string sslkey;
  // Marks pg2ch's connections (pg_stat_activity): a pipe's runner sets PipeApplicationName().
  std::string application_name = "pg2ch";
};

}  // namespace pg2ch
