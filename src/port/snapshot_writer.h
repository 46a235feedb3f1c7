// Rows of one table's initial load as the destination takes them: every row with one version
// and not deleted, streamed while rows are appended (ClickHouse:
// destination/clickhouse/snapshot_writer.h). Rows are durable only after Finish(); a writer
// destroyed before abandons what it sent (the load's resume logic owns that case). Errors are
// PipeErrors, rethrown by the next Append or by Finish. One thread uses a writer.
#pragma once

#include <cstdint>
#include <span>

#include "core/binary_field.h"
#include "core/change.h"

namespace pg2ch {

class SnapshotWriter {
 public:
  virtual ~SnapshotWriter() = default;
  virtual void Append(const Row& row) = 0;
  // A row read with binary COPY; only when the destination accepts binary rows for the table.
  virtual void AppendBinary(std::span<const BinaryField> fields) = 0;
  virtual void Finish() = 0;
  virtual uint64_t rows() const = 0;
};

}  // namespace pg2ch
