#include "pipe/source_table_json.h"

#include <nlohmann/json.hpp>

#include "common/error.h"

namespace pg2ch {

using nlohmann::json;

std::string SourceTableToJson(const SourceTable& t) {
  json cols = json::array();
  for (const auto& c : t.columns)
    cols.push_back({{"name", c.name},
                    {"type_oid", c.type_oid},
                    {"typmod", c.typmod},
                    {"type_name", c.type_name},
                    {"nullable", c.nullable},
                    {"is_key", c.is_key},
                    {"element_oid", c.element_oid}});
  json doc = {{"schema", t.schema}, {"name", t.name}, {"relid", t.relid}, {"columns", cols}};
  if (!t.excluded.empty()) doc["excluded"] = t.excluded;
  return doc.dump();
}

SourceTable SourceTableFromJson(const std::string& text) {
  try {
    json j = json::parse(text);
    SourceTable t;
    t.schema = j.at("schema").get<std::string>();
    t.name = j.at("name").get<std::string>();
    t.relid = j.at("relid").get<uint32_t>();
    for (const auto& c : j.at("columns"))
      t.columns.push_back({c.at("name").get<std::string>(), c.at("type_oid").get<uint32_t>(),
                           c.at("typmod").get<int32_t>(), c.at("type_name").get<std::string>(),
                           c.at("nullable").get<bool>(), c.at("is_key").get<bool>(),
                           c.at("element_oid").get<uint32_t>()});
    // Absent in definitions recorded before columns could be excluded.
    if (auto it = j.find("excluded"); it != j.end())
      t.excluded = it->get<std::vector<std::string>>();
    return t;
  } catch (const json::exception& e) {
    ThrowFatal(std::string("catalog: bad table definition: ") + e.what());
  }
}

}  // namespace pg2ch
