// pgoutput logical replication messages as plain values: what DecodePgOutput returns.
//
// Contract: each struct holds exactly the fields of one wire message, owning its strings and rows
// (nothing borrows from the payload, so messages outlive the CopyData buffer). No behaviour here
// beyond flag accessors and equality; meaning (transaction framing, TOAST merging, schema checks)
// is applied by the consumers.
//
// Why a nested namespace: Insert, Update, Delete, Commit, Type and Message are too generic to own
// in pg2ch itself, where core/change.h already speaks of inserts and commits.
//
// Wire format: https://www.postgresql.org/docs/15/protocol-logicalrep-message-formats.html
// Protocol version 1 plus the version 2 streaming messages. Sketch (big-endian; String is
// NUL-terminated; [xid] is an Int32 present only inside a Stream Start/Stop block, protocol v2):
//   'B' Begin         Int64 final_lsn | Int64 commit_time | Int32 xid
//   'C' Commit        Int8 flags | Int64 commit_lsn | Int64 end_lsn | Int64 commit_time
//   'O' Origin        Int64 commit_lsn | String name
//   'R' Relation      [xid] Int32 relid | String namespace | String name | Int8 replica_identity
//                     | Int16 ncols | ncols x column
//                     column: Int8 flags (1 = key) | String name | Int32 type_oid | Int32 typmod
//   'Y' Type          [xid] Int32 oid | String namespace | String name
//   'I' Insert        [xid] Int32 relid | 'N' TupleData
//   'U' Update        [xid] Int32 relid | ['K'|'O' TupleData] | 'N' TupleData
//   'D' Delete        [xid] Int32 relid | 'K'|'O' TupleData
//   'T' Truncate      [xid] Int32 nrels | Int8 options | nrels x Int32 relid
//   'M' Message       [xid] Int8 flags | Int64 lsn | String prefix | Int32 n | Byte n content
//   'S' Stream Start  Int32 xid | Int8 first_segment
//   'E' Stream Stop   (nothing)
//   'c' Stream Commit Int32 xid | Int8 flags | Int64 commit_lsn | Int64 end_lsn | Int64 commit_time
//   'A' Stream Abort  Int32 xid | Int32 subxid
// TupleData is described in pgoutput_tuple.h. Times are microseconds since 2000-01-01 UTC.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "core/change.h"
#include "core/lsn.h"

namespace pg2ch {
namespace pgoutput {

// Messages that may appear inside a stream block carry `xid`: the streamed (sub)transaction they
// belong to, or 0 (InvalidTransactionId) when decoded outside a stream.

struct Begin {
  Lsn final_lsn = 0;  // LSN of the commit record: the transaction's position
  int64_t commit_time = 0;
  uint32_t xid = 0;
  bool operator==(const Begin&) const = default;
};

struct Commit {
  uint8_t flags = 0;  // unused by PostgreSQL so far
  Lsn commit_lsn = 0;
  Lsn end_lsn = 0;  // end of the commit record: what to confirm as flushed once durable
  int64_t commit_time = 0;
  bool operator==(const Commit&) const = default;
};

// The transaction was replayed from another node (sent after Begin when it has an origin).
struct Origin {
  Lsn commit_lsn = 0;  // the commit's LSN on the origin server
  std::string name;
  bool operator==(const Origin&) const = default;
};

struct RelationColumn {
  static constexpr uint8_t kKeyFlag = 1;  // part of the replica identity

  uint8_t flags = 0;
  std::string name;
  uint32_t type_oid = 0;
  int32_t typmod = -1;
  bool is_key() const { return (flags & kKeyFlag) != 0; }
  bool operator==(const RelationColumn&) const = default;
};

// Sent before the first change to a table in a session, and again whenever its schema changed.
struct Relation {
  uint32_t xid = 0;
  uint32_t relid = 0;
  std::string namespace_name;  // empty for pg_catalog
  std::string relation_name;
  // pg_class.relreplident: 'd' default (primary key), 'n' nothing, 'f' full, 'i' index.
  char replica_identity = 'd';
  std::vector<RelationColumn> columns;
  bool operator==(const Relation&) const = default;
};

// Describes a non-built-in type (e.g. an enum) before a Relation that uses it.
struct Type {
  uint32_t xid = 0;
  uint32_t oid = 0;
  std::string namespace_name;
  std::string name;
  bool operator==(const Type&) const = default;
};

struct Insert {
  uint32_t xid = 0;
  uint32_t relid = 0;
  Row new_tuple;
  bool operator==(const Insert&) const = default;
};

struct Update {
  uint32_t xid = 0;
  uint32_t relid = 0;
  // 'K': old_tuple holds the old key (non-key columns null) because the key changed.
  // 'O': old_tuple holds the whole old row (REPLICA IDENTITY FULL).
  // 0: no old tuple was sent; old_tuple is empty.
  char old_kind = 0;
  Row old_tuple;
  Row new_tuple;  // columns may be Unchanged (TOAST) when the value was not modified
  bool operator==(const Update&) const = default;
};

struct Delete {
  uint32_t xid = 0;
  uint32_t relid = 0;
  char old_kind = 'K';  // 'K' or 'O', as in Update
  Row old_tuple;
  bool operator==(const Delete&) const = default;
};

struct Truncate {
  static constexpr uint8_t kCascade = 1;
  static constexpr uint8_t kRestartIdentity = 2;

  uint32_t xid = 0;
  uint8_t options = 0;
  std::vector<uint32_t> relids;
  bool operator==(const Truncate&) const = default;
};

// A logical decoding message from pg_logical_emit_message().
struct Message {
  static constexpr uint8_t kTransactional = 1;

  uint32_t xid = 0;
  uint8_t flags = 0;
  Lsn lsn = 0;
  std::string prefix;
  std::string content;  // arbitrary bytes
  bool transactional() const { return (flags & kTransactional) != 0; }
  bool operator==(const Message&) const = default;
};

// Protocol v2: changes of a large in-progress transaction arrive in blocks bracketed by
// StreamStart/StreamStop; the transaction ends later with StreamCommit or StreamAbort.
struct StreamStart {
  uint32_t xid = 0;
  bool first_segment = false;  // the first block of this transaction
  bool operator==(const StreamStart&) const = default;
};

struct StreamStop {
  bool operator==(const StreamStop&) const = default;
};

struct StreamCommit {
  uint32_t xid = 0;
  uint8_t flags = 0;
  Lsn commit_lsn = 0;
  Lsn end_lsn = 0;
  int64_t commit_time = 0;
  bool operator==(const StreamCommit&) const = default;
};

// subxid == xid when the whole transaction aborted; otherwise only that subtransaction's
// streamed changes are discarded.
struct StreamAbort {
  uint32_t xid = 0;
  uint32_t subxid = 0;
  bool operator==(const StreamAbort&) const = default;
};

}  // namespace pgoutput

using PgOutputMessage =
    std::variant<pgoutput::Begin, pgoutput::Commit, pgoutput::Origin, pgoutput::Relation,
                 pgoutput::Type, pgoutput::Insert, pgoutput::Update, pgoutput::Delete,
                 pgoutput::Truncate, pgoutput::Message, pgoutput::StreamStart, pgoutput::StreamStop,
                 pgoutput::StreamCommit, pgoutput::StreamAbort>;

}  // namespace pg2ch
