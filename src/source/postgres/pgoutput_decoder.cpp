#include "source/postgres/pgoutput_decoder.h"

#include <algorithm>
#include <string>

#include "source/postgres/byte_reader.h"
#include "source/postgres/pgoutput_tuple.h"

namespace pg2ch {
namespace {

using namespace pgoutput;

// Reads the xid that prefixes a change message inside a stream block; 0 outside one.
uint32_t ReadStreamXid(ByteReader& reader, bool in_stream) {
  return in_stream ? reader.ReadU32("streamed transaction xid") : 0;
}

std::string ReadString(ByteReader& reader, std::string_view what) {
  return std::string(reader.ReadCString(what));
}

uint8_t ReadTupleMarker(ByteReader& reader, std::string_view expected) {
  uint8_t marker = reader.ReadU8("tuple marker");
  if (expected.find(static_cast<char>(marker)) == std::string_view::npos) {
    reader.Fail("tuple marker " + DescribeTag(marker) + ", expected one of '" +
                std::string(expected) + "'");
  }
  return marker;
}

Begin DecodeBegin(ByteReader& r) {
  Begin m;
  m.final_lsn = r.ReadU64("final LSN");
  m.commit_time = r.ReadI64("commit time");
  m.xid = r.ReadU32("xid");
  return m;
}

Commit DecodeCommit(ByteReader& r) {
  Commit m;
  m.flags = r.ReadU8("flags");
  m.commit_lsn = r.ReadU64("commit LSN");
  m.end_lsn = r.ReadU64("end LSN");
  m.commit_time = r.ReadI64("commit time");
  return m;
}

Origin DecodeOrigin(ByteReader& r) {
  Origin m;
  m.commit_lsn = r.ReadU64("origin commit LSN");
  m.name = ReadString(r, "origin name");
  return m;
}

Relation DecodeRelation(ByteReader& r, bool in_stream) {
  Relation m;
  m.xid = ReadStreamXid(r, in_stream);
  m.relid = r.ReadU32("relation id");
  m.namespace_name = ReadString(r, "namespace");
  m.relation_name = ReadString(r, "relation name");
  m.replica_identity = static_cast<char>(r.ReadU8("replica identity"));
  uint16_t ncols = r.ReadU16("column count");
  m.columns.reserve(std::min<size_t>(ncols, r.Remaining()));
  for (uint16_t i = 0; i < ncols; ++i) {
    RelationColumn& column = m.columns.emplace_back();
    column.flags = r.ReadU8("column flags");
    column.name = ReadString(r, "column name");
    column.type_oid = r.ReadU32("column type oid");
    column.typmod = r.ReadI32("column type modifier");
  }
  return m;
}

Type DecodeType(ByteReader& r, bool in_stream) {
  Type m;
  m.xid = ReadStreamXid(r, in_stream);
  m.oid = r.ReadU32("type oid");
  m.namespace_name = ReadString(r, "type namespace");
  m.name = ReadString(r, "type name");
  return m;
}

Insert DecodeInsert(ByteReader& r, bool in_stream) {
  Insert m;
  m.xid = ReadStreamXid(r, in_stream);
  m.relid = r.ReadU32("relation id");
  ReadTupleMarker(r, "N");
  m.new_tuple = DecodeTupleData(r);
  return m;
}

Update DecodeUpdate(ByteReader& r, bool in_stream) {
  Update m;
  m.xid = ReadStreamXid(r, in_stream);
  m.relid = r.ReadU32("relation id");
  uint8_t marker = ReadTupleMarker(r, "KON");
  if (marker != 'N') {
    m.old_kind = static_cast<char>(marker);
    m.old_tuple = DecodeTupleData(r);
    ReadTupleMarker(r, "N");
  }
  m.new_tuple = DecodeTupleData(r);
  return m;
}

Delete DecodeDelete(ByteReader& r, bool in_stream) {
  Delete m;
  m.xid = ReadStreamXid(r, in_stream);
  m.relid = r.ReadU32("relation id");
  m.old_kind = static_cast<char>(ReadTupleMarker(r, "KO"));
  m.old_tuple = DecodeTupleData(r);
  return m;
}

Truncate DecodeTruncate(ByteReader& r, bool in_stream) {
  Truncate m;
  m.xid = ReadStreamXid(r, in_stream);
  int32_t count = r.ReadI32("relation count");
  if (count < 0) r.Fail("negative relation count " + std::to_string(count));
  m.options = r.ReadU8("options");
  m.relids.reserve(std::min<size_t>(count, r.Remaining() / 4));
  for (int32_t i = 0; i < count; ++i) m.relids.push_back(r.ReadU32("relation id"));
  return m;
}

Message DecodeMessage(ByteReader& r, bool in_stream) {
  Message m;
  m.xid = ReadStreamXid(r, in_stream);
  m.flags = r.ReadU8("flags");
  m.lsn = r.ReadU64("message LSN");
  m.prefix = ReadString(r, "prefix");
  int32_t length = r.ReadI32("content length");
  if (length < 0) r.Fail("negative content length " + std::to_string(length));
  m.content = std::string(r.ReadText(length, "content"));
  return m;
}

StreamStart DecodeStreamStart(ByteReader& r) {
  StreamStart m;
  m.xid = r.ReadU32("xid");
  uint8_t first = r.ReadU8("first-segment flag");
  if (first > 1) r.Fail("first-segment flag is " + std::to_string(first) + ", not 0 or 1");
  m.first_segment = first == 1;
  return m;
}

StreamCommit DecodeStreamCommit(ByteReader& r) {
  StreamCommit m;
  m.xid = r.ReadU32("xid");
  m.flags = r.ReadU8("flags");
  m.commit_lsn = r.ReadU64("commit LSN");
  m.end_lsn = r.ReadU64("end LSN");
  m.commit_time = r.ReadI64("commit time");
  return m;
}

StreamAbort DecodeStreamAbort(ByteReader& r) {
  StreamAbort m;
  m.xid = r.ReadU32("xid");
  m.subxid = r.ReadU32("subtransaction xid");
  return m;
}

PgOutputMessage DecodeBody(std::span<const uint8_t> payload, uint8_t tag, ByteReader& r,
                           bool in_stream) {
  switch (tag) {
    case 'B':
      r.SetContext("pgoutput Begin");
      return DecodeBegin(r);
    case 'C':
      r.SetContext("pgoutput Commit");
      return DecodeCommit(r);
    case 'O':
      r.SetContext("pgoutput Origin");
      return DecodeOrigin(r);
    case 'R':
      r.SetContext("pgoutput Relation");
      return DecodeRelation(r, in_stream);
    case 'Y':
      r.SetContext("pgoutput Type");
      return DecodeType(r, in_stream);
    case 'I':
      r.SetContext("pgoutput Insert");
      return DecodeInsert(r, in_stream);
    case 'U':
      r.SetContext("pgoutput Update");
      return DecodeUpdate(r, in_stream);
    case 'D':
      r.SetContext("pgoutput Delete");
      return DecodeDelete(r, in_stream);
    case 'T':
      r.SetContext("pgoutput Truncate");
      return DecodeTruncate(r, in_stream);
    case 'M':
      r.SetContext("pgoutput Message");
      return DecodeMessage(r, in_stream);
    case 'S':
      r.SetContext("pgoutput Stream Start");
      return DecodeStreamStart(r);
    case 'E':
      r.SetContext("pgoutput Stream Stop");
      return StreamStop{};
    case 'c':
      r.SetContext("pgoutput Stream Commit");
      return DecodeStreamCommit(r);
    case 'A':
      r.SetContext("pgoutput Stream Abort");
      return DecodeStreamAbort(r);
  }
  // Includes the protocol v3 two-phase messages ('b', 'P', 'K', 'r', 'p'): pg2ch never asks for
  // them, so seeing one means the slot was set up differently than we think. A fresh reader
  // reports the tag's own offset, 0.
  ByteReader(payload, "pgoutput message").Fail("unknown message tag " + DescribeTag(tag));
}

}  // namespace

PgOutputMessage DecodePgOutput(std::span<const uint8_t> payload, bool in_stream) {
  ByteReader reader(payload, "pgoutput message");
  uint8_t tag = reader.ReadU8("message tag");
  PgOutputMessage message = DecodeBody(payload, tag, reader, in_stream);
  reader.ExpectEnd();
  return message;
}

}  // namespace pg2ch
