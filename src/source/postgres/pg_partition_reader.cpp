#include "source/postgres/pg_partition_reader.h"

#include "source/postgres/snapshot_session.h"
#include "source/postgres/table_copy.h"

namespace pg2ch {

PgPartitionReader::PgPartitionReader(const PostgresEndpoint& endpoint,
                                     const std::string& snapshot_name,
                                     const std::vector<SourceTable>& tables)
    : conn_(PgConnection::Connect(endpoint, false)) {
  BeginSnapshotSession(*conn_, snapshot_name, tables);
}

uint64_t PgPartitionReader::Copy(const SourceTable& table, const CopyScope& scope, bool binary,
                                 SnapshotWriter& writer, const std::function<void()>& tick) {
  if (binary)
    return CopyTableBinary(
        *conn_, table,
        [&](std::span<const BinaryField> fields) {
          writer.AppendBinary(fields);
          tick();
        },
        scope);
  return CopyTable(
      *conn_, table,
      [&](const Row& row) {
        writer.Append(row);
        tick();
      },
      scope);
}

}  // namespace pg2ch
