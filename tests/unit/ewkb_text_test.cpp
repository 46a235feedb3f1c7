// PostGIS's hex EWKB to EWKT, on values PostGIS 3 prints (checked with ST_AsEWKB).
#include "destination/clickhouse/ewkb_text.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace pg2ch {
namespace {

TEST(EwkbText, PointsWithAndWithoutSridZAndM) {
  EXPECT_EQ(EwkbHexToEwkt("0101000000000000000000F03F0000000000000040"), "POINT(1 2)");
  EXPECT_EQ(EwkbHexToEwkt("0101000020E6100000000000000000F03F0000000000000040"),
            "SRID=4326;POINT(1 2)");
  // Big endian reads the same.
  EXPECT_EQ(EwkbHexToEwkt("00000000013FF00000000000004000000000000000"), "POINT(1 2)");
  // Z flag, and M alone (POINTM), 0.1 printed exactly (shortest round trip).
  EXPECT_EQ(EwkbHexToEwkt("0101000080000000000000F03F00000000000000409A9999999999B93F"),
            "POINT(1 2 0.1)");
  EXPECT_EQ(EwkbHexToEwkt("0101000040000000000000F03F00000000000000400000000000000840"),
            "POINTM(1 2 3)");
  // POINT EMPTY: NaN coordinates.
  EXPECT_EQ(EwkbHexToEwkt("0101000000000000000000F87F000000000000F87F"), "POINT EMPTY");
}

TEST(EwkbText, LinesAndCollections) {
  EXPECT_EQ(EwkbHexToEwkt("010200000002000000"
                          "0000000000000000"
                          "0000000000000000"
                          "000000000000F03F"
                          "000000000000F03F"),
            "LINESTRING(0 0,1 1)");
  EXPECT_EQ(EwkbHexToEwkt("010200000000000000"), "LINESTRING EMPTY");
  // MULTIPOINT(1 2,3 4): members are points, printed as bare coordinates.
  EXPECT_EQ(EwkbHexToEwkt("0104000000020000000101000000000000000000F03F000000000000004001010000"
                          "0000000000000008400000000000001040"),
            "MULTIPOINT(1 2,3 4)");
  // GEOMETRYCOLLECTION(POINT(1 2)): members keep their names.
  EXPECT_EQ(EwkbHexToEwkt("0107000000010000000101000000000000000000F03F0000000000000040"),
            "GEOMETRYCOLLECTION(POINT(1 2))");
}

TEST(EwkbText, MalformedValuesAreRefused) {
  for (const char* bad : {"", "01", "0101000000000000000000F03F", "zz", "0201000000", "0163000000",
                          "0101000000000000000000F03F0000000000000040FF", "0102000000FFFFFFFF"})
    EXPECT_THROW(EwkbHexToEwkt(bad), PipeError) << bad;
}

}  // namespace
}  // namespace pg2ch
