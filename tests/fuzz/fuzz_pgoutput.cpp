// pgoutput messages as the replication stream delivers them: first byte = inside a streamed
// transaction (protocol v2) or not, the rest the payload.
#include "common/error.h"
#include "fuzz_input.h"
#include "source/postgres/pgoutput_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pg2ch::fuzz::FuzzInput in(data, size);
  bool in_stream = (in.Byte() & 1) != 0;
  try {
    pg2ch::DecodePgOutput(in.Rest(), in_stream);
  } catch (const pg2ch::PipeError&) {
  }
  return 0;
}
