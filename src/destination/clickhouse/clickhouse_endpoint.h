// Where and as whom pg2ch writes to ClickHouse (part of a pipe's definition, pipe_config.h).
#pragma once

#include <string>

namespace pg2ch {

struct ClickHouseEndpoint {
  std::string url = "http://127.0.0.1:8123";
  std::string user = "default";
  std::string password;  // never logged or printed
  std::string database;
  // A request that has not finished after this long fails as retryable: a frozen server (one
  // that keeps the connection but answers nothing, which no TCP timeout notices) is given up
  // on. Big inserts and FINAL reads must fit in it. A streamed insert fails when less than one
  // byte a second moved for twice this long.
  int timeout_seconds = kDefaultTimeoutSeconds;
  // CA certificates (PEM file) that the server's certificate is verified against instead of the
  // system's; only with an https:// URL (pipe_config refuses it with plain HTTP).
  std::string ca_file;
  static constexpr int kDefaultTimeoutSeconds = 300;
};

}  // namespace pg2ch
