// PostGIS geometry and geography values, as their output function prints them (hex EWKB), into
// EWKT: "SRID=4326;POINT(1 2)". Pure, no I/O; every read is bounds-checked.
//
// EWKB: byte order (0 big, 1 little endian), a uint32 type whose low bits are the geometry type
// (1 Point .. 7 GeometryCollection, 8-17 the curve, surface and TIN types) and whose high bits
// flag Z (0x80000000), M (0x40000000) and an SRID (0x20000000) that follows; ISO WKB's +1000 /
// +2000 / +3000 type codes are read too. Then coordinates (NaN for an empty point), counts, or
// nested geometries, each with its own byte order and type.
// The text follows PostGIS's EWKT (POINTM for M without Z, MULTIPOINT(1 2,3 4), linear members
// of compound types without their name), with every coordinate printed in the shortest form that
// reads back to the same double: exact, unlike ST_AsEWKT's 15 digits.
#pragma once

#include <string>
#include <string_view>

namespace pg2ch {

// Throws PipeError(kFatal) naming the value when it is not hex EWKB.
std::string EwkbHexToEwkt(std::string_view hex);

}  // namespace pg2ch
