// What pg2ch knows of a source table: its columns as PostgreSQL describes them.
//
// Recorded at Setup (from the catalog tables) and matched by column name with every pgoutput
// Relation message (source/postgres/relation_mapping.h), so a schema change is noticed instead of
// silently mis-decoding rows. The recorded columns are the destination's: a column added during
// CDC is appended (and recorded again), a dropped one stays.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pg2ch {

struct SourceColumn {
  std::string name;
  uint32_t type_oid = 0;
  int32_t typmod = -1;    // -1 when the type has no modifier (e.g. numeric without precision)
  std::string type_name;  // format_type(oid, typmod), for messages and the catalog
  bool nullable = true;
  bool is_key = false;  // part of the primary key / replica identity
  // Element type of an array column, domains peeled off (0 when not an array).
  uint32_t element_oid = 0;

  // What the values are, read with the column (schema_reader.h): the type once domains are
  // peeled off, recursively, with the typmod the innermost domain gives (a domain over
  // numeric(10,2) is numeric with that typmod). For arrays, of the element type.
  uint32_t base_oid = 0;       // 0: not described (definitions recorded before domains): type_oid
  int32_t base_typmod = -1;    // money: its fraction digits under the server's lc_monetary
  char base_kind = 'b';        // pg_type.typtype: b base, e enum, r range, m multirange, ...
  std::string base_name = {};  // pg_type.typname, which names extension types such as hstore
  char array_delim = ',';      // the element type's typdelim (';' for box), which array_out uses
  int array_dims = 1;          // declared dimensions (int[][] = 2); values must have that many

  // The oid that decides the mapping: the base type, or for arrays the element's base type.
  uint32_t ValueOid() const {
    if (element_oid != 0) return element_oid;
    return base_oid != 0 ? base_oid : type_oid;
  }
  int32_t ValueTypmod() const { return base_oid != 0 ? base_typmod : typmod; }
};

// How a row is identified, from the primary key and replica identity read at Setup.
enum class RowIdentity : uint8_t {
  kKey,         // a primary key, or REPLICA IDENTITY USING INDEX: its columns are the key
  kFullRow,     // no key, REPLICA IDENTITY FULL: a row is its values (duplicates allowed)
  kInsertOnly,  // no key and no identity: PostgreSQL can publish only inserts and truncates
};

struct SourceTable {
  std::string schema;
  std::string name;
  uint32_t relid = 0;
  // In attnum order as read at Setup, dropped columns left out; columns added during CDC follow.
  std::vector<SourceColumn> columns;
  // Source columns the pipe leaves out (TableMapping::exclude), never in `columns`: CDC ignores a
  // stream column of one of these names instead of adding it, even one created after Setup.
  std::vector<std::string> excluded = {};
  // Generated columns left out (and so also in `excluded`): pgoutput before PostgreSQL 18 does not
  // send them, and virtual ones never. Read at Setup, for what create reports; not recorded.
  std::vector<std::string> generated = {};
  // Stored generated columns that are replicated (PostgreSQL 18+, in `columns`): the publication
  // must publish them (publish_generated_columns = stored). Read at Setup; not recorded.
  std::vector<std::string> published_generated = {};

  RowIdentity identity = RowIdentity::kKey;
  // The mapping's row filter (an SQL condition; "" for every row): in the publication and in the
  // initial load's COPY. Recorded, so that a resumed load copies the same rows.
  std::string row_filter = {};
  // The mapping's exclude_at_source: excluded columns are left out of the publication (15+).
  // Read from the mapping at Setup and when a table is added; not recorded.
  bool exclude_at_source = false;

  std::string QualifiedName() const { return schema + "." + name; }
  bool keyless() const { return identity != RowIdentity::kKey; }
};

}  // namespace pg2ch
