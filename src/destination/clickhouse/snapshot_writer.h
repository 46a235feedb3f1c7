// The sink's SnapshotWriter: encodes rows straight into RowBinary blocks and streams them to
// ClickHouse while more rows are read, so reading PostgreSQL and inserting overlap.
//
//   caller thread (Append)                       inserter thread (one per INSERT request)
//   row -> EncodeRow -> block (block_bytes) --> BlockQueue (queue_blocks) --> curl chunked POST
//
// Memory is bounded whatever the table size: about (queue_blocks + 2) * block_bytes per writer
// (the block being filled, the queued ones, the one being sent), plus one row. A full queue
// blocks Append: the back-pressure reaches PostgreSQL through the COPY socket.
// An INSERT request ends after `request_bytes` (then the next one starts) and at Finish().
//
// Rows are durable only after Finish() returns. A writer destroyed without Finish() abandons
// the request in flight: ClickHouse drops its incomplete block, but blocks of earlier requests
// (or blocks ClickHouse already cut from a long stream) stay; the snapshot's resume logic owns
// that case. Errors of the inserter (ClickHouse refused, connection lost) are rethrown by the
// next Append or by Finish, as the PipeError they were.
// Borrows the client and the codec: both outlive the writer; the client must not be used by
// anyone else until the writer is finished or destroyed. Not thread-safe (one caller thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "destination/clickhouse/clickhouse_sink.h"
#include "destination/clickhouse/table_codec.h"

namespace pg2ch {

inline constexpr size_t kSnapshotRequestBytes = size_t{256} << 20;
inline constexpr size_t kSnapshotBlockBytes = size_t{1} << 20;
inline constexpr size_t kSnapshotQueueBlocks = 4;

std::unique_ptr<ClickHouseSink::SnapshotWriter> MakeSnapshotWriter(
    ClickHouseClient& client, const TableCodec& codec, uint64_t version,
    size_t request_bytes = kSnapshotRequestBytes, size_t block_bytes = kSnapshotBlockBytes,
    size_t queue_blocks = kSnapshotQueueBlocks);

}  // namespace pg2ch
