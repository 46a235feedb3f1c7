// TupleData, the row encoding shared by pgoutput Insert, Update and Delete.
//
// Contract: reads one TupleData at the reader's position and returns its cells, or throws
// DecodeError on truncation, an unknown column kind, a negative length, or binary data (pg2ch asks
// for text format; a binary value would be misread as text). The column count is taken from the
// wire as is: comparing it with the relation is RelationCache::CheckTuple's job.
//
// Wire format (https://www.postgresql.org/docs/15/protocol-logicalrep-message-formats.html):
//   Int16 ncols | ncols x column
//   column:  'n'                      null
//            'u'                      unchanged TOASTed value, not sent
//            't' Int32 len | Byte len value in text output form
//            'b' Int32 len | Byte len value in binary form (only with the `binary` option)
#pragma once

#include "core/change.h"
#include "source/postgres/byte_reader.h"

namespace pg2ch {

Row DecodeTupleData(ByteReader& reader);

}  // namespace pg2ch
