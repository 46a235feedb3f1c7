// The sink's SnapshotWriter: encodes rows straight into one RowBinary buffer and inserts it
// whenever it passes `flush_bytes` (8 MiB by default) and at Finish().
//
// Rows are durable only after Finish() returns; a writer destroyed without Finish() drops what it
// buffered (the snapshot of that table is redone from the start anyway). Borrows the client and
// the codec: both must outlive the writer. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "destination/clickhouse/clickhouse_sink.h"
#include "destination/clickhouse/table_codec.h"

namespace pg2ch {

inline constexpr size_t kSnapshotFlushBytes = 8 << 20;

std::unique_ptr<ClickHouseSink::SnapshotWriter> MakeSnapshotWriter(
    ClickHouseClient& client, const TableCodec& codec, uint64_t version,
    size_t flush_bytes = kSnapshotFlushBytes);

}  // namespace pg2ch
