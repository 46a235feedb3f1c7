#include "chdb_engine.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "clickhouse_errors.h"

namespace pg2ch::chdb_front {
namespace {

// The part of libchdb's C API (programs/local/chdb.h of chdb 26.7) the front calls. The library
// ships no header, so the declarations are repeated here; the handles are opaque (chdb_result is
// declared in the header).
struct chdb_connection_ {
  void* internal_data;
};
using chdb_connection = chdb_connection_*;
struct chdb_insert_stream_ {
  void* internal_data;
};
using chdb_insert_stream = chdb_insert_stream_*;

// Insert data goes to the engine in pieces of this size (chdb_stream_append copies each).
constexpr size_t kAppendBytes = size_t{1} << 20;
struct chdb_query_analysis_v1 {
  uint32_t struct_size;  // set by the caller to sizeof(chdb_query_analysis_v1)
  uint32_t statement_count;
  uint32_t flags;
  uint32_t query_class;  // chdb_query_class: the order of StatementClass
};

std::string QuoteIdentifier(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`' || c == '\\') out += '\\';
    out += c;
  }
  return out + "`";
}

}  // namespace

struct ChdbEngine::Api {
  void* handle = nullptr;
  chdb_connection* (*connect)(int, char**) = nullptr;
  void (*close_conn)(chdb_connection*) = nullptr;
  chdb_result* (*query_n)(chdb_connection, const char*, size_t, const char*, size_t) = nullptr;
  char* (*result_buffer)(chdb_result*) = nullptr;
  size_t (*result_length)(chdb_result*) = nullptr;
  const char* (*result_error)(chdb_result*) = nullptr;
  uint64_t (*result_rows_written)(chdb_result*) = nullptr;
  void (*destroy_result)(chdb_result*) = nullptr;
  int (*classify_n)(chdb_connection, const char*, size_t, const char*, size_t,
                    chdb_query_analysis_v1*) = nullptr;
  void (*set_signal_handlers_enabled)(int) = nullptr;
  chdb_insert_stream (*stream_insert_n)(chdb_connection, const char*, size_t, const char*,
                                        size_t) = nullptr;
  int (*stream_append)(chdb_insert_stream, const void*, size_t) = nullptr;  // 0: success
  chdb_result* (*stream_done)(chdb_insert_stream) = nullptr;
  const char* (*stream_insert_error)(chdb_insert_stream) = nullptr;
  void (*destroy_insert_stream)(chdb_insert_stream) = nullptr;  // cancels an unfinished one

  explicit Api(const std::string& path) {
    handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      throw std::runtime_error("cannot load libchdb from " + path + ": " + dlerror() +
                               " (scripts/fetch-chdb.sh fetches it)");
    }
    Bind(connect, "chdb_connect", path);
    Bind(close_conn, "chdb_close_conn", path);
    Bind(query_n, "chdb_query_n", path);
    Bind(result_buffer, "chdb_result_buffer", path);
    Bind(result_length, "chdb_result_length", path);
    Bind(result_error, "chdb_result_error", path);
    Bind(result_rows_written, "chdb_result_rows_written", path);
    Bind(destroy_result, "chdb_destroy_query_result", path);
    Bind(classify_n, "chdb_classify_query_n", path);
    Bind(set_signal_handlers_enabled, "chdb_set_signal_handlers_enabled", path);
    Bind(stream_insert_n, "chdb_stream_insert_n", path);
    Bind(stream_append, "chdb_stream_append", path);
    Bind(stream_done, "chdb_stream_done", path);
    Bind(stream_insert_error, "chdb_stream_insert_error", path);
    Bind(destroy_insert_stream, "chdb_destroy_insert_stream", path);
  }
  // The engine's threads may still run: unloading the code under them would crash them.
  ~Api() = default;

  template <typename F>
  void Bind(F& function, const char* name, const std::string& path) {
    function = reinterpret_cast<F>(dlsym(handle, name));
    if (function == nullptr) {
      throw std::runtime_error(path + " has no symbol " + name +
                               ": not the libchdb version the front was written for (26.7)");
    }
  }
};

// One libchdb connection, closed on destruction.
class ChdbEngine::Connection {
 public:
  Connection(Api& api, chdb_connection* conn) : api_(api), conn_(conn) {}
  ~Connection() { api_.close_conn(conn_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  chdb_connection get() const { return *conn_; }

 private:
  Api& api_;
  chdb_connection* conn_;
};

ChdbEngine::ChdbEngine(const std::string& library_path, const std::string& data_path)
    : api_(std::make_unique<Api>(library_path)), data_path_(data_path) {
  // The front handles its own signals; libchdb's handlers would outlive a SIGTERM.
  api_->set_signal_handlers_enabled(0);
  std::string program = "chdb_http_server";
  std::string path_arg = "--path=" + data_path_;
  char* argv[] = {program.data(), path_arg.data()};
  chdb_connection* conn = api_->connect(2, argv);
  if (conn == nullptr) throw std::runtime_error("libchdb cannot open data path " + data_path_);
  boot_ = std::make_unique<Connection>(*api_, conn);

  EngineResult version = Run(*boot_, "SELECT version()", "TabSeparated");
  EngineResult names = Run(*boot_, "SELECT name FROM system.settings", "TabSeparated");
  if (!version.ok || !names.ok) {
    throw std::runtime_error("libchdb does not answer: " + version.error + names.error);
  }
  version_ = version.data.substr(0, version.data.find('\n'));
  size_t start = 0;
  for (size_t end; (end = names.data.find('\n', start)) != std::string::npos; start = end + 1) {
    settings_.emplace(names.data.substr(start, end - start));
  }
  if (settings_.empty()) throw std::runtime_error("libchdb lists no settings");
}

ChdbEngine::~ChdbEngine() {
  std::lock_guard lock(mutex_);
  boot_.reset();
}

EngineResult ChdbEngine::TakeResult(chdb_result* result) {
  EngineResult out;
  if (result == nullptr) {
    out.error = "libchdb returned no result";
    return out;
  }
  const char* error = api_->result_error(result);
  if (error != nullptr) {
    out.error = error;
    // A failure must never read as success, even with an empty message.
    if (out.error.empty()) out.error = "libchdb reported an error without a message";
  } else {
    out.ok = true;
    const char* buffer = api_->result_buffer(result);
    if (buffer != nullptr) out.data.assign(buffer, api_->result_length(result));
    out.rows_written = api_->result_rows_written(result);
  }
  api_->destroy_result(result);
  return out;
}

EngineResult ChdbEngine::Run(Connection& connection, std::string_view sql,
                             std::string_view format) {
  return TakeResult(
      api_->query_n(connection.get(), sql.data(), sql.size(), format.data(), format.size()));
}

EngineResult ChdbEngine::Insert(Connection& connection, std::string_view head,
                                std::string_view format, std::string_view data) {
  chdb_insert_stream stream = api_->stream_insert_n(connection.get(), head.data(), head.size(),
                                                    format.data(), format.size());
  // Destroyed on every path; an unfinished stream is cancelled, so nothing of it is stored.
  std::unique_ptr<chdb_insert_stream_, void (*)(chdb_insert_stream)> guard(
      stream, api_->destroy_insert_stream);
  auto failed = [&](const char* what) {
    const char* error = stream != nullptr ? api_->stream_insert_error(stream) : nullptr;
    EngineResult out;
    out.error = error != nullptr && error[0] != '\0' ? error : what;
    return out;
  };
  if (stream == nullptr) return failed("libchdb could not start the insert");
  if (api_->stream_insert_error(stream) != nullptr) return failed("the insert did not start");
  for (size_t at = 0; at < data.size(); at += kAppendBytes) {
    size_t size = std::min(kAppendBytes, data.size() - at);
    if (api_->stream_append(stream, data.data() + at, size) != 0) {
      return failed("libchdb refused insert data");
    }
  }
  return TakeResult(api_->stream_done(stream));
}

EngineResult ChdbEngine::Execute(const EngineRequest& request) {
  std::vector<std::string> args = {"chdb_http_server", "--path=" + data_path_};
  for (const auto& [name, value] : request.settings) args.push_back("--" + name + "=" + value);
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());

  std::lock_guard lock(mutex_);
  chdb_connection* conn = api_->connect(static_cast<int>(argv.size()), argv.data());
  if (conn == nullptr) {
    std::string list;
    for (const auto& [name, value] : request.settings) list += " " + name + "=" + value;
    EngineResult refused;
    refused.error = FormatException(ch_code::kBadArguments,
                                    "libchdb refused a connection with the settings" + list);
    return refused;
  }
  Connection connection(*api_, conn);
  if (!request.database.empty()) {
    EngineResult use = Run(connection, "USE " + QuoteIdentifier(request.database), "TabSeparated");
    if (!use.ok) return use;
  }
  if (!request.insert_format.empty()) {
    return Insert(connection, request.sql, request.insert_format, request.insert_data);
  }
  const std::string format =
      request.default_format.empty() ? "TabSeparated" : request.default_format;
  return Run(connection, request.sql, format);
}

StatementInfo ChdbEngine::Classify(std::string_view sql) {
  chdb_query_analysis_v1 analysis{};
  analysis.struct_size = sizeof(analysis);
  std::lock_guard lock(mutex_);
  if (api_->classify_n(boot_->get(), sql.data(), sql.size(), nullptr, 0, &analysis) != 0) {
    return {};  // unknown: the caller runs it and reports what the engine says
  }
  StatementInfo info;
  info.count = analysis.statement_count;
  if (analysis.query_class <= static_cast<uint32_t>(StatementClass::kUnknown)) {
    info.statement_class = static_cast<StatementClass>(analysis.query_class);
  }
  return info;
}

bool ChdbEngine::IsSetting(std::string_view name) { return settings_.contains(name); }

}  // namespace pg2ch::chdb_front
