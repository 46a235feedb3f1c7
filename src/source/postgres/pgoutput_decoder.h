// Turns one pgoutput message (the payload of an XLogData, or a `data` row of
// pg_logical_slot_peek_binary_changes) into a PgOutputMessage.
//
// Contract: stateless and pure; no I/O. Either the whole payload is consumed and a message
// returned, or DecodeError is thrown: unknown tag, truncation, trailing bytes, an unexpected
// tuple marker, binary tuple data. Tuples keep the column count the wire gives (see
// RelationCache::CheckTuple). The result owns its data, so the payload may be freed afterwards.
//
// `in_stream` must be true between a StreamStart and the next StreamStop (protocol v2): only there
// do Relation, Type, Insert, Update, Delete, Truncate and Message carry an xid after the tag, and
// nothing in the bytes says so. Tracking that state is the caller's job; the decoder does not
// judge whether a message is allowed where it appears.
//
// Wire format: see pgoutput_messages.h (messages) and pgoutput_tuple.h (TupleData).
#pragma once

#include <cstdint>
#include <span>

#include "source/postgres/pgoutput_messages.h"

namespace pg2ch {

PgOutputMessage DecodePgOutput(std::span<const uint8_t> payload, bool in_stream = false);

}  // namespace pg2ch
