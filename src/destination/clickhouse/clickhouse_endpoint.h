// Where and as whom pg2ch writes to ClickHouse (part of a pipe's definition, pipe_config.h).
#pragma once

#include <string>

namespace pg2ch {

struct ClickHouseEndpoint {
  std::string url = "http://127.0.0.1:8123";
  std::string user = "default";
  std::string password;  // never logged or printed
  std::string database;
};

}  // namespace pg2ch
