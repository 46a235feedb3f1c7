#include "destination/clickhouse/ewkb_text.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "common/error.h"

namespace pg2ch {
namespace {

constexpr uint32_t kZFlag = 0x80000000, kMFlag = 0x40000000, kSridFlag = 0x20000000;
constexpr int kMaxDepth = 32;  // nested collections; deeper is not a value PostGIS makes

enum Type : uint32_t {
  kPoint = 1,
  kLineString,
  kPolygon,
  kMultiPoint,
  kMultiLineString,
  kMultiPolygon,
  kCollection,
  kCircularString,
  kCompoundCurve,
  kCurvePolygon,
  kMultiCurve,
  kMultiSurface,
  kPolyhedralSurface = 15,
  kTin,
  kTriangle,
};

const char* TypeName(uint32_t type) {
  switch (type) {
    case kPoint:
      return "POINT";
    case kLineString:
      return "LINESTRING";
    case kPolygon:
      return "POLYGON";
    case kMultiPoint:
      return "MULTIPOINT";
    case kMultiLineString:
      return "MULTILINESTRING";
    case kMultiPolygon:
      return "MULTIPOLYGON";
    case kCollection:
      return "GEOMETRYCOLLECTION";
    case kCircularString:
      return "CIRCULARSTRING";
    case kCompoundCurve:
      return "COMPOUNDCURVE";
    case kCurvePolygon:
      return "CURVEPOLYGON";
    case kMultiCurve:
      return "MULTICURVE";
    case kMultiSurface:
      return "MULTISURFACE";
    case kPolyhedralSurface:
      return "POLYHEDRALSURFACE";
    case kTin:
      return "TIN";
    case kTriangle:
      return "TRIANGLE";
    default:
      return nullptr;
  }
}

class EwkbReader {
 public:
  EwkbReader(std::string_view hex) : hex_(hex) {
    if (hex.size() % 2 != 0) Malformed("odd number of hex digits");
    bytes_.reserve(hex.size() / 2);
    for (size_t i = 0; i < hex.size(); i += 2) {
      int hi = Digit(hex[i]), lo = Digit(hex[i + 1]);
      if (hi < 0 || lo < 0) Malformed("not hex");
      bytes_.push_back(static_cast<uint8_t>(hi * 16 + lo));
    }
  }

  std::string Text() {
    std::string out;
    Geometry(out, true, 0, true);
    if (pos_ != bytes_.size()) Malformed("bytes after the geometry");
    return out;
  }

 private:
  static int Digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  [[noreturn]] void Malformed(const char* why) const {
    ThrowFatal("cannot read geometry value '" + std::string(hex_.substr(0, 200)) + "': " + why);
  }

  void Need(size_t n) const {
    if (n > bytes_.size() - pos_) Malformed("it ends early");
  }

  // The next `width` bytes as an unsigned integer in the geometry's byte order.
  uint64_t Unsigned(int width) {
    Need(static_cast<size_t>(width));
    uint64_t v = 0;
    for (int i = 0; i < width; ++i) {
      uint64_t b = bytes_[pos_ + static_cast<size_t>(i)];
      v |= little_ ? b << (8 * i) : b << (8 * (width - 1 - i));
    }
    pos_ += static_cast<size_t>(width);
    return v;
  }

  uint32_t U32() { return static_cast<uint32_t>(Unsigned(4)); }

  // A count of items each at least `item_bytes` long: larger than what is left is corrupt.
  uint32_t Count(size_t item_bytes) {
    uint32_t n = U32();
    if (item_bytes > 0 && n > (bytes_.size() - pos_) / item_bytes) Malformed("a count too large");
    return n;
  }

  double F64() {
    uint64_t v = Unsigned(8);
    double d;
    std::memcpy(&d, &v, sizeof d);
    return d;
  }

  static void Number(double d, std::string& out) {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
    out.append(buf, end);
  }

  void Point(std::string& out) {
    for (int i = 0; i < dims_; ++i) {
      if (i > 0) out.push_back(' ');
      Number(F64(), out);
    }
  }

  // n items: " EMPTY" for none, else "(a,b,...)", each printed by `item`.
  template <typename Item>
  static void List(uint32_t n, std::string& out, Item&& item) {
    if (n == 0) {
      out.append(" EMPTY");
      return;
    }
    out.push_back('(');
    for (uint32_t i = 0; i < n; ++i) {
      if (i > 0) out.push_back(',');
      item();
    }
    out.push_back(')');
  }

  void Points(std::string& out) {
    List(Count(static_cast<size_t>(dims_) * 8), out, [&] { Point(out); });
  }

  void Rings(std::string& out) {
    List(Count(4), out, [&] {
      size_t at = out.size();
      Points(out);
      if (out.compare(at, std::string::npos, " EMPTY") == 0) out.replace(at, 6, "EMPTY");
    });
  }

  // One geometry with its header. `named`: print its type name (members of MULTI* and of
  // compound types leave it out when they are of the plain linear kind). `top`: the only place an
  // SRID may be.
  void Geometry(std::string& out, bool named, int depth, bool top) {
    if (depth > kMaxDepth) Malformed("nested too deeply");
    Need(1);
    uint8_t order = bytes_[pos_++];
    if (order > 1) Malformed("bad byte order");
    little_ = order == 1;
    uint32_t raw = U32();
    uint32_t type = raw & 0x0fffffff;
    bool z = (raw & kZFlag) != 0, m = (raw & kMFlag) != 0;
    if (type >= 1000 && type < 4000) {  // ISO WKB
      z = z || type / 1000 == 1 || type / 1000 == 3;
      m = m || type / 1000 == 2 || type / 1000 == 3;
      type %= 1000;
    }
    if (raw & kSridFlag) {
      uint32_t srid = U32();
      if (!top) Malformed("an SRID inside a collection");
      out += "SRID=" + std::to_string(static_cast<int32_t>(srid)) + ";";
    }
    const char* name = TypeName(type);
    if (name == nullptr) Malformed("unknown geometry type");
    dims_ = 2 + (z ? 1 : 0) + (m ? 1 : 0);
    bool bare = !named && (type == kLineString || type == kPolygon || type == kTriangle);
    if (!bare) {
      out += name;
      if (m && !z) out.push_back('M');
    }
    switch (type) {
      case kPoint: {
        size_t at = out.size();
        out.push_back('(');
        bool empty = true;
        std::string coords;
        for (int i = 0; i < dims_; ++i) {
          double d = F64();
          empty = empty && std::isnan(d);
          if (i > 0) coords.push_back(' ');
          Number(d, coords);
        }
        if (empty) {
          out.resize(at);
          out += " EMPTY";
        } else {
          out += coords + ")";
        }
        return;
      }
      case kLineString:
      case kCircularString:
        return Points(out);
      case kPolygon:
      case kTriangle:
        return Rings(out);
      default:
        break;
    }
    // Collections: members follow, each a geometry of its own.
    List(Count(5), out, [&] {
      if (type == kMultiPoint) {
        // MULTIPOINT(1 2,3 4): the members' coordinates only.
        Need(5);
        std::string member;
        Geometry(member, false, depth + 1, false);
        size_t open = member.find('(');
        out +=
            open == std::string::npos ? "EMPTY" : member.substr(open + 1, member.size() - open - 2);
        return;
      }
      bool member_named = type == kCollection;
      Geometry(out, member_named, depth + 1, false);
    });
  }

  std::string_view hex_;
  std::vector<uint8_t> bytes_;
  size_t pos_ = 0;
  bool little_ = true;
  int dims_ = 2;
};

}  // namespace

std::string EwkbHexToEwkt(std::string_view hex) { return EwkbReader(hex).Text(); }

}  // namespace pg2ch
