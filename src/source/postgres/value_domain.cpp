#include "source/postgres/value_domain.h"

#include "common/sql_quote.h"
#include "source/postgres/value_image.h"

namespace pg2ch {
namespace {

// The kinds beyond integers: their type oid, and the type their literals are cast to.
struct KindType {
  ValueKind kind;
  uint32_t oid;
  const char* sql_type;
};
constexpr KindType kKindTypes[] = {
    {ValueKind::kNumeric, 1700, "pg_catalog.numeric"},
    {ValueKind::kTimestamp, 1114, "pg_catalog.timestamp"},
    {ValueKind::kTimestamptz, 1184, "pg_catalog.timestamptz"},
    {ValueKind::kDate, 1082, "pg_catalog.date"},
};

std::string SqlType(ValueKind kind) {
  for (const KindType& k : kKindTypes)
    if (k.kind == kind) return k.sql_type;
  return "pg_catalog.int8";
}

std::optional<std::string> Literal(ValueKind kind, const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  return PgLiteral(*text) + "::" + SqlType(kind);
}

}  // namespace

const char* const kPartitionTypeNames =
    "smallint, integer, bigint, numeric, date, timestamp or timestamp with time zone";

std::optional<ValueKind> PartitionValueKind(uint32_t type_oid) {
  if (IsIntegerPartitionType(type_oid)) return ValueKind::kInteger;
  for (const KindType& k : kKindTypes)
    if (k.oid == type_oid) return k.kind;
  return std::nullopt;
}

std::optional<int64_t> ParseIntegerBound(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  return ValueImage(ValueKind::kInteger, 0).Of(*text);
}

std::vector<LiteralRange> PlanLiteralRanges(ValueKind kind, const std::optional<std::string>& min,
                                            const std::optional<std::string>& max,
                                            double estimated_rows, int64_t rows_per_partition,
                                            int64_t max_partitions) {
  ValueImage image = ValueImage::Spanning(kind, min, max);
  auto of = [&](const std::optional<std::string>& text) -> std::optional<int64_t> {
    if (!text) return std::nullopt;
    return image.Of(*text);
  };
  std::vector<LiteralRange> out;
  for (const ValueRange& r :
       PlanValueRanges(of(min), of(max), estimated_rows, rows_per_partition, max_partitions)) {
    LiteralRange range;
    if (r.lower) range.lower = image.Text(*r.lower);
    if (r.upper) range.upper = image.Text(*r.upper);
    out.push_back(std::move(range));
  }
  return out;
}

std::string LiteralRangeCondition(const std::string& column, ValueKind kind,
                                  const LiteralRange& range, bool with_nulls) {
  return ValueRangeCondition(column, Literal(kind, range.lower), Literal(kind, range.upper),
                             with_nulls);
}

std::string FiniteCondition(ValueKind kind, const std::string& column, int server_version) {
  std::string col = PgIdent(column);
  switch (kind) {
    case ValueKind::kInteger:
      return "";
    case ValueKind::kNumeric:
      // NaN sorts above Infinity, so one comparison leaves out both.
      if (server_version >= 140000)
        return col + " > " + *Literal(kind, "-Infinity") + " AND " + col + " < " +
               *Literal(kind, "Infinity");
      return col + " < " + *Literal(kind, "NaN");
    case ValueKind::kTimestamp:
    case ValueKind::kTimestamptz:
    case ValueKind::kDate:
      return col + " > " + *Literal(kind, "-infinity") + " AND " + col + " < " +
             *Literal(kind, "infinity");
  }
  return "";
}

}  // namespace pg2ch
