// PostGIS geometry and geography (Debian's postgresql-15-postgis-3) replicate as EWKT with their
// SRID, exactly: every value ClickHouse holds reads back in PostGIS to the very same EWKB.
#include <gtest/gtest.h>
#include <signal.h>

#include "harness/engine_test.h"
#include "pipe_test_support.h"

namespace pg2ch::test {
namespace {

constexpr double kWait = 120;

// Rows whose ClickHouse EWKT does not read back to PostgreSQL's value ("" when none), and the
// number of rows compared.
std::string Mismatches(const TestDatabases& dbs, size_t& compared) {
  std::string answer =
      ChQuery(dbs.ch, "SELECT id, g, geog FROM `" + dbs.ch.database +
                          "`.geo FINAL WHERE _peerdb_is_deleted = 0 ORDER BY id FORMAT TSV");
  std::string values;
  compared = 0;
  for (size_t pos = 0; pos < answer.size();) {
    size_t end = answer.find('\n', pos);
    std::string line = answer.substr(pos, end - pos);
    pos = end + 1;
    size_t a = line.find('\t'), b = line.find('\t', a + 1);
    auto lit = [](const std::string& v) { return v == "\\N" ? "NULL" : "'" + v + "'"; };
    values += std::string(values.empty() ? "" : ", ") + "(" + line.substr(0, a) + ", " +
              lit(line.substr(a + 1, b - a - 1)) + ", " + lit(line.substr(b + 1)) + ")";
    ++compared;
  }
  if (values.empty()) return "clickhouse has no rows";
  auto rows = PgQuery(
      dbs.pg,
      "SELECT string_agg(geo.id::text || ': ' || COALESCE(v.g, 'NULL'), '; ') FROM geo FULL JOIN "
      "(VALUES " +
          values +
          ") AS v(id, g, geog) ON v.id = geo.id WHERE geo.id IS NULL OR v.id IS NULL OR "
          "ST_AsEWKB(ST_GeomFromEWKT(v.g)) IS DISTINCT FROM ST_AsEWKB(geo.g) OR "
          "ST_AsEWKB(ST_GeomFromEWKT(v.geog)) IS DISTINCT FROM ST_AsEWKB(geo.geog::geometry)");
  return rows[0][0] == "\\N" ? "" : rows[0][0];
}

class PostGis : public EngineTest {};

TEST_P(PostGis, GeometryAndGeographyAsExactEwkt) {
  TestDatabases dbs = NewDatabases("postgis");
  const std::string pipe = PipeName("postgis");
  PgExec(dbs.pg, R"sql(
    CREATE EXTENSION IF NOT EXISTS postgis;
    CREATE TABLE geo (id int PRIMARY KEY, g geometry, geog geography);
    INSERT INTO geo VALUES
      (1, 'SRID=4326;POINT(1.1 2.2)', 'SRID=4326;POINT(-71.0603 42.3583)'),
      (2, 'LINESTRING(0 0,1 1,2 0.1)', NULL),
      (3, 'SRID=3857;POLYGON((0 0,10 0,10 10,0 10,0 0),(1 1,2 1,2 2,1 1))', NULL),
      (4, 'MULTIPOINT(1 2,3 4)', 'SRID=4326;MULTIPOINT(1 2,3 4)'),
      (5, 'MULTILINESTRING((0 0,1 1),(2 2,3 3))', NULL),
      (6, 'MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))', NULL),
      (7, 'GEOMETRYCOLLECTION(POINT(1 2),LINESTRING(0 0,1 1),POLYGON((0 0,1 0,1 1,0 0)))', NULL),
      (8, 'POINT Z (1 2 3)', NULL),
      (9, 'POINTM(1 2 3)', NULL),
      (10, 'POINT ZM (1 2 3 4)', NULL),
      (11, 'CIRCULARSTRING(0 0,1 1,2 0)', NULL),
      (12, 'COMPOUNDCURVE(CIRCULARSTRING(0 0,1 1,1 0),(1 0,0 1))', NULL),
      (13, 'CURVEPOLYGON(CIRCULARSTRING(0 0,4 0,4 4,0 4,0 0),(1 1,3 3,3 1,1 1))', NULL),
      (14, 'MULTICURVE((0 0,5 5),CIRCULARSTRING(4 0,4 4,8 4))', NULL),
      (15, 'MULTISURFACE(CURVEPOLYGON(CIRCULARSTRING(0 0,4 0,4 4,0 4,0 0)),((7 8,10 10,6 14,4 11,7 8)))', NULL),
      (16, 'POLYHEDRALSURFACE(((0 0 0,0 0 1,0 1 1,0 1 0,0 0 0)),((0 0 0,0 1 0,1 1 0,1 0 0,0 0 0)))', NULL),
      (17, 'TIN(((0 0 0,0 0 1,0 1 0,0 0 0)),((0 0 0,0 1 0,1 1 0,0 0 0)))', NULL),
      (18, 'TRIANGLE((0 0,0 9,9 0,0 0))', NULL),
      (19, 'POINT EMPTY', NULL),
      (20, 'GEOMETRYCOLLECTION EMPTY', NULL),
      (21, NULL, 'SRID=4326;LINESTRING(-122.33 47.606,0.1 51.5)');
    INSERT INTO geo SELECT i,
        ST_SetSRID(ST_MakePoint(random() * 360 - 180, random() * 180 - 90), 4326),
        ST_MakePoint(random() * 360 - 180, random() * 180 - 90)::geography
      FROM generate_series(100, 1100) i;
  )sql");
  PipeFiles files = WritePipe(dbs, pipe, {"public.geo"});
  auto pg2ch = StartPg2ch(files);
  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kRunning, kWait)) << pg2ch->Output();
  size_t compared = 0;
  std::string diff;
  WaitUntil(kWait, [&] { return (diff = Mismatches(dbs, compared)).empty(); });
  EXPECT_EQ(diff, "") << pg2ch->Output();
  EXPECT_EQ(compared, 1022u);
  EXPECT_EQ(ChQuery(dbs.ch, "SELECT g FROM `" + dbs.ch.database + "`.geo WHERE id = 1"),
            "SRID=4326;POINT(1.1 2.2)\n");

  PgExec(dbs.pg, R"sql(
    UPDATE geo SET g = ST_Translate(g, 0.5, 0.25) WHERE id % 3 = 0 AND g IS NOT NULL
      AND NOT ST_IsEmpty(g) AND GeometryType(g) NOT IN ('TIN', 'POLYHEDRALSURFACE', 'TRIANGLE');
    DELETE FROM geo WHERE id % 7 = 0;
    INSERT INTO geo VALUES (2000, 'SRID=4269;MULTIPOLYGON(((1 1,2 1,2 2,1 1)))', NULL);
  )sql");
  WaitUntil(kWait, [&] { return (diff = Mismatches(dbs, compared)).empty(); });
  EXPECT_EQ(diff, "") << pg2ch->Output();
  pg2ch->Signal(SIGTERM);
  EXPECT_EQ(pg2ch->Wait(30), 0) << pg2ch->Output();
}

PG2CH_INSTANTIATE_ENGINE_TESTS(PostGis);

}  // namespace
}  // namespace pg2ch::test
