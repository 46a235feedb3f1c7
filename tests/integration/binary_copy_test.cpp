// The initial load through binary COPY (pg_binary_encoder.h): a table of exactly the types that
// have a binary conversion, with edge values, loaded by a snapshot-only pipe, must equal its
// source in ClickHouse, and the log must say which COPY each table took. On 18.16 date and
// timestamps are String text forms, printed from the binary values as PostgreSQL prints them.
#include <gtest/gtest.h>

#include "harness/engine_test.h"
#include "pipe_test_support.h"

namespace pg2ch::test {
namespace {

class BinaryCopy : public EngineTest {};

TEST_P(BinaryCopy, SupportedTypesWithEdgeValuesEqualTheSource) {
  TestDatabases dbs = NewDatabases("bincopy");
  const std::string pipe = PipeName("bincopy");
  PgExec(dbs.pg, R"sql(
    CREATE TABLE plain (id bigint PRIMARY KEY, i2 smallint, i4 integer NOT NULL, i8 bigint,
                        f4 real, f8 double precision, b boolean, t text NOT NULL, v varchar(20),
                        c char(5), by bytea, u uuid);
    INSERT INTO plain VALUES
      (1, -32768, -2147483648, -9223372036854775808, 'NaN', 'NaN', true, '', '', '', '', NULL),
      (2, 32767, 2147483647, 9223372036854775807, 'Infinity', '-Infinity', false, E'tab\there',
       'é', 'ab', '\x00ff0a09', '12345678-9abc-def0-0123-456789abcdef'),
      (3, NULL, 0, NULL, NULL, NULL, NULL, E'new\nline \\ back', NULL, NULL, NULL, NULL),
      (4, 0, -1, -1, -0.0, 5e-324, true, repeat('x', 100000), 'v', 'abcde', '\x',
       '00000000-0000-0000-0000-000000000000'),
      (5, 1, 1, 1, 3.4028235e38, 1.7976931348623157e308, false, 'a', 'b', 'c', '\x5c',
       'ffffffff-ffff-ffff-ffff-ffffffffffff');
    INSERT INTO plain SELECT g, (g % 30000)::smallint, g, g::bigint * 1000003, g / 7.0, g / 3.0,
      g % 2 = 0, md5(g::text), 'v' || g, (g % 100)::text, decode(md5(g::text), 'hex'),
      md5(g::text)::uuid FROM generate_series(10, 5000) g;
    CREATE TABLE dated (id int PRIMARY KEY, d date, ts timestamp, tstz timestamptz NOT NULL);
    INSERT INTO dated VALUES
      (1, 'infinity', 'infinity', '-infinity'),
      (2, '-infinity', '-infinity', 'infinity'),
      (3, '1899-12-31', '1899-12-31 23:59:59.999999', '1900-01-01 00:00:00+00'),
      (4, '1900-01-01', '1900-01-01 00:00:00.000001', '2299-12-31 23:59:59.999999+00'),
      (5, '2299-12-31', '2300-01-01 00:00:00', '2300-01-01 00:00:00+00'),
      (6, '2300-01-01', '1970-01-01 00:00:00', '1970-01-01 00:00:00.123456+00'),
      (7, '0044-03-15 BC', '0044-03-15 12:00:00 BC', '1999-12-31 23:59:59.999999+00'),
      (8, NULL, NULL, '2000-01-01 00:00:00+00'),
      (9, '12345-06-07', '0001-12-31 23:59:59.5 BC', '12345-06-07 08:09:10.01+00'),
      (10, '0001-01-01 BC', '0001-01-01 00:00:00', '0001-02-29 00:00:00.000001+00 BC');
    INSERT INTO dated SELECT g, date '2000-01-01' + g, timestamp '2000-01-01' + g * interval '1.5 s',
      timestamptz '2020-01-01 00:00:00+00' + g * interval '1 minute' FROM generate_series(20, 3000) g;
    CREATE TABLE numbers (id int PRIMARY KEY, n numeric(12,2) NOT NULL, n38 numeric(38,10),
                          tiny numeric(6,6), neg numeric(5,-2), free numeric);
    INSERT INTO numbers VALUES
      (1, 0, 0, 0, 0, 0),
      (2, -9999999999.99, 9999999999999999999999999999.9999999999, 0.999999, 9999900, 'NaN'),
      (3, 9999999999.99, -9999999999999999999999999999.9999999999, -0.000001, -100, 'Infinity'),
      (4, 0.01, 0.0000000001, NULL, NULL, '-Infinity'),
      (5, -0.5, 12345678901234567890.5, 0.1, 12300, NULL),
      (6, 100, NULL, NULL, NULL, 0.000000000000000000000000000000000000000000001),
      (7, 1, 1, 0.5, 100, 123456789012345678901234567890123456789012345678901234567890.123),
      (8, 10000, 10000, 0.0001, 10000, -0.00),
      (9, 12.30, -1.10, NULL, NULL, 1.10);
    INSERT INTO numbers SELECT g, g * 12.34 - 50000, g::numeric * 1234567.0123456789 * (1 - 2 * (g % 2)),
      (g % 1000) / 1000.0, g * 100, g::numeric ^ 5 / 7 FROM generate_series(20, 3000) g;
  )sql");
  PipeFiles files = WritePipe(dbs, pipe, {"public.plain", "public.dated", "public.numbers"},
                              "\"mode\": \"snapshot_only\"");
  auto pg2ch = StartPg2ch(files);
  ASSERT_EQ(pg2ch->Wait(120), 0) << pg2ch->Output();
  std::string log = pg2ch->Output();
  EXPECT_NE(log.find("table public.plain is copied with binary COPY"), std::string::npos) << log;
  EXPECT_NE(log.find("table public.dated is copied with binary COPY"), std::string::npos) << log;
  EXPECT_NE(log.find("table public.numbers is copied with binary COPY"), std::string::npos) << log;

  using K = CompareColumn;
  auto same = [](const std::string& c) {
    return CompareColumn{c + "::text", "toString(" + c + ")"};
  };
  EXPECT_EQ(DiffTables(dbs, "public.plain", "plain",
                       {same("id"),
                        same("i2"),
                        same("i4"),
                        same("i8"),
                        {"f4::text", "toString(f4)", K::kFloat},
                        {"f8::text", "toString(f8)", K::kFloat},
                        {"b::text", "toString(b)", K::kBool},
                        {"t", "t", K::kExact},
                        {"v", "v", K::kExact},
                        {"c", "c", K::kExact},
                        {"encode(by, 'hex')", "lower(hex(by))", K::kExact},
                        same("u")},
                       "id"),
            "");
  std::vector<CompareColumn> dated = {same("id")};
  if (modern()) {
    auto clamp = [](const std::string& column, const std::string& lo, const std::string& hi) {
      return "CASE WHEN " + column + " IS NOT NULL THEN LEAST(GREATEST(" + column + ", " + lo +
             "), " + hi + ") END";
    };
    dated.push_back({clamp("d", "'1900-01-01'", "'2299-12-31'") + "::text", "toString(d)"});
    dated.push_back(
        {"(" + clamp("ts", "'1900-01-01 00:00:00'", "'2299-12-31 23:59:59.999999'") + ")::text",
         "toString(ts)", K::kDateTime});
    dated.push_back(
        {"(" + clamp("tstz", "'1900-01-01 00:00:00+00'", "'2299-12-31 23:59:59.999999+00'") +
             " AT TIME ZONE 'UTC')::text",
         "toString(tstz)", K::kDateTime});
  } else {
    dated.push_back({"d::text", "toString(d)"});
    dated.push_back({"ts::text", "toString(ts)"});
    dated.push_back(
        {"CASE WHEN isfinite(tstz) THEN regexp_replace((tstz AT TIME ZONE 'UTC')::text, "
         "'( BC)?$', '+00\\1') ELSE tstz::text END",
         "toString(tstz)"});
  }
  EXPECT_EQ(DiffTables(dbs, "public.dated", "dated", dated, "id"), "");
  // Decimal columns print as numbers (trailing zeros differ between engines); unbounded
  // numeric is String on every engine: PostgreSQL's text, exactly, NaN and infinities included.
  EXPECT_EQ(DiffTables(dbs, "public.numbers", "numbers",
                       {same("id"),
                        {"n::text", "toString(n)", K::kNumber},
                        {"n38::text", "toString(n38)", K::kNumber},
                        {"tiny::text", "toString(tiny)", K::kNumber},
                        {"neg::text", "toString(neg)", K::kNumber},
                        {"free::text", "free", K::kExact}},
                       "id"),
            "");
}

PG2CH_INSTANTIATE_ENGINE_TESTS(BinaryCopy);

}  // namespace
}  // namespace pg2ch::test
