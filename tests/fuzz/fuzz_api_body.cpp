// API request bodies (clickpipe_json.h): POST /v1/clickpipes, PATCH of table mappings and PUT of
// settings. Whatever the body, the answer is a 4xx ApiError or a valid config; anything else
// would reach the client as a 500 "internal error". First byte = which request.
#include <nlohmann/json.hpp>
#include <string>

#include "api/clickpipe_json.h"
#include "common/error.h"
#include "fuzz_input.h"
#include "pipe/pipe_config.h"
#include "server/pipe_supervisor.h"

namespace {

const pg2ch::PipeConfig& Existing() {
  static const pg2ch::PipeConfig config = pg2ch::ParsePipeConfig(R"({
    "name": "orders",
    "source": {"host": "127.0.0.1", "port": 5432, "database": "app", "user": "u"},
    "destination": {"url": "http://127.0.0.1:8123", "database": "analytics"},
    "tables": [{"source": "public.orders"}, {"source": "public.items", "target": "items"}]})");
  return config;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pg2ch::fuzz::FuzzInput in(data, size);
  uint8_t request = in.Byte() % 3;
  try {
    // As the router reads a body: anything that is not JSON is a 400 there.
    nlohmann::json body = pg2ch::ParseRequestBody(in.RestText());
    pg2ch::PipeConfig config;
    if (request == 0) config = pg2ch::ClickPipeToConfig(body, pg2ch::DestinationDefaults{});
    if (request == 1) config = pg2ch::ChangeTableMappings(Existing(), body);
    if (request == 2) config = pg2ch::ApplySettings(Existing(), body);
    pg2ch::ParsePipeConfig(pg2ch::PipeConfigToJson(config));  // what the catalog will read back
  } catch (const pg2ch::ApiError& e) {
    if (e.status < 400 || e.status > 499) __builtin_trap();
  }
  return 0;
}
