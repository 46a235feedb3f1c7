// One line of text COPY: first byte = the number of columns expected, the rest the line.
#include "common/error.h"
#include "fuzz_input.h"
#include "source/postgres/copy_text_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pg2ch::fuzz::FuzzInput in(data, size);
  size_t columns = in.Byte() % 16;
  pg2ch::Row row;
  try {
    pg2ch::ParseCopyTextLine(in.RestText(), columns, row);
    if (row.size() != columns) __builtin_trap();  // the contract: exactly that many cells
  } catch (const pg2ch::PipeError&) {
  }
  return 0;
}
