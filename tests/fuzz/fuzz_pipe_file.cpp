// The pipe file (pipe_config.h): any bytes are refused with PipeError or give a config that the
// catalog's JSON form (PipeConfigToJson) reads back to the very same config.
#include <string>

#include "common/error.h"
#include "fuzz_input.h"
#include "pipe/pipe_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pg2ch::fuzz::FuzzInput in(data, size);
  std::string text(in.RestText());
  pg2ch::PipeConfig config;
  try {
    config = pg2ch::ParsePipeConfig(text);
  } catch (const pg2ch::PipeError&) {
    return 0;
  }
  std::string stored = pg2ch::PipeConfigToJson(config);
  if (pg2ch::PipeConfigToJson(pg2ch::ParsePipeConfig(stored)) != stored) __builtin_trap();
  return 0;
}
