// Parser for PostgreSQL's COPY ... TO STDOUT (FORMAT binary) stream. No I/O: the caller feeds
// the CopyData messages in order and gets each tuple's fields as views into the message.
//
// Format (https://www.postgresql.org/docs/current/sql-copy.html, "Binary Format"):
//   header:  "PGCOPY\n\377\r\n\0" | Int32 flags | Int32 extension length | extension bytes
//   tuple:   Int16 field count | per field: Int32 length (-1 = NULL) | length bytes
//   trailer: Int16 -1
// All integers big-endian. The server sends the header in the same CopyData message as the first
// tuple (or the trailer, for no rows), then one tuple per message, then the trailer alone; the
// parser does not rely on that split beyond requiring every tuple to end inside its message.
//
// Every read is bounds-checked (ByteReader): truncated input, a bad signature, a critical flag
// (such as "OIDs included"), a field count other than the expected one, or bytes after the
// trailer throw DecodeError. Not thread-safe; one parser per COPY.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/binary_field.h"

namespace pg2ch {

class CopyBinaryParser {
 public:
  explicit CopyBinaryParser(size_t expected_fields) : fields_(expected_fields) {}

  // Parses one CopyData message. `on_tuple(std::span<const BinaryField>)` runs for each tuple in
  // it; the views are valid until on_tuple returns (they point into `message`).
  template <typename OnTuple>
  void Feed(std::span<const uint8_t> message, OnTuple&& on_tuple) {
    size_t offset = 0;
    while (offset < message.size() || !header_seen_) {
      if (!header_seen_) {
        offset = ParseHeader(message);
        header_seen_ = true;
        continue;
      }
      if (finished_) FailTrailing();
      offset = ParseTuple(message, offset);
      if (!finished_) on_tuple(std::span<const BinaryField>(fields_));
    }
  }

  // True once the trailer has been read: a COPY that ends before it lost rows.
  bool finished() const { return finished_; }

 private:
  // Returns the offset just past the header.
  size_t ParseHeader(std::span<const uint8_t> message);
  // Reads one tuple (into fields_) or the trailer (sets finished_) at `offset`; returns the
  // offset after it.
  size_t ParseTuple(std::span<const uint8_t> message, size_t offset);
  [[noreturn]] void FailTrailing() const;

  std::vector<BinaryField> fields_;
  bool header_seen_ = false;
  bool finished_ = false;
};

}  // namespace pg2ch
