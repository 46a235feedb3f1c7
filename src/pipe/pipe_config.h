// A pipe's definition, as the user writes it in JSON (see README "Pipe file").
//
// Parsing validates shape and values and throws PipeError(kFatal) naming the field at fault;
// whether the tables exist is checked later, against the servers, at Setup.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pg2ch {

enum class ReplicationMode { kSnapshotAndCdc, kCdcOnly, kSnapshotOnly };

struct PostgresEndpoint {
  std::string host = "127.0.0.1";
  int port = 5432;
  std::string user;
  std::string password;  // never logged or printed
  std::string database;
  std::string sslmode = "prefer";
};

struct ClickHouseEndpoint {
  std::string url = "http://127.0.0.1:8123";
  std::string user = "default";
  std::string password;  // never logged or printed
  std::string database;
};

struct TableMapping {
  std::string source_schema = "public";
  std::string source_table;
  std::string target_table;  // defaults to source_table
};

struct PipeConfig {
  std::string name;  // [a-z0-9_], unique in the catalog
  PostgresEndpoint source;
  ClickHouseEndpoint destination;
  std::vector<TableMapping> tables;
  ReplicationMode mode = ReplicationMode::kSnapshotAndCdc;
  std::string publication;  // default peerflow_pub_<name>
  std::string slot;         // default peerflow_slot_<name>
  double sync_interval_seconds = 1.0;
  int64_t pull_batch_size = 100000;
};

PipeConfig ParsePipeConfig(const std::string& json_text);
std::string PipeConfigToJson(const PipeConfig& config);  // includes passwords: for the catalog only
std::string ModeName(ReplicationMode mode);

}  // namespace pg2ch
