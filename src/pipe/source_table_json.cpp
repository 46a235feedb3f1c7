#include "pipe/source_table_json.h"

#include <nlohmann/json.hpp>

#include "common/error.h"

namespace pg2ch {

using nlohmann::json;

std::string SourceTableToJson(const SourceTable& t) {
  json cols = json::array();
  for (const auto& c : t.columns) {
    json col = {{"name", c.name},
                {"type_oid", c.type_oid},
                {"typmod", c.typmod},
                {"type_name", c.type_name},
                {"nullable", c.nullable},
                {"is_key", c.is_key},
                {"element_oid", c.element_oid}};
    if (c.base_oid != 0)
      col["base"] = {{"oid", c.base_oid},
                     {"typmod", c.base_typmod},
                     {"kind", std::string(1, c.base_kind)},
                     {"name", c.base_name},
                     {"delim", std::string(1, c.array_delim)},
                     {"dims", c.array_dims}};
    cols.push_back(std::move(col));
  }
  json doc = {{"schema", t.schema}, {"name", t.name}, {"relid", t.relid}, {"columns", cols}};
  if (!t.excluded.empty()) doc["excluded"] = t.excluded;
  if (!t.row_filter.empty()) doc["row_filter"] = t.row_filter;
  if (t.identity != RowIdentity::kKey)
    doc["identity"] = t.identity == RowIdentity::kFullRow ? "full" : "insert_only";
  return doc.dump();
}

SourceTable SourceTableFromJson(const std::string& text) {
  try {
    json j = json::parse(text);
    SourceTable t;
    t.schema = j.at("schema").get<std::string>();
    t.name = j.at("name").get<std::string>();
    t.relid = j.at("relid").get<uint32_t>();
    for (const auto& c : j.at("columns")) {
      SourceColumn col;
      col.name = c.at("name").get<std::string>();
      col.type_oid = c.at("type_oid").get<uint32_t>();
      col.typmod = c.at("typmod").get<int32_t>();
      col.type_name = c.at("type_name").get<std::string>();
      col.nullable = c.at("nullable").get<bool>();
      col.is_key = c.at("is_key").get<bool>();
      col.element_oid = c.at("element_oid").get<uint32_t>();
      // Absent in definitions recorded before domains and text-form types: built-in types only.
      if (auto b = c.find("base"); b != c.end()) {
        col.base_oid = b->at("oid").get<uint32_t>();
        col.base_typmod = b->at("typmod").get<int32_t>();
        col.base_kind = b->at("kind").get<std::string>().at(0);
        col.base_name = b->at("name").get<std::string>();
        col.array_delim = b->at("delim").get<std::string>().at(0);
        col.array_dims = b->at("dims").get<int>();
      }
      t.columns.push_back(std::move(col));
    }
    // Absent in definitions recorded before columns could be excluded.
    if (auto it = j.find("excluded"); it != j.end())
      t.excluded = it->get<std::vector<std::string>>();
    if (auto it = j.find("row_filter"); it != j.end()) t.row_filter = it->get<std::string>();
    // Absent for tables with a key (and in definitions recorded before keyless tables).
    if (auto it = j.find("identity"); it != j.end()) {
      std::string identity = it->get<std::string>();
      if (identity == "full")
        t.identity = RowIdentity::kFullRow;
      else if (identity == "insert_only")
        t.identity = RowIdentity::kInsertOnly;
      else
        ThrowFatal("catalog: bad table identity \"" + identity + "\"");
    }
    return t;
  } catch (const json::exception& e) {
    ThrowFatal(std::string("catalog: bad table definition: ") + e.what());
  }
}

}  // namespace pg2ch
