// A replication session's pgoutput: a sequence of messages, Begin/Commit frames and stream blocks
// in any order, through the decoder, the streamed-transaction files and the assembler
// (pgoutput_session.h). Input: messages back to back, each a big-endian u16 length then the
// payload. The session's tables: public.t (relid 42: id int key, v text), so that fuzzed
// Relation and change messages find a table of the pipe. Spills after 2 changes, so spilling
// and stream files are exercised (files in a per-process directory under /tmp, removed as the
// session goes).
#include <unistd.h>

#include <filesystem>
#include <string>

#include "common/error.h"
#include "fuzz_input.h"
#include "source/postgres/pgoutput_session.h"

namespace {

std::filesystem::path Dir() {
  static const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("pg2ch-fuzz-session-" + std::to_string(getpid()));
  return dir;
}

std::vector<pg2ch::SourceTable> Tables() {
  pg2ch::SourceTable t;
  t.schema = "public";
  t.name = "t";
  t.relid = 42;
  t.columns = {{"id", 23, -1, "integer", false, true, 0}, {"v", 25, -1, "text", true, false, 0}};
  return {t};
}

// Reads back what a finished transaction holds, as the CDC loop would.
void Drain(pg2ch::AssembledTransaction& done) {
  if (done.spill)
    while (!done.spill->ReadChunk(3).empty()) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pg2ch::fuzz::FuzzInput in(data, size);
  pg2ch::SpillPolicy policy{2, [] { return pg2ch::ChangeSpill::Create(Dir()); },
                            [] { return pg2ch::ScratchFile::Create(Dir(), "stream"); }};
  try {
    pg2ch::PgOutputSession session(Tables(), policy, policy.create_scratch);
    while (true) {
      size_t length = size_t{in.Byte()} << 8;
      length |= in.Byte();
      auto payload = in.Bytes(length);
      if (payload.empty()) break;
      if (auto done = session.Feed(payload)) Drain(*done);
      while (session.replaying())
        if (auto done = session.Replay(2)) Drain(*done);
    }
  } catch (const pg2ch::PipeError&) {
  }
  return 0;
}
