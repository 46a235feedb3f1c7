#include "all_types_fixture.h"

namespace pg2ch::test {

void CreateAllTypesTable(const PostgresEndpoint& pg, const std::string& t) {
  PgExec(pg, "CREATE TABLE public." + t + R"sql( (
      id bigint PRIMARY KEY,
      c_int2 smallint, c_int4 integer NOT NULL, c_int8 bigint,
      c_num numeric(20,4), c_num38 numeric(38,10), c_numfree numeric,
      c_real real, c_double double precision, c_bool boolean,
      c_text text, c_varchar varchar(50), c_char char(5), c_bytea bytea,
      c_date date, c_ts timestamp, c_tstz timestamptz, c_time time, c_uuid uuid,
      c_json json, c_jsonb jsonb,
      c_int4_arr integer[], c_int8_arr bigint[], c_text_arr text[],
      c_wide text);
    ALTER TABLE public.)sql" +
                 t + R"sql( ALTER COLUMN c_wide SET STORAGE EXTERNAL;
    CREATE FUNCTION gen_)sql" +
                 t + R"sql((a bigint, b bigint) RETURNS SETOF public.)sql" + t +
                 R"sql( LANGUAGE sql AS $$
    SELECT i,
      CASE WHEN i % 17 = 0 THEN NULL ELSE ((i * 31) % 65535 - 32767)::smallint END,
      ((i * 2654435761) % 4294967296 - 2147483648)::integer,
      CASE WHEN i % 19 = 0 THEN NULL WHEN i % 1000 = 1 THEN 9223372036854775807
           WHEN i % 1000 = 2 THEN -9223372036854775808 ELSE i * 1000003 * (1 - 2 * (i % 2)) END,
      CASE WHEN i % 13 = 0 THEN NULL ELSE round((i * 12345.6789)::numeric * (1 - 2 * (i % 2)), 4) END,
      CASE WHEN i % 14 = 0 THEN NULL ELSE (i::numeric * 1234567890123.0123456789) END,
      CASE WHEN i % 11 = 0 THEN NULL WHEN i % 5 = 0 THEN 'NaN'::numeric
           WHEN i % 5 = 1 THEN (i::numeric ^ 7) / 7 ELSE i::numeric / 3 * 1e-30 END,
      CASE WHEN i % 23 = 0 THEN NULL WHEN i % 1000 = 3 THEN 'NaN'::real
           WHEN i % 1000 = 4 THEN 'Infinity'::real WHEN i % 1000 = 5 THEN '-Infinity'::real
           ELSE (i / 7.0)::real END,
      CASE WHEN i % 24 = 0 THEN NULL WHEN i % 1000 = 6 THEN 1e308
           ELSE i / 3.0 * (1 - 2 * (i % 2)) END::double precision,
      CASE WHEN i % 3 = 0 THEN NULL ELSE i % 2 = 0 END,
      CASE WHEN i % 29 = 0 THEN NULL WHEN i % 31 = 0 THEN ''
           ELSE 'text ' || i || E' tab\t newline\n backslash\\ ''quote'' "dq" ünïcødé 😀' END,
      ('v' || md5(i::text))::varchar(50),
      CASE WHEN i % 37 = 0 THEN NULL ELSE substr(md5(i::text), 1, 3) END::char(5),
      CASE WHEN i % 41 = 0 THEN NULL ELSE decode(md5(i::text), 'hex') || '\x00ff0a09'::bytea END,
      CASE WHEN i % 43 = 0 THEN NULL ELSE date '2000-01-01' + (i % 40000 - 20000)::int END,
      CASE WHEN i % 47 = 0 THEN NULL
           ELSE timestamp '1950-01-01' + (i * 13 * 1000003123) * interval '1 microsecond' END,
      CASE WHEN i % 48 = 0 THEN NULL
           ELSE timestamptz '1960-06-01 00:00:00+00' + (i * 11 * 1000003127) * interval '1 microsecond' END,
      CASE WHEN i % 53 = 0 THEN NULL
           ELSE time '00:00' + ((i * 1234567891) % 86400000000) * interval '1 microsecond' END,
      CASE WHEN i % 59 = 0 THEN NULL ELSE md5(i::text)::uuid END,
      CASE WHEN i % 61 = 0 THEN NULL ELSE json_build_object('i', i, 's', 'x"y') END,
      CASE WHEN i % 62 = 0 THEN NULL ELSE jsonb_build_object('k', i, 'arr', jsonb_build_array(1, 'two', NULL)) END,
      CASE WHEN i % 67 = 0 THEN NULL WHEN i % 71 = 0 THEN '{}'::integer[]
           ELSE ARRAY[i::integer, NULL, -i::integer] END,
      CASE WHEN i % 73 = 0 THEN NULL ELSE ARRAY[i * 1000000000000, -1] END,
      CASE WHEN i % 79 = 0 THEN NULL
           ELSE ARRAY['a' || i, NULL, 'b c', 'q"uote', E'back\\slash', 'NULL', '', '{x,y}'] END,
      CASE WHEN i % 100 = 0 THEN repeat(md5(i::text), 80) ELSE NULL END
    FROM generate_series(a, b) AS i
    $$;
  )sql");
  // (PostgreSQL 12 wants each column of an SQL function's result in the declared type exactly:
  // the casts above.)
}

std::string InsertAllTypesSql(const std::string& table, int64_t from, int64_t to) {
  return "INSERT INTO public." + table + " SELECT * FROM gen_" + table + "(" +
         std::to_string(from) + ", " + std::to_string(to) + ")";
}

std::vector<CompareColumn> AllTypesColumns() {
  using K = CompareColumn;
  auto same = [](const std::string& c) {
    return CompareColumn{c + "::text", "toString(" + c + ")", K::kExact};
  };
  auto arr = [](const std::string& c) {
    // ClickHouse has no Nullable(Array): a NULL array arrives as [] (see README).
    return CompareColumn{
        "array_to_string(COALESCE(" + c + ", '{}'), '|', '<null>')",
        "arrayStringConcat(arrayMap(x -> ifNull(toString(x), '<null>'), " + c + "), '|')",
        K::kExact};
  };
  return {
      same("id"),
      same("c_int2"),
      same("c_int4"),
      same("c_int8"),
      {"c_num::text", "toString(c_num)", K::kNumber},
      {"c_num38::text", "toString(c_num38)", K::kNumber},
      same("c_numfree"),
      {"c_real::text", "toString(c_real)", K::kFloat},
      {"c_double::text", "toString(c_double)", K::kFloat},
      {"c_bool::text", "toString(c_bool)", K::kBool},
      {"c_text", "c_text", K::kExact},
      {"c_varchar", "c_varchar", K::kExact},
      {"c_char", "c_char", K::kExact},  // bpchar keeps its padding, as pgoutput sends it
      {"encode(c_bytea, 'hex')", "lower(hex(c_bytea))", K::kExact},
      same("c_date"),  // Date32 on modern servers; the generated dates are inside its range
      {"c_ts::text", "toString(c_ts)", K::kDateTime},
      {"(c_tstz AT TIME ZONE 'UTC')::text", "toString(c_tstz)", K::kDateTime},
      same("c_time"),
      same("c_uuid"),
      {"c_json::text", "c_json", K::kExact},
      {"c_jsonb::text", "c_jsonb", K::kExact},
      arr("c_int4_arr"),
      arr("c_int8_arr"),
      arr("c_text_arr"),
      {"c_wide", "c_wide", K::kExact},
  };
}

}  // namespace pg2ch::test
