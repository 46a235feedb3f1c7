// Every PostgreSQL type a user's schema may hold replicates, none refused: domains (over numeric
// with a typmod, over a domain, over an array), enums (with ALTER TYPE during CDC), extension
// types (citext, hstore), the types kept as their text, arrays of them, multi-dimensional
// arrays, and a stored generated column, through snapshot (binary COPY) and CDC (pgoutput).
// Values are generated in SQL over each type's range; compared row by row.
#include <gtest/gtest.h>
#include <signal.h>

#include "harness/engine_test.h"
#include "pipe_test_support.h"

namespace pg2ch::test {
namespace {

constexpr double kWait = 120;

// Multiranges came with PostgreSQL 14.
bool HasMultirange() { return TestPgMajor() >= 14; }

void CreateEveryTypeTable(const PostgresEndpoint& pg) {
  PgExec(pg, R"sql(
    -- pg2ch reads intervals in ISO 8601 (pg_connection.cpp); the comparison's sessions too.
    DO $$ BEGIN
      EXECUTE format('ALTER DATABASE %I SET IntervalStyle = iso_8601', current_database());
    END $$;
    CREATE EXTENSION IF NOT EXISTS hstore;
    CREATE EXTENSION IF NOT EXISTS citext;
    CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
    CREATE DOMAIN price AS numeric(10,2) CHECK (VALUE >= 0);
    CREATE DOMAIN list_price AS price;
    CREATE DOMAIN code AS varchar(12);
    CREATE DOMAIN int_list AS int[];
    CREATE TABLE et (
      id int PRIMARY KEY,
      c_enum mood, c_price list_price, c_code code NOT NULL, c_ints int_list, c_citext citext,
      c_inet inet, c_cidr cidr, c_mac macaddr, c_mac8 macaddr8, c_interval interval,
      c_money money, c_bit bit(8), c_varbit varbit, c_timetz timetz, c_xml xml,
      c_tsv tsvector, c_tsq tsquery, c_lsn pg_lsn, c_oid oid, c_regtype regtype, c_char "char",
      c_name name, c_i4range int4range, c_tsrange tstzrange, c_numrange numrange,
      )sql" + std::string(HasMultirange() ? "c_multi int4multirange," : "") +
                 R"sql( c_point point, c_line line, c_lseg lseg, c_box box, c_path path,
      c_polygon polygon, c_circle circle, c_hstore hstore, c_jsonb jsonb,
      c_uuids uuid[], c_nums numeric(10,0)[], c_dates date[], c_bools boolean[],
      c_floats float8[], c_jsonbs jsonb[], c_moods mood[], c_inets inet[], c_boxes box[],
      c_prices price[], c_matrix int[][], c_words text[][],
      c_gen bigint GENERATED ALWAYS AS (id::bigint * 2) STORED,
      c_wide text);
    ALTER TABLE et ALTER COLUMN c_wide SET STORAGE EXTERNAL,
                   ALTER COLUMN c_jsonb SET STORAGE EXTERNAL,
                   ALTER COLUMN c_hstore SET STORAGE EXTERNAL,
                   ALTER COLUMN c_matrix SET STORAGE EXTERNAL;
  )sql");
}

// Every column but the generated one, which takes its own value; INSERT ... SELECT casts each
// value to its column's type on every version (an SQL function's result must match exactly on 12).
std::string InsertSql(int from, int to) {
  const std::string cols =
      "id, c_enum, c_price, c_code, c_ints, c_citext, c_inet, c_cidr, c_mac, c_mac8, c_interval, "
      "c_money, c_bit, c_varbit, c_timetz, c_xml, c_tsv, c_tsq, c_lsn, c_oid, c_regtype, c_char, "
      "c_name, c_i4range, c_tsrange, c_numrange, " +
      std::string(HasMultirange() ? "c_multi, " : "") +
      "c_point, c_line, c_lseg, c_box, "
      "c_path, c_polygon, c_circle, c_hstore, c_jsonb, c_uuids, c_nums, c_dates, c_bools, "
      "c_floats, c_jsonbs, c_moods, c_inets, c_boxes, c_prices, c_matrix, c_words, c_wide";
  return "INSERT INTO et (" + cols + ")" + R"sql(
    SELECT i,
      CASE WHEN i % 7 = 0 THEN NULL ELSE (enum_range(NULL::mood))[1 + i % 3] END,
      CASE WHEN i % 11 = 0 THEN NULL ELSE ((i * 7919) % 99999999 + 0.25)::numeric(10,2) END,
      'C-' || (i % 100000)::text,
      CASE WHEN i % 13 = 0 THEN NULL ELSE ARRAY[i, -i, NULL] END,
      CASE WHEN i % 5 = 0 THEN NULL ELSE 'MiXeD ' || i END,
      CASE WHEN i % 9 = 0 THEN NULL WHEN i % 2 = 0
           THEN ('10.' || (i % 256) || '.' || (i / 256 % 256) || '.1/' || (8 + i % 25))::inet
           ELSE ('2001:db8::' || to_hex(i))::inet END,
      ('10.' || (i % 256) || '.0.0/16')::cidr,
      ('08:00:2b:' || lpad(to_hex(i % 256), 2, '0') || ':02:03')::macaddr,
      ('08:00:2b:01:02:03:04:' || lpad(to_hex(i % 256), 2, '0'))::macaddr8,
      CASE WHEN i % 4 = 0 THEN NULL
           ELSE make_interval(years => i % 30 - 15, months => i % 11, days => i % 40 - 20,
                              secs => (i % 86400) / 7.0) END,
      CASE WHEN i % 6 = 0 THEN NULL WHEN i % 1000 = 1 THEN '-92233720368547758.08'::money
           WHEN i % 1000 = 2 THEN '92233720368547758.07'::money
           ELSE ((i * 104729 % 10000000) / 100.0 * (1 - 2 * (i % 2)))::numeric::money END,
      (i % 256)::bit(8),
      CASE WHEN i % 3 = 0 THEN B'' ELSE (i % 1024)::bit(10)::varbit END,
      (time '00:00' + (i % 86400) * interval '1 second')::timetz,
      CASE WHEN i % 8 = 0 THEN NULL
           ELSE xmlelement(name item, xmlattributes(i AS id), 'text & <' || i || '>') END,
      to_tsvector('english', 'the quick brown fox ' || i || ' jumped'),
      to_tsquery('english', 'fox & ' || (i % 50)),
      (to_hex(i) || '/' || to_hex(i * 4099))::pg_lsn,
      (i * 3)::oid,
      (ARRAY['integer','text','timestamp with time zone','mood']::regtype[])[1 + i % 4],
      chr(65 + i % 26)::"char",
      ('name_' || i)::name,
      CASE WHEN i % 10 = 0 THEN 'empty'::int4range ELSE int4range(i, i + i % 100 + 1) END,
      tstzrange(timestamptz '2020-01-01 00:00+00' + i * interval '1 minute', NULL, '[)'),
      numrange(i / 3.0, i / 2.0 + 1, '(]'),
      )sql" +
         std::string(HasMultirange()
                         ? "int4multirange(int4range(1, i + 2), int4range(i + 5, i + 9)),"
                         : "") +
         R"sql(
      point(i / 4.0, -i),
      line(point(0, 0), point(i, i + 1)),
      lseg(point(i, 0), point(0, i)),
      box(point(i, i), point(0, 0)),
      CASE WHEN i % 2 = 0 THEN path '((0,0),(1,1),(2,0))' ELSE path '[(0,0),(1,1)]' END,
      polygon(box(point(0, 0), point(i, i))),
      circle(point(i, i), i / 8.0),
      CASE WHEN i % 12 = 0 THEN NULL WHEN i % 100 = 0
           THEN hstore(ARRAY['k', 'wide'], ARRAY[i::text, repeat(md5(i::text), 70)])
           ELSE hstore(ARRAY['a', 'b c', 'q"\', 'none'], ARRAY[i::text, '', '"x\y"', NULL]) END,
      CASE WHEN i % 100 = 0 THEN jsonb_build_object('i', i, 'wide', repeat(md5(i::text), 70))
           ELSE jsonb_build_object('i', i, 'arr', jsonb_build_array(1, 'two', NULL)) END,
      CASE WHEN i % 14 = 0 THEN NULL ELSE ARRAY[md5(i::text)::uuid, NULL] END,
      ARRAY[i::numeric * 1000, -i, NULL],
      ARRAY[date '2000-01-01' + i % 10000, NULL],
      ARRAY[i % 2 = 0, NULL, true],
      ARRAY[i / 4.0, -1.5, NULL]::float8[],
      ARRAY[jsonb_build_object('n', i), 'null'::jsonb, NULL],
      ARRAY['ok', NULL, (enum_range(NULL::mood))[1 + i % 3]]::mood[],
      ARRAY[('192.168.0.' || (i % 256))::inet, NULL],
      ARRAY[box(point(1, 1), point(0, 0)), box(point(i, i), point(i + 1, i + 1))],
      ARRAY[(i % 1000 + 0.25)::price, NULL],
      CASE WHEN i % 15 = 0 THEN NULL WHEN i % 100 = 0
           THEN (SELECT array_agg(r) FROM (SELECT ARRAY(SELECT generate_series(x * 60, x * 60 + 59))
                 AS r FROM generate_series(1, 60) x) m)
           ELSE ARRAY[[i, 2], [NULL, -i]] END,
      ARRAY[['a', 'b c'], ['{x}', NULL]],
      CASE WHEN i % 100 = 0 THEN repeat(md5(i::text), 80) END
    FROM generate_series()sql" +
         std::to_string(from) + ", " + std::to_string(to) + ") AS i";
}

std::vector<CompareColumn> EveryTypeColumns(bool modern) {
  using K = CompareColumn;
  auto same = [](const std::string& c) {
    return CompareColumn{c + "::text", "toString(" + c + ")", K::kExact};
  };
  // Elements joined, NULL spelled out; a NULL array is [] in ClickHouse (README).
  auto elements = [](const std::string& c, const std::string& ch_element = "toString(x)") {
    return CompareColumn{
        "array_to_string(COALESCE(" + c + ", '{}'), '|', '<null>')",
        "arrayStringConcat(arrayMap(x -> ifNull(" + ch_element + ", '<null>'), " + c + "), '|')",
        K::kExact};
  };
  // Two dimensions, flattened row by row (18.16 has no arrayFlatten).
  auto matrix_elements = [](const std::string& c) {
    return CompareColumn{"array_to_string(COALESCE(" + c + ", '{}'), '|', '<null>')",
                         "arrayStringConcat(arrayMap(r -> arrayStringConcat(arrayMap(x -> "
                         "ifNull(toString(x), '<null>'), r), '|'), " +
                             c + "), '|')",
                         K::kExact};
  };
  std::vector<CompareColumn> cols = {
      same("id"),     same("c_enum"),     {"c_price::text", "toString(c_price)", K::kNumber},
      same("c_code"), elements("c_ints"),
  };
  // The output function's text, which is what pgoutput sends (a cast to text may differ: inet's
  // shows the netmask).
  auto text = [](const std::string& c) {
    return CompareColumn{"CASE WHEN num_nulls(" + c + ") = 0 THEN format('%s', " + c + ") END",
                         "toString(" + c + ")", K::kExact};
  };
  for (const char* c : {"c_citext",  "c_inet",     "c_cidr",    "c_mac",   "c_mac8", "c_interval",
                        "c_bit",     "c_varbit",   "c_timetz",  "c_xml",   "c_tsv",  "c_tsq",
                        "c_lsn",     "c_oid",      "c_regtype", "c_char",  "c_name", "c_i4range",
                        "c_tsrange", "c_numrange", "c_point",   "c_line",  "c_lseg", "c_box",
                        "c_path",    "c_polygon",  "c_circle",  "c_jsonb", "c_wide"})
    cols.push_back(text(c));
  if (HasMultirange()) cols.push_back(text("c_multi"));
  cols.push_back({"c_money::numeric::text", "toString(c_money)", K::kNumber});
  if (modern) {
    // Map(String, Nullable(String)): pairs sorted bytewise on both sides; NULL hstore is {}.
    cols.push_back(
        {"COALESCE((SELECT string_agg(key || '=' || COALESCE(value, '<null>'), '|' "
         "ORDER BY (key || '=' || COALESCE(value, '<null>')) COLLATE \"C\") FROM "
         "each(c_hstore)), '')",
         "arrayStringConcat(arraySort(arrayMap((k, v) -> concat(k, '=', ifNull(v, "
         "'<null>')), mapKeys(c_hstore), mapValues(c_hstore))), '|')",
         K::kExact});
  } else {
    cols.push_back(text("c_hstore"));
  }
  cols.push_back(elements("c_uuids"));
  cols.push_back(elements("c_nums"));
  cols.push_back(elements("c_dates"));
  cols.push_back(elements("c_bools", "if(isNull(x), NULL, if(x, 't', 'f'))"));
  cols.push_back(elements("c_floats"));
  cols.push_back(elements("c_jsonbs"));
  cols.push_back(elements("c_moods"));
  cols.push_back(elements("c_inets"));
  cols.push_back(elements("c_boxes"));
  cols.push_back(elements("c_prices"));
  cols.push_back(matrix_elements("c_matrix"));
  cols.push_back(matrix_elements("c_words"));
  // The nesting itself: int[][] is Array(Array(Nullable(Int32))).
  cols.push_back({"translate(COALESCE(c_matrix::text, '{}'), '{}', '[]')", "toString(c_matrix)"});
  return cols;
}

class EveryType : public EngineTest {};

TEST_P(EveryType, SnapshotAndCdcOfEveryTypeWithEnumChanges) {
  TestDatabases dbs = NewDatabases("everytype");
  const std::string pipe = PipeName("everytype");
  CreateEveryTypeTable(dbs.pg);
  PgExec(dbs.pg, InsertSql(1, 3000));
  PipeFiles files = WritePipe(dbs, pipe, {"public.et"});
  auto pg2ch = StartPg2ch(files);
  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kRunning, kWait)) << pg2ch->Output();
  auto cols = EveryTypeColumns(modern());
  // PostgreSQL 18 publishes stored generated columns; before, they are left out.
  const bool generated_replicated = TestPgMajor() >= 18;
  if (generated_replicated) cols.push_back({"c_gen::text", "toString(c_gen)"});
  ASSERT_EQ(WaitForEqual(dbs, "et", "et", cols, "id", kWait), "") << pg2ch->Output();

  // The mapping itself, and the generated column (left out before 18).
  auto type_of = [&](const std::string& column) {
    return ChQuery(dbs.ch, "SELECT type FROM system.columns WHERE database = '" + dbs.ch.database +
                               "' AND table = 'et' AND name = '" + column +
                               "' FORMAT TabSeparated");
  };
  EXPECT_EQ(type_of("c_enum"),
            modern() ? "LowCardinality(Nullable(String))\n" : "Nullable(String)\n");
  EXPECT_EQ(type_of("c_price"), "Nullable(Decimal(10, 2))\n");
  EXPECT_EQ(type_of("c_money"), "Nullable(Decimal(19, 2))\n");
  EXPECT_EQ(type_of("c_ints"), "Array(Nullable(Int32))\n");
  EXPECT_EQ(type_of("c_matrix"), "Array(Array(Nullable(Int32)))\n");
  EXPECT_EQ(type_of("c_hstore"),
            modern() ? "Map(String, Nullable(String))\n" : "Nullable(String)\n");
  EXPECT_EQ(type_of("c_gen"), generated_replicated ? "Nullable(Int64)\n" : "");

  // CDC: inserts, updates (some leaving TOASTed jsonb, hstore, int[][] and text unchanged),
  // deletes; labels added to and renamed in the enum while the pipe runs.
  PgExec(dbs.pg, InsertSql(3001, 4000));
  PgExec(dbs.pg, "UPDATE et SET c_enum = 'happy', c_inet = '127.0.0.1' WHERE id % 10 = 0");
  PgExec(dbs.pg,
         "UPDATE et SET c_money = c_money + '1.01'::money, c_interval = '1 day' "
         "WHERE id % 7 = 3");
  PgExec(dbs.pg, "DELETE FROM et WHERE id % 17 = 5");
  PgExec(dbs.pg, "ALTER TYPE mood ADD VALUE 'ecstatic'");
  PgExec(dbs.pg, "ALTER TYPE mood RENAME VALUE 'sad' TO 'blue'");
  PgExec(dbs.pg, InsertSql(4001, 4500));  // 'blue' where the insert picks the first label
  PgExec(dbs.pg,
         "UPDATE et SET c_enum = 'ecstatic', c_moods = ARRAY['ecstatic'::mood] "
         "WHERE id % 9 = 4");
  // Rows keep the label they were written with until they change: touch every renamed one.
  PgExec(dbs.pg,
         "UPDATE et SET c_enum = c_enum, c_moods = c_moods "
         "WHERE c_enum = 'blue' OR 'blue' = ANY(c_moods)");
  EXPECT_EQ(WaitForEqual(dbs, "et", "et", cols, "id", kWait), "") << pg2ch->Output();
  EXPECT_GT(PgCount(dbs, "et"), 4000);

  PgExec(dbs.pg, "TRUNCATE et");
  PgExec(dbs.pg, InsertSql(5001, 5100));
  EXPECT_EQ(WaitForEqual(dbs, "et", "et", cols, "id", kWait), "") << pg2ch->Output();

  pg2ch->Signal(SIGTERM);
  EXPECT_EQ(pg2ch->Wait(30), 0) << pg2ch->Output();
}

PG2CH_INSTANTIATE_ENGINE_TESTS(EveryType);

}  // namespace
}  // namespace pg2ch::test
