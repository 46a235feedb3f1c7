// A compact binary form of RowChange, for spilling large transactions to disk (change_spill.h).
// Pure: works on byte strings, no I/O. Not a stable format: a spill file lives only as long as
// the process that wrote it.
//
// One record (integers little-endian):
//
//   u32 payload_length | payload
//   payload = u8 op | u32 relid | row | row (old_row)
//   row     = u32 cell_count | cell*
//   cell    = u8 kind (0 null, 1 text, 2 unchanged TOAST) [| u32 length | bytes   (text only)]
//
// Text bytes are copied as they are (any byte, \0 and \n included).
#pragma once

#include <string>
#include <string_view>

#include "core/change.h"

namespace pg2ch {

// Appends one framed record for `change` to `out`.
void AppendChangeRecord(const RowChange& change, std::string& out);
// Appends the payload alone, for storage that frames records itself (scratch_file.h).
void AppendChangePayload(const RowChange& change, std::string& out);

// Decodes one payload (without its length prefix). Throws DecodeError when it is not exactly one
// well-formed RowChange: a read past the end, an unknown op or cell kind, or leftover bytes.
RowChange DecodeChangePayload(std::string_view payload);

inline constexpr size_t kChangeRecordHeaderBytes = 4;
// The payload length of a record header (the first kChangeRecordHeaderBytes bytes).
uint32_t DecodeChangeRecordLength(std::string_view header);

}  // namespace pg2ch
