// Splits RowBinary bytes (a `SELECT ... FORMAT RowBinary` response) into values, without I/O.
//
// Each value comes back as the exact span it occupies, null flag and length prefixes included,
// so a value read from ClickHouse can be spliced unchanged into a RowBinary insert of a column of
// the same type (how unchanged TOAST values are filled in). Every read is bounds-checked and
// throws DecodeError on truncated or malformed input. The reader borrows `data`: it must outlive
// the reader and every span it returned.
#pragma once

#include <cstdint>
#include <string_view>

#include "destination/clickhouse/type_mapping.h"

namespace pg2ch {

class RowBinaryReader {
 public:
  explicit RowBinaryReader(std::string_view data) : data_(data) {}

  bool AtEnd() const { return pos_ == data_.size(); }
  // The whole encoded value of `type` at the current position.
  std::string_view Next(const ChType& type);
  uint8_t ReadUInt8();
  uint64_t ReadUInt64();
  uint64_t ReadVarUInt();
  std::string_view ReadString();  // the string's bytes, without the length prefix

 private:
  std::string_view Take(uint64_t size);
  void Skip(const ChType& type);

  std::string_view data_;
  size_t pos_ = 0;
};

}  // namespace pg2ch
