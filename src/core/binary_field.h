// One value of a row read in PostgreSQL's binary COPY format: a view of its send-format bytes
// (big-endian, type-specific; https://www.postgresql.org/docs/current/sql-copy.html "Binary
// Format"), or NULL. The bytes belong to the buffer the row was parsed from: a field is valid
// only while that buffer lives (one row at a time, see table_copy.h).
#pragma once

#include <cstddef>
#include <cstdint>

namespace pg2ch {

struct BinaryField {
  const uint8_t* data = nullptr;
  int32_t size = -1;  // -1: NULL (data is null); else the number of bytes at data

  bool null() const { return size < 0; }
};

}  // namespace pg2ch
